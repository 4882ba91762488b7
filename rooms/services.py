"""The message path of a room: receive -> validate -> moderate -> persist -> broadcast.

``post_message`` is the one place a chat message goes through, read top to bottom. Each step is a
named function below it. The consumer calls it and turns its result or a RoomError into frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from moderation.decision import Action, Decision
from moderation.review import review
from rooms.errors import RoomError
from rooms.hub import get_hub
from rooms.membership import Member
from rooms.models import Message
from rooms.protocol import ErrorCode
from rooms.selectors import frame_of


@dataclass(frozen=True, slots=True)
class Posted:
    """What became of a ``send``: the stored message (seq None while held) and its review."""

    client_id: str
    seq: int | None
    is_new: bool
    decision: Decision | None


async def post_message(*, member: Member, body: str, client_id: str) -> Posted:
    earlier = await _find_earlier_send(member, client_id)
    if earlier is not None:
        return earlier
    text = _validate_body(body)
    await _take_rate_token(member)
    decision = review(text)
    if not decision.body:
        raise RoomError(ErrorCode.EMPTY)
    message, is_new = await database_sync_to_async(store_message)(member, client_id, decision)
    if is_new and message.seq is not None:
        await _broadcast(member, message)
    return Posted(client_id=client_id, seq=message.seq, is_new=is_new, decision=decision)


def _validate_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise RoomError(ErrorCode.EMPTY)
    limit = settings.HEARTH_MAX_BODY_CHARS
    if len(text) > limit:
        raise RoomError(
            ErrorCode.TOO_LONG,
            f"Messages can be up to {limit} characters; this one has {len(text)}.",
            limit=limit,
        )
    return text


async def _take_rate_token(member: Member) -> None:
    hub = await get_hub()
    wait = await hub.backplane.take_token(
        f"{member.identity_key}:{member.room_slug}",
        burst=settings.HEARTH_RATE_BURST,
        refill_seconds=settings.HEARTH_RATE_REFILL_SECONDS,
    )
    if wait > 0:
        seconds = max(1, round(wait))
        raise RoomError(
            ErrorCode.RATE_LIMITED,
            f"You are sending messages quickly. You can send again in {seconds} "
            f"second{'s' if seconds != 1 else ''}.",
            retry_after=round(wait, 2),
        )


@database_sync_to_async
def _find_earlier_send(member: Member, client_id: str) -> Posted | None:
    """A send this identity already made with this client_id: answered, never stored twice."""
    earlier = (
        Message.objects.filter(
            room_id=member.room_id, author_key=member.identity_key, client_id=client_id
        )
        .values_list("seq", "status")
        .first()
    )
    if earlier is None:
        return None
    return Posted(client_id=client_id, seq=earlier[0], is_new=False, decision=None)


def store_message(member: Member, client_id: str, decision: Decision) -> tuple[Message, bool]:
    """Store the message; a visible one takes the room's next seq in the same transaction."""
    visible = decision.action == Action.DELIVER
    try:
        with transaction.atomic():
            seq = _take_next_seq(member.room_id) if visible else None
            message = Message.objects.create(
                room_id=member.room_id,
                seq=seq,
                author_key=member.identity_key,
                alias=member.alias,
                client_id=client_id,
                body=decision.body,
                status=Message.Status.VISIBLE if visible else Message.Status.HELD,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        # The same client_id raced in from another connection of this identity: it won.
        message = Message.objects.get(
            room_id=member.room_id, author_key=member.identity_key, client_id=client_id
        )
        return message, False
    return message, True


def _take_next_seq(room_id: int) -> int:
    """Increment the room's last seq under its row lock; raise if the room has closed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE rooms_room SET last_seq = last_seq + 1 WHERE id = %s AND is_open "
            "RETURNING last_seq",
            [room_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise RoomError(ErrorCode.ROOM_CLOSED)
    return int(row[0])


async def _broadcast(member: Member, message: Message) -> None:
    hub = await get_hub()
    await hub.publish_message(
        member.room_slug,
        seq=message.seq or 0,
        author_key=member.identity_key,
        frame=frame_of(message),
    )
