"""Reads of a room's facilitated state. Synchronous ORM code: async callers wrap it in a thread."""

from __future__ import annotations

import functools

from rooms.circle.frames import room_state_frame
from rooms.circle.state import Circle, Segment
from rooms.events import CircleSnapshot
from rooms.models import CircleSeat, RoomState


def circle_of(state: RoomState) -> Circle:
    return Circle(
        segment=Segment(state.segment), order=tuple(state.order), turn_index=state.turn_index
    )


def snapshot_of(state: RoomState) -> CircleSnapshot:
    """The state as processes share it, with its ``room_state`` frame (aliases, not keys)."""
    circle = circle_of(state)
    aliases = (
        dict(
            CircleSeat.objects.filter(
                room_id=state.room_id, identity_key__in=circle.order
            ).values_list("identity_key", "alias")
        )
        if circle.order
        else {}
    )
    turn = circle.turn
    frame = room_state_frame(
        segment=circle.segment,
        turn=aliases.get(turn, "") if turn is not None else None,
        turn_index=circle.turn_index if turn is not None else None,
        order=[aliases.get(key, "") for key in circle.order],
        prompt=state.prompt,
        guidelines=state.guidelines,
        slow_mode=state.slow_mode_seconds,
        locked=state.locked,
        version=state.version,
    )
    return CircleSnapshot(
        version=state.version,
        segment=circle.segment,
        turn_key=turn,
        slow_mode=state.slow_mode_seconds,
        frame=frame,
    )


@functools.cache
def unfacilitated_snapshot() -> CircleSnapshot:
    """The state of every room nobody facilitated yet (it has no RoomState row): no database."""
    return snapshot_of(RoomState())


def room_snapshot(room_id: int) -> tuple[CircleSnapshot, bool]:
    """The room's state and whether it is locked; a room nobody facilitated yet is open."""
    state = RoomState.objects.filter(room_id=room_id).first()
    if state is None:
        state = RoomState(room_id=room_id)
    return snapshot_of(state), state.locked


def room_snapshot_by_slug(slug: str) -> CircleSnapshot | None:
    """The stored state of a room, or None if nobody facilitated it (the hub's resync)."""
    state = RoomState.objects.filter(room__slug=slug).first()
    return snapshot_of(state) if state is not None else None


def may_come_back(room_id: int, identity_key: str) -> bool:
    """Whether this person has a seat here that a moderator's kick did not take."""
    return CircleSeat.objects.filter(
        room_id=room_id, identity_key=identity_key, kicked_at__isnull=True
    ).exists()
