"""Reads of rooms and messages. Synchronous ORM code: async callers wrap it in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rooms.models import Message, Room
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


def room_info(slug: str) -> RoomInfo | None:
    room = (
        Room.objects.filter(slug=slug)
        .values("id", "slug", "title", "kind", "is_open", "capacity")
        .first()
    )
    return RoomInfo(**room) if room is not None else None


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


def open_rooms() -> list[Room]:
    return list(Room.objects.filter(is_open=True).order_by("kind", "title"))
