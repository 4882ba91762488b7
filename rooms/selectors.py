"""Reads of rooms and messages. Synchronous ORM code: async callers wrap it in a thread.

The reads of every join (``room_entry``, ``room_catch_up``) are raw SQL: the ORM spends about half
a millisecond of CPU building each query, on the one database thread every call of the process
waits for, and a room filling up pays it per person (docs/performance.md). Portable: PostgreSQL
and SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.utils.dateparse import parse_datetime

from moderation.models import Sanction
from rooms.models import Message, Room, RoomState
from rooms.protocol import message_frame


@dataclass(frozen=True, slots=True)
class RoomInfo:
    id: int
    slug: str
    title: str
    kind: str
    is_open: bool
    capacity: int


@dataclass(frozen=True, slots=True)
class RoomEntry:
    """What joining reads before admitting anyone: the room, and the person's current ban."""

    room: RoomInfo
    banned_until: datetime | None  # the latest end of the identity's active bans, if any


@dataclass(frozen=True, slots=True)
class RoomCatchUp:
    """What joining reads once the connection is attached to the hub."""

    last_seq: int
    facilitated: bool  # the room has a stored facilitated state (a RoomState row)


@dataclass(frozen=True, slots=True)
class RoomEvent:
    """A seq of a room as the fan-out needs it; ``frame`` is None when it is not to be shown."""

    seq: int
    author_key: str
    frame: str | None


def format_sent_at(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and a Z, as every frame carries it."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def frame_of(message: Message) -> str:
    assert message.seq is not None
    return message_frame(
        seq=message.seq,
        alias=message.alias,
        body=message.body,
        sent_at=format_sent_at(message.sent_at),
    )


def room_entry(slug: str, *, identity_key: str, now: datetime) -> RoomEntry | None:
    """The room and the identity's active ban at ``now``, in one query; None if no such room."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ROOM_ENTRY,
            [identity_key, Sanction.Kind.BAN.value,
             connection.ops.adapt_datetimefield_value(now), slug],
        )  # fmt: skip
        row = cursor.fetchone()
    if row is None:
        return None
    room_id, title, kind, is_open, capacity, banned_until = row
    return RoomEntry(
        room=RoomInfo(
            id=room_id,
            slug=slug,
            title=title,
            kind=kind,
            is_open=bool(is_open),
            capacity=capacity,
        ),
        banned_until=_aware(banned_until),
    )


def room_catch_up(room_id: int) -> RoomCatchUp:
    """The room's last seq and whether it has a facilitated state, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_ROOM_CATCH_UP, [room_id])
        row = cursor.fetchone()
    if row is None:  # the room was deleted meanwhile: nothing to catch up on
        return RoomCatchUp(last_seq=0, facilitated=False)
    return RoomCatchUp(last_seq=int(row[0]), facilitated=bool(row[1]))


def room_is_open(slug: str) -> bool:
    """Whether the room takes people and messages (a deleted room does not)."""
    return Room.objects.filter(slug=slug, is_open=True).exists()


def room_last_seq(slug: str) -> int | None:
    return Room.objects.filter(slug=slug).values_list("last_seq", flat=True).first()


def visible_messages_after(room_id: int, *, after: int, limit: int) -> list[Message]:
    """The newest ``limit`` visible messages with a seq above ``after``, oldest first."""
    newest = list(
        Message.objects.filter(room_id=room_id, seq__gt=after, status=Message.Status.VISIBLE)
        .order_by("-seq")
        .only("seq", "alias", "body", "sent_at", "author_key")[:limit]
    )
    newest.reverse()
    return newest


def room_events_between(slug: str, *, after: int, upto: int) -> list[RoomEvent]:
    """Every seq in (after, upto] of the room, in order, for filling a gap in the fan-out."""
    messages = Message.objects.filter(room__slug=slug, seq__gt=after, seq__lte=upto).order_by("seq")
    return [
        RoomEvent(
            seq=message.seq,
            author_key=message.author_key,
            frame=frame_of(message) if message.status == Message.Status.VISIBLE else None,
        )
        for message in messages
        if message.seq is not None
    ]


def removed_seqs(slug: str, *, upto: int, limit: int = 500) -> list[int]:
    """The seqs of the room's removed messages up to ``upto``, the newest ``limit`` of them
    (removed messages are few, and gone with the rest after the retention period)."""
    seqs = list(
        Message.objects.filter(
            room__slug=slug, status=Message.Status.REMOVED, seq__isnull=False, seq__lte=upto
        )
        .order_by("-seq")
        .values_list("seq", flat=True)[:limit]
    )
    return [seq for seq in reversed(seqs) if seq is not None]


def open_rooms() -> list[Room]:
    return list(Room.objects.filter(is_open=True).order_by("kind", "title"))


_ROOM = Room._meta.db_table
_ROOM_STATE = RoomState._meta.db_table
_SANCTION = Sanction._meta.db_table
# Table names come from the models; every value is a parameter.
_ROOM_ENTRY = f"""
SELECT room.id, room.title, room.kind, room.is_open, room.capacity,
    (SELECT max(until) FROM {_SANCTION} WHERE identity_key = %s AND kind = %s AND until > %s)
FROM {_ROOM} AS room WHERE room.slug = %s
"""
_ROOM_CATCH_UP = f"""
SELECT room.last_seq, state.id IS NOT NULL
FROM {_ROOM} AS room LEFT JOIN {_ROOM_STATE} AS state ON state.room_id = room.id
WHERE room.id = %s
"""


def _aware(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite answers text, in UTC as Django stores it there
        parsed = parse_datetime(value)
        return parsed.replace(tzinfo=UTC) if parsed is not None else None
    return value
