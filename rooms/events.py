"""Events between Hearth processes: their wire format, and publishing them from sync code.

Room events travel on the room's channel; control events (blocks, a notice or a kick for one
identity) on the control channel every process follows. Payloads are short text headers followed
by an already encoded frame, so a receiving process never re-encodes a frame.
Moderation actions and releases run in request threads and publish through ``publish_*`` below.
"""

from __future__ import annotations

from dataclasses import dataclass

from rooms.backplane import publish_from_sync

# Room events
MESSAGE_EVENT = "m"
PRESENCE_EVENT = "p"
REMOVAL_EVENT = "r"
CIRCLE_EVENT = "s"  # a facilitated room's new state (rooms.circle)
NOTICE_EVENT = "n"  # a frame for every connection of the room (reaction counts)
ROOM_CLOSE_EVENT = "c"  # a last frame for every connection of the room, then a close
WINDOW_EVENT = "w"  # a session's meetings changed: its rooms read their window again
SEAT_CHECK_EVENT = "k"  # a seat was marked empty: a process still holding that identity says so
# Control events
BLOCK_EVENT = "b"
UNBLOCK_EVENT = "u"
IDENTITY_EVENT = "i"
ALL_ROOMS = "*"


def encode_message_event(*, seq: int, author_key: str, frame: str) -> str:
    return f"{MESSAGE_EVENT}{seq} {author_key}\n{frame}"


def encode_seat_check_event(*, room_id: int, identity_key: str) -> str:
    return f"{SEAT_CHECK_EVENT}{room_id} {identity_key}"


def decode_seat_check_event(payload: str) -> tuple[int, str]:
    room_id, _, identity_key = payload[1:].partition(" ")
    return int(room_id), identity_key


def encode_presence_event(*, version: int, total: int) -> str:
    return f"{PRESENCE_EVENT}{version} {total}"


def encode_removal_event(*, seq: int) -> str:
    return f"{REMOVAL_EVENT}{seq}"


@dataclass(frozen=True, slots=True)
class CircleSnapshot:
    """A room's facilitated state as the hub keeps it: what the turn check needs, and its frame.

    ``turn_key`` is an identity key: it crosses the backplane like a message's author key, but
    never reaches a client (the frame carries aliases).
    """

    version: int
    segment: str
    turn_key: str | None
    slow_mode: int
    frame: str

    @property
    def in_round(self) -> bool:
        return self.segment != "open"


def encode_circle_event(snapshot: CircleSnapshot) -> str:
    s = snapshot
    return f"{CIRCLE_EVENT}{s.version} {s.segment} {s.turn_key or '-'} {s.slow_mode}\n{s.frame}"


def decode_circle_event(payload: str) -> CircleSnapshot:
    header, _, frame = payload.partition("\n")
    version, segment, turn_key, slow_mode = header[1:].split(" ")
    return CircleSnapshot(
        version=int(version),
        segment=segment,
        turn_key=None if turn_key == "-" else turn_key,
        slow_mode=int(slow_mode),
        frame=frame,
    )


def encode_block_event(*, blocker_key: str, blocked_key: str, blocked: bool) -> str:
    return f"{BLOCK_EVENT if blocked else UNBLOCK_EVENT}{blocker_key} {blocked_key}"


def encode_identity_event(
    *, identity_key: str, frame: str, close_code: int = 0, room: str | None = None
) -> str:
    """A frame for every connection of one identity (in one room, or all), then maybe a close."""
    return f"{IDENTITY_EVENT}{identity_key} {close_code} {room or ALL_ROOMS}\n{frame}"


def publish_message_from_sync(*, room: str, seq: int, author_key: str, frame: str) -> None:
    publish_from_sync(
        room=room, payload=encode_message_event(seq=seq, author_key=author_key, frame=frame)
    )


def publish_removal(*, room: str, seq: int) -> None:
    publish_from_sync(room=room, payload=encode_removal_event(seq=seq))


def publish_block(*, blocker_key: str, blocked_key: str, blocked: bool) -> None:
    publish_from_sync(
        room=None,
        payload=encode_block_event(
            blocker_key=blocker_key, blocked_key=blocked_key, blocked=blocked
        ),
    )


def publish_to_identity(
    *, identity_key: str, frame: str, close_code: int = 0, room: str | None = None
) -> None:
    publish_from_sync(
        room=None,
        payload=encode_identity_event(
            identity_key=identity_key, frame=frame, close_code=close_code, room=room
        ),
    )


def publish_circle_state(*, room: str, snapshot: CircleSnapshot) -> None:
    publish_from_sync(room=room, payload=encode_circle_event(snapshot))


def publish_room_notice(*, room: str, frame: str) -> None:
    publish_from_sync(room=room, payload=f"{NOTICE_EVENT}{frame}")


def publish_room_close(*, room: str, frame: str, close_code: int) -> None:
    """Send ``frame`` to every connection of the room on every process, then close them all."""
    publish_from_sync(room=room, payload=f"{ROOM_CLOSE_EVENT}{close_code}\n{frame}")


def publish_window_changed(*, room: str) -> None:
    """A session room's meetings were moved, shortened or cancelled: every process serving the
    room reads its window again now (rooms.session_end) instead of at the end it had."""
    publish_from_sync(room=room, payload=WINDOW_EVENT)
