"""Joining and leaving a room: who may connect, and how a connection catches up.

Who may connect: the room exists and is open (a session's room only in its window), the person
is not banned, and there is a place. In a drop-in room a place means fewer people than the room's
capacity. In a session's room participants are counted against the session's capacity, with
seats saved for confirmed RSVPs (``rooms.scheduling.reservations``); facilitators (who take no
seat), and a moderator joining them, are never refused for capacity there (the room's own
capacity, the session's plus one, counts only for a session-kind room no session owns). The
seat check runs again when the seat is taken, with the room locked, so that two people arriving
together for the last seat cannot both get it.

A connection joins in this order, so that it sees every message once and in order:
attach its outbox to the hub (live messages wait there), read the room's last seq, send the
welcome, replay stored messages after ``since``, then go live.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from moderation.blocks import blocked_by
from moderation.sanctions import describe_wait
from rooms import selectors
from rooms.circle import seats
from rooms.circle.permissions import FACILITATOR_ALIAS
from rooms.circle.services import seat_arrive
from rooms.db import in_db
from rooms.errors import RoomError
from rooms.events import CircleSnapshot
from rooms.hub import get_hub
from rooms.identity import Identity
from rooms.outbox import Outbox
from rooms.protocol import ErrorCode, welcome_frame
from rooms.pseudonym_store import claim_and_catch_up
from rooms.scheduling.reservations import SeatCheck, SeatClaim, session_room_entry
from rooms.scheduling.selectors import RoomWindow
from rooms.scheduling.window import ALWAYS_OPEN
from rooms.selectors import RoomInfo
from rooms.session_end import close_at_scheduled_end

_DROP_IN_WINDOW = RoomWindow(ALWAYS_OPEN)


@dataclass(frozen=True, slots=True)
class Member:
    """A connection's place in a room: everything the message path needs to know about it."""

    room_id: int
    room_slug: str
    identity_key: str
    alias: str
    region: str | None = None  # for crisis resources: the person's choice or their browser's
    joined_seq: int = 0  # the room's last seq when this connection joined
    # Messages after this seq are ones this person could have seen here: since their first
    # visit (a returning session's history floor), else since this connection joined.
    sees_after: int = 0
    can_facilitate: bool = False  # decided once at connect (rooms.circle.permissions)
    user_id: int | None = None  # the signed-in user behind a facilitator, for the audit log
    seated: bool = False  # a participant of a session room, with a seat in its circle


def check_could_have_seen(member: Member, seq: int) -> None:
    """A report, a block or a reaction names a message this person could have seen. Messages
    from before they first came are not shown to them, and answering for those would tell a
    newcomer what was said before they arrived (a block's answer names the author, a
    reaction's the counts)."""
    if seq <= member.sees_after:
        raise RoomError(ErrorCode.NOT_FOUND, "There is no message with that number here.")


async def join_room(
    *,
    slug: str,
    identity: Identity,
    since: int | None,
    outbox: Outbox,
    arrival: Arrival | None = None,
    history_floor: int | None = None,
    region: str | None = None,
    can_facilitate: bool = False,
    user_id: int | None = None,
) -> Member:
    """Admit a connection to a room and queue its welcome, the room's state and the replay.

    Raises RoomError if the room cannot be joined. Facilitators go by "Facilitator" in session
    rooms; everyone else in a session room takes a seat in its circle. ``arrival``: what
    ``read_arrival`` said, read by the caller in its own trip to the database thread (None: read
    it here); then one more trip once attached (``_settle_in``), plus the replay's read.
    """
    if arrival is None:
        arrival = await in_db(read_arrival)(
            slug, identity_key=identity.key, can_facilitate=can_facilitate
        )
    room = arrival.room
    if room is None:
        raise RoomError(ErrorCode.NOT_FOUND)
    if not room.is_open:
        raise RoomError(ErrorCode.ROOM_CLOSED)
    is_session = room.kind == "session"
    room_window, check = arrival.window, arrival.check
    window = room_window.state
    if not window.open:
        raise RoomError(ErrorCode.ROOM_CLOSED, window.detail, next_start=window.next_start_iso)
    if arrival.banned_until is not None:
        raise _banned(arrival.banned_until)
    hub = await get_hub()
    claim = None
    if not (is_session and can_facilitate):  # facilitators' places are beyond the capacity
        participants = await hub.participants(slug)
        _check_place(room.capacity, check, participants)
        if check is not None:
            claim = SeatClaim(room_window, room.id, identity.key, participants)

    # Facilitators of session rooms go by "Facilitator"; everyone else's name is claimed once
    # attached (``_settle_in``), the first of theirs nobody else holds in the room.
    named = is_session and can_facilitate
    member = Member(
        room_id=room.id,
        room_slug=slug,
        identity_key=identity.key,
        alias=FACILITATOR_ALIAS if named else "",
        region=region,
        can_facilitate=can_facilitate,
        user_id=user_id,
        seated=is_session and not can_facilitate,
    )
    await hub.attach(slug, outbox)
    close_at_scheduled_end(hub, slug, window.closes_at)
    try:
        settled = await in_db(_settle_in)(
            member,
            names=None if named else identity.aliases_in(slug),
            confirm=_confirmation(claim),
        )
        member = replace(member, alias=settled.alias)
        hub.keep_circle(slug, settled.circle)
        if settled.seated_circle is not None:
            hub.keep_circle(slug, settled.seated_circle)
        outbox.blocked_authors |= settled.blocked
        last_seq = settled.last_seq
        hub.set_baseline(slug, last_seq)
        participants = await hub.refresh_presence(slug)
        outbox.welcome(
            welcome_frame(
                room=slug, alias=member.alias, last_seq=last_seq, participants=participants
            )
        )
        # No await since the welcome: any later change reaches this outbox as a room notice.
        circle = hub.circle(slug) or settled.circle
        if is_session or circle.version > 0:  # a drop-in room nobody facilitated has no state
            outbox.push(circle.frame)
        await _replay(member, since=since, floor=history_floor, last_seq=last_seq, outbox=outbox)
    except BaseException:
        await hub.detach(slug, outbox)
        raise
    outbox.go_live()
    sees_after = last_seq if history_floor is None else min(history_floor, last_seq)
    return replace(member, joined_seq=last_seq, sees_after=sees_after)


@dataclass(frozen=True, slots=True)
class Arrival:
    """What decides whether a person may come into a room (``read_arrival``)."""

    room: RoomInfo | None  # None: no room has this slug
    banned_until: datetime | None = None
    window: RoomWindow = _DROP_IN_WINDOW
    check: SeatCheck | None = None


def read_arrival(slug: str, *, identity_key: str, can_facilitate: bool) -> Arrival:
    """What decides whether a person may come in: the room and their ban (one query; a ban takes
    effect at the next join), and for a session's open room its window and the seat check.
    Synchronous: callers run it on the database thread, with their other reads if they can."""
    now = timezone.now()
    entry = selectors.room_entry(slug, identity_key=identity_key, now=now)
    if entry is None:
        return Arrival(room=None)
    room = entry.room
    window, check = _DROP_IN_WINDOW, None
    if room.is_open and room.kind == "session":  # drop-in rooms have no window and no RSVPs
        # A facilitator's place is beyond the session's capacity: no seat check for them.
        window, check = session_room_entry(
            slug, room_id=room.id, identity_key=None if can_facilitate else identity_key, now=now
        )
    return Arrival(room=room, banned_until=entry.banned_until, window=window, check=check)


@dataclass(frozen=True, slots=True)
class _Settled:
    alias: str  # the person's name in the room
    last_seq: int
    circle: CircleSnapshot  # the room's state as read
    seated_circle: CircleSnapshot | None  # the state once seated, for a participant
    blocked: set[str]


def _settle_in(
    member: Member,
    *,
    names: Iterator[str] | None,
    confirm: Callable[[], None] | None,
) -> _Settled:
    """Everything read or written once the connection is attached (so that a change made
    meanwhile reaches it as an event instead), in one trip to the database thread: the person's
    name in the room (claimed from ``names``, with the room's last seq; None: ``member.alias``
    is theirs already), the room's state (a newcomer to a locked room is refused), the seat of a
    participant (seated before the welcome, so arrival order is join order) and their blocks."""
    alias = member.alias
    if names is None:
        catch_up = selectors.room_catch_up(member.room_id)
    else:
        claimed = claim_and_catch_up(
            member.room_id, identity_key=member.identity_key, candidates=names
        )
        alias, catch_up = claimed.alias, claimed.catch_up
    circle = seats.entry_snapshot(
        room_id=member.room_id,
        identity_key=member.identity_key,
        can_facilitate=member.can_facilitate,
        facilitated=catch_up.facilitated,
    )
    seated_circle = None
    if member.seated:
        seated_circle = seat_arrive(
            room_id=member.room_id,
            room_slug=member.room_slug,
            identity_key=member.identity_key,
            alias=alias,
            confirm=confirm,
        )
    return _Settled(
        alias=alias,
        last_seq=catch_up.last_seq,
        circle=circle,
        seated_circle=seated_circle,
        blocked=blocked_by(member.identity_key),
    )


def _check_place(room_capacity: int, check: SeatCheck | None, participants: int) -> None:
    """Refuse an arrival with no place: see the module's docstring for who counts."""
    if check is None:
        if participants >= room_capacity:
            raise RoomError(ErrorCode.ROOM_FULL)
    elif not check.admits(participants):
        raise _no_seat(check)


def _confirmation(claim: SeatClaim | None) -> Callable[[], None] | None:
    """What taking the seat runs first, with the room's state row locked: the seat check again,
    so that two arrivals for the last seat cannot both get it (reservations.SeatClaim)."""
    if claim is None:
        return None

    def confirm() -> None:
        refused = claim.recheck()
        if refused is not None:
            raise _no_seat(refused)

    return confirm


def _no_seat(check: SeatCheck) -> RoomError:
    return RoomError(ErrorCode.ROOM_FULL, check.detail, schedule_url=reverse("frontend:schedule"))


def _banned(until: datetime) -> RoomError:
    return RoomError(
        ErrorCode.BANNED,
        f"A moderator paused your access to Hearth's rooms for {describe_wait(until)}.",
        until=until.isoformat(),
    )


async def _replay(
    member: Member, *, since: int | None, floor: int | None, last_seq: int, outbox: Outbox
) -> None:
    """Queue the stored messages after ``since``, but none from before the first visit."""
    if since is None or floor is None or since >= last_seq:
        # A client that claims more than exists (a room reset) starts from the room's present.
        outbox.start_after(last_seq)
        return
    start = max(since, floor)
    outbox.start_after(start)
    stored = await in_db(selectors.visible_messages_after)(
        member.room_id, after=start, limit=settings.HEARTH_REPLAY_LIMIT
    )
    for message in stored:
        assert message.seq is not None
        outbox.replay(message.seq, message.author_key, selectors.frame_of(message))


async def leave_room(*, member: Member, outbox: Outbox) -> None:
    hub = await get_hub()
    await hub.detach(member.room_slug, outbox)
    if member.seated:
        await seats.leave_seat(
            room_id=member.room_id, slug=member.room_slug, identity_key=member.identity_key
        )
