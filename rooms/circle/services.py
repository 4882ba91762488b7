"""Writes of facilitated sessions: seats, turns, reactions and the facilitator's commands.

Each service is synchronous (async callers wrap it in a thread), runs in one transaction with the
room's ``RoomState`` row locked, writes the audit log for facilitator actions, and publishes the
room's new state through ``rooms.events`` only once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from moderation.models import AuditEntry
from rooms.circle import state as machine
from rooms.circle.frames import (
    REACTIONS,
    Action,
    FacilitateFrame,
    reactions_frame,
    session_ended_frame,
)
from rooms.circle.selectors import circle_of, snapshot_of
from rooms.circle.state import Circle, Segment
from rooms.errors import RoomError
from rooms.events import (
    CircleSnapshot,
    publish_circle_state,
    publish_room_close,
    publish_room_notice,
)
from rooms.models import CircleSeat, Message, Reaction, Room, RoomState
from rooms.protocol import CloseCode, ErrorCode

SESSION_ENDED_DETAIL = (
    "This session has ended. Thank you for being here and for holding space for each other. "
    "If you need someone to talk to now, the crisis resources are open at any hour."
)


def _locked_state(room_id: int) -> RoomState:
    """The room's state row, created on first use, locked until the transaction ends."""
    RoomState.objects.get_or_create(room_id=room_id)
    return RoomState.objects.select_for_update().get(room_id=room_id)


def _set_circle(state: RoomState, circle: Circle) -> None:
    state.segment = circle.segment
    state.order = list(circle.order)
    state.turn_index = circle.turn_index


def _save_and_publish(state: RoomState, room_slug: str) -> CircleSnapshot:
    state.version += 1
    state.save()
    snapshot = snapshot_of(state)
    transaction.on_commit(lambda: publish_circle_state(room=room_slug, snapshot=snapshot))
    return snapshot


# --- participants --------------------------------------------------------------------------------


def seat_arrive(
    *,
    room_id: int,
    room_slug: str,
    identity_key: str,
    alias: str,
    confirm: Callable[[], None] | None = None,
) -> CircleSnapshot:
    """Seat a participant of a session room; in a round a newcomer joins the end of the order.

    ``confirm`` runs first, with the room's state row locked (so arrivals to the room on every
    process are seated one at a time): it raises to refuse the arrival, and no seat is taken.
    """
    with transaction.atomic():
        state = _locked_state(room_id)
        if confirm is not None:
            confirm()
        seat, created = CircleSeat.objects.get_or_create(
            room_id=room_id, identity_key=identity_key, defaults={"alias": alias}
        )
        if not created:
            CircleSeat.objects.filter(pk=seat.pk).update(
                connected=True, left_at=None, kicked_at=None, alias=alias, taken_at=timezone.now()
            )
        circle = circle_of(state)
        arrived = machine.arrive(circle, identity_key)
        if arrived != circle:
            _set_circle(state, arrived)
            return _save_and_publish(state, room_slug)
        return snapshot_of(state)


def seat_leave(*, room_id: int, identity_key: str) -> None:
    """The participant's last connection to the room closed; their turn waits for the grace."""
    CircleSeat.objects.filter(room_id=room_id, identity_key=identity_key).update(
        connected=False, left_at=timezone.now()
    )


def seat_kicked(*, room_id: int, identity_key: str) -> None:
    """A moderator sent the participant out: while the room is locked they cannot come back
    (their connections are closed, which leaves the seat and starts the grace as usual)."""
    CircleSeat.objects.filter(room_id=room_id, identity_key=identity_key).update(
        kicked_at=timezone.now()
    )


def seat_still_taken(*, room_id: int, identity_key: str) -> None:
    """The participant is still connected through another process: the seat is not empty."""
    CircleSeat.objects.filter(room_id=room_id, identity_key=identity_key).update(
        connected=True, left_at=None, taken_at=timezone.now()
    )


def skip_if_still_away(*, room_id: int, room_slug: str, identity_key: str) -> bool:
    """After the grace period: skip the turn of someone who has not come back. True if skipped."""
    with transaction.atomic():
        state = _locked_state(room_id)
        seat = CircleSeat.objects.filter(room_id=room_id, identity_key=identity_key).first()
        if seat is None or seat.connected:
            return False
        circle = circle_of(state)
        skipped = machine.skip(circle, identity_key)
        if skipped == circle:
            return False
        _set_circle(state, skipped)
        _save_and_publish(state, room_slug)
        return True


def pass_turn(*, room_id: int, room_slug: str, identity_key: str) -> None:
    """The turn holder passes (or finishes): the turn goes to the next person."""
    with transaction.atomic():
        state = _locked_state(room_id)
        circle = circle_of(state)
        if circle.turn != identity_key:
            raise RoomError(ErrorCode.NOT_YOUR_TURN, "Only the person whose turn it is can pass.")
        _set_circle(state, machine.advance(circle))
        _save_and_publish(state, room_slug)


def react(
    *, room_id: int, room_slug: str, identity_key: str, seq: int, reaction: str
) -> dict[str, int]:
    """Add a supportive reaction (once per person, kind and message); everyone gets the counts."""
    assert reaction in REACTIONS
    with transaction.atomic():
        message = Message.objects.filter(
            room_id=room_id, seq=seq, status=Message.Status.VISIBLE
        ).first()
        if message is None:
            raise RoomError(ErrorCode.NOT_FOUND, "There is no message with that number here.")
        Reaction.objects.get_or_create(
            message=message, identity_key=identity_key, reaction=reaction
        )
        counts = dict(
            Reaction.objects.filter(message=message)
            .values("reaction")
            .annotate(n=Count("id"))
            .values_list("reaction", "n")
        )
        frame = reactions_frame(seq=seq, counts=counts)
        transaction.on_commit(lambda: publish_room_notice(room=room_slug, frame=frame))
    return counts


# --- the facilitator's commands ----------------------------------------------------------------


def facilitate(*, room_id: int, room_slug: str, user_id: int, command: FacilitateFrame) -> None:
    """Apply one facilitator command and write it to the audit log (the caller checked rights)."""
    with transaction.atomic():
        state = _locked_state(room_id)
        note = _apply(state, room_id=room_id, command=command)
        AuditEntry.objects.create(
            moderator_id=user_id,
            action=f"circle.{command.action}",
            room_id=room_id,
            target=room_slug,
            reason=note,
        )
        _save_and_publish(state, room_slug)
        if command.action == Action.END_SESSION:
            _close_room(room_id, room_slug)
            frame = session_ended_frame(
                detail=SESSION_ENDED_DETAIL, resources_url=reverse("frontend:help")
            )
            transaction.on_commit(
                lambda: publish_room_close(
                    room=room_slug, frame=frame, close_code=CloseCode.ROOM_CLOSED
                )
            )


def _apply(state: RoomState, *, room_id: int, command: FacilitateFrame) -> str:
    """Change ``state`` as the command says; return what the audit entry notes."""
    action = command.action
    if command.prompt is not None:
        state.prompt = command.prompt
    if action == Action.PIN:
        if command.guidelines is not None:
            state.guidelines = command.guidelines
        return "\n\n".join(text for text in (command.guidelines, command.prompt) if text)
    if action in (Action.START_ROUND, Action.SET_SEGMENT):
        segment = command.segment or Segment.ROUND
        if segment == Segment.OPEN:
            _set_circle(state, machine.OPEN)
            return "open"
        present = list(
            CircleSeat.objects.filter(room_id=room_id, connected=True)
            .order_by("arrived_at", "id")
            .values_list("identity_key", flat=True)
        )
        if not present:
            raise RoomError(ErrorCode.BAD_FRAME, "Nobody is seated here yet to go round.")
        order = machine.arrange(present, command.ordering)
        _set_circle(state, machine.start_round(order, segment=segment))
        return f"{segment} ({command.ordering}): {state.prompt}"
    if action == Action.NEXT_TURN:
        _set_circle(state, machine.advance(circle_of(state)))
        return ""
    if action == Action.SLOW_MODE:
        state.slow_mode_seconds = command.seconds
        return f"{command.seconds} seconds"
    if action in (Action.LOCK, Action.UNLOCK):
        state.locked = action == Action.LOCK
        return ""
    # END_SESSION: the next meeting starts afresh.
    _set_circle(state, machine.OPEN)
    state.prompt = ""
    state.slow_mode_seconds = 0
    state.locked = False
    return ""


def _close_room(room_id: int, room_slug: str) -> None:
    """End what is running: a scheduled session's current meeting (its room opens again for the
    next one, with a fresh state), or a drop-in room altogether."""
    from rooms.scheduling.models import GroupSession
    from rooms.scheduling.selectors import current_occurrence_key
    from rooms.scheduling.services.occurrences import occurrence_end_now

    current = current_occurrence_key(room_slug, timezone.now())
    if current is not None:
        session, key = current
        occurrence_end_now(session=session, key=key)
    elif not GroupSession.objects.filter(room_id=room_id).exists():
        Room.objects.filter(pk=room_id).update(is_open=False)
    # A session's room past its meeting (a click just after the scheduled end) is not closed:
    # that would shut the series' next meetings out too. Its people are still sent away.
