"""The message path of a room: receive -> validate -> moderate -> persist -> broadcast.

``post_message`` is the one place a chat message goes through, read top to bottom. Each step is a
named function below it. The consumer calls it and turns its result or a RoomError into frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from moderation.blocks import BlockTarget, set_block
from moderation.decision import Action, Decision
from moderation.flags import report_message
from moderation.normalize import normalize
from moderation.review import review
from moderation.sanctions import describe_wait
from moderation.sanitize import sanitize
from moderation.watchlist import current_rules
from rooms.circle.seats import check_turn
from rooms.db import in_db
from rooms.errors import RoomError
from rooms.events import publish_message_from_sync, publish_removal
from rooms.hub import get_hub
from rooms.membership import Member, check_could_have_seen
from rooms.message_store import (
    EarlierSend,
    SenderRecord,
    look_up_sender,
    record_send,
    take_next_seq,
)
from rooms.models import Message
from rooms.protocol import ErrorCode
from rooms.selectors import frame_of


@dataclass(frozen=True, slots=True)
class Posted:
    """What became of a ``send``: acked with a seq, or held with a reason for the author."""

    client_id: str
    seq: int | None
    held_reason: str | None = None
    held_detail: str | None = None
    crisis: str | None = None  # "crisis_self" or "crisis_danger": the author gets resources


async def post_message(*, member: Member, body: str, client_id: str) -> Posted:
    text = _validate_body(body)
    refusal = await _pace_refusal(member)
    if refusal is not None:
        return await _unless_sent_before(member, client_id, refusal)
    decision = review(text, watched=await current_rules())
    sent = await in_db(record_send)(member, client_id, decision)
    if sent.sender.earlier is not None:
        return _answer_as_before(client_id, sent.sender.earlier, decision)
    _check_not_sanctioned(sent.sender)
    _refuse_blocked(decision)
    message = sent.message
    assert message is not None  # record_send stores whatever the checks above let through
    if sent.is_new and message.seq is not None:
        await _broadcast(member, message)
    return Posted(
        client_id=client_id,
        seq=message.seq,
        held_reason=decision.reason if message.seq is None else None,
        held_detail=decision.detail if message.seq is None else None,
        crisis=decision.crisis_label,
    )


async def _pace_refusal(member: Member) -> RoomError | None:
    """The turn, slow mode and the rate limit, checked before anything is read or stored."""
    try:
        await _check_turn_and_pace(member)
        await _take_rate_token(member)
    except RoomError as refusal:
        return refusal
    return None


async def _unless_sent_before(member: Member, client_id: str, refusal: RoomError) -> Posted:
    """A send the limits refused may be a resend of a message already stored (after a
    reconnect), or come from someone banned or muted: those answers come first, as they
    would have if the limits had let the send through. Only refused sends pay this look-up."""
    sender = await in_db(look_up_sender)(member, client_id)
    if sender.earlier is not None:
        return _answer_as_before(client_id, sender.earlier)
    _check_not_sanctioned(sender)
    raise refusal


def _validate_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise RoomError(ErrorCode.EMPTY)
    _check_length(text, written_out=False)
    # Normalising never lengthens ASCII, and lengthens a character at most 18 times (U+FDFA):
    # only a longer text of other characters pays for a second normalisation here.
    if not text.isascii() and len(text) * _MOST_NFKC_GROWTH > settings.HEARTH_MAX_BODY_CHARS:
        _check_length(sanitize(normalize(text)), written_out=True)
    return text


_MOST_NFKC_GROWTH = 18


def _check_length(text: str, *, written_out: bool) -> None:
    """The limit holds for what is typed and again for what is stored: normalising spells some
    characters out in full (one ligature of U+FDFA is 18 letters), and a message that grows past
    the limit would reach every screen in the room as many times its size. Checked before the
    limits, so that a refused body costs no turn at the rate limit or slow mode."""
    limit = settings.HEARTH_MAX_BODY_CHARS
    if len(text) > limit:
        counted = " once its special characters are written out" if written_out else ""
        raise RoomError(
            ErrorCode.TOO_LONG,
            f"Messages can be up to {limit} characters; this one has {len(text)}{counted}.",
            limit=limit,
        )


def _answer_as_before(
    client_id: str, earlier: EarlierSend, decision: Decision | None = None
) -> Posted:
    """A send repeated with the same client_id is answered as the first one was. A held one
    is told again what to do: ``decision`` (the resend's own review, when it was reviewed)
    names what to remove, as the first answer did."""
    if earlier.seq is not None:
        return Posted(client_id=client_id, seq=earlier.seq)
    reason = earlier.hold_reason or "review"
    if decision is not None and decision.reason == reason and decision.detail:
        detail = decision.detail
    else:
        detail = HELD_AGAIN.get(reason, WAITING_FOR_A_MODERATOR)
    return Posted(client_id=client_id, seq=None, held_reason=reason, held_detail=detail)


WAITING_FOR_A_MODERATOR = "This message is waiting for a moderator. Nobody else can see it yet."
# A held message's reason, where the author (not a moderator) has something to do.
HELD_AGAIN = {
    "pii": "Your message looks like it contains a personal detail. To keep everyone anonymous, "
    "please remove it and send again.",
}


def _check_not_sanctioned(sender: SenderRecord) -> None:
    if sender.banned_until is not None:
        raise RoomError(
            ErrorCode.BANNED,
            "A moderator paused your access to Hearth's rooms. "
            f"You can come back in {describe_wait(sender.banned_until)}.",
            until=sender.banned_until.isoformat(),
        )
    until = sender.muted_until
    if until is not None:
        raise RoomError(
            ErrorCode.MUTED,
            f"A moderator paused your messages. You can write again in {describe_wait(until)}.",
            until=until.isoformat(),
        )


def _refuse_blocked(decision: Decision) -> None:
    if decision.action == Action.BLOCK:
        raise RoomError(
            ErrorCode.BLOCKED_MESSAGE, decision.detail or "That message can't be posted here."
        )
    if not decision.body:
        raise RoomError(ErrorCode.EMPTY)


async def _check_turn_and_pace(member: Member) -> None:
    """In a facilitated room: only the turn holder writes during a round, and slow mode holds.

    Facilitators may always write. Slow mode is one message per person every N seconds, across
    all of their connections and all processes.
    """
    circle = await check_turn(
        slug=member.room_slug,
        identity_key=member.identity_key,
        can_facilitate=member.can_facilitate,
    )
    if circle is None or circle.slow_mode <= 0 or member.can_facilitate:
        return
    await _take_token_or_refuse(
        f"slow:{circle.slow_mode}:{member.identity_key}:{member.room_slug}",
        burst=1,
        refill_seconds=circle.slow_mode,
        why=f"Slow mode is on: one message every {circle.slow_mode} seconds, so everyone can "
        "keep up.",
    )


async def file_report(*, member: Member, seq: int, reason: str) -> None:
    """Store a participant's report of message ``seq`` (moderation.flags opens or joins its flag).

    Reports have an allowance of their own, per identity across rooms: generous for someone
    reporting what they saw, but one script cannot bury the moderators' queue. A report over
    it is refused with ``rate_limited`` and a wait, never dropped in silence.
    """
    check_could_have_seen(member, seq)
    await _take_token_or_refuse(
        f"report:{member.identity_key}",
        burst=settings.HEARTH_REPORT_BURST,
        refill_seconds=settings.HEARTH_REPORT_REFILL_SECONDS,
        why="You have sent many reports in a short time; moderators are looking at them.",
    )
    await in_db(report_message)(
        room_id=member.room_id, seq=seq, reporter_key=member.identity_key, reason=reason
    )


async def block_author(
    *, member: Member, seq: int | None, alias: str | None, blocked: bool
) -> BlockTarget:
    """Block (or unblock) the author of message ``seq`` here, or whoever goes by ``alias``.

    The blocker's connections to this process stop (or start again) receiving that person's
    messages before the answer, whatever becomes of the event that tells the other processes."""
    if seq is not None:
        check_could_have_seen(member, seq)
    change = await in_db(set_block)(
        blocker_key=member.identity_key,
        room_id=member.room_id,
        seq=seq,
        alias=alias,
        blocked=blocked,
    )
    hub = await get_hub()
    hub.apply_block(
        blocker_key=member.identity_key, blocked_key=change.blocked_key, blocked=blocked
    )
    return change.target


async def _take_rate_token(member: Member) -> None:
    await _take_token_or_refuse(
        f"{member.identity_key}:{member.room_slug}",
        burst=settings.HEARTH_RATE_BURST,
        refill_seconds=settings.HEARTH_RATE_REFILL_SECONDS,
        why="You are sending messages quickly.",
    )


async def _take_token_or_refuse(
    bucket: str, *, burst: int, refill_seconds: float, why: str
) -> None:
    hub = await get_hub()
    wait = await hub.backplane.take_token(bucket, burst=burst, refill_seconds=refill_seconds)
    if wait > 0:
        seconds = max(1, round(wait))
        raise RoomError(
            ErrorCode.RATE_LIMITED,
            f"{why} You can send again in {seconds} second{'s' if seconds != 1 else ''}.",
            retry_after=round(wait, 2),
        )


async def _broadcast(member: Member, message: Message) -> None:
    hub = await get_hub()
    await hub.publish_message(
        member.room_slug,
        seq=message.seq or 0,
        author_key=member.identity_key,
        frame=frame_of(message),
    )


def release_held_message(message: Message) -> Message:
    """Show a held message: it takes the room's next seq now and goes to everyone.

    Runs inside the caller's transaction; the broadcast waits for its commit.
    """
    message.seq = take_next_seq(message.room_id)
    message.status = Message.Status.VISIBLE
    message.hold_reason = ""
    message.save(update_fields=["seq", "status", "hold_reason"])
    frame = frame_of(message)
    room_slug = message.room.slug
    transaction.on_commit(
        lambda: publish_message_from_sync(
            room=room_slug, seq=message.seq or 0, author_key=message.author_key, frame=frame
        )
    )
    return message


def remove_message(message: Message) -> Message:
    """Take a message down for everyone; connected clients are told at once."""
    message.status = Message.Status.REMOVED
    message.save(update_fields=["status"])
    if message.seq is not None:
        room_slug, seq = message.room.slug, message.seq
        transaction.on_commit(lambda: publish_removal(room=room_slug, seq=seq))
    return message
