"""Seats saved for people who RSVPed: who may take a place in a session's room while it is open.

A confirmed RSVP to the meeting a session's room is open for keeps a seat in the room until its
holder arrives, so that someone who signed up and comes on time finds a place even if people who
did not sign up came early. Waitlisted and cancelled RSVPs keep nothing, and RSVPs to any other
meeting keep nothing now: a reservation lasts as long as its meeting's window.

The RSVP's ``identity_key`` is the same keyed hash as the connection's ``Identity.key`` (the API
and the websocket read the identity from the same Django session), so nothing travels with the
websocket to prove an RSVP.

This module owns that rule (``SeatCheck.admits``, pure) and the one read it needs
(``seat_check``, synchronous ORM code that never writes; ``session_room_entry`` reads it with the
room's window in one trip to the database thread). It must not count connections itself: the
caller passes the hub's count of people in the room, and facilitators never reach it.

Two people can pass the check for the last free seat at the same moment, each before the other
is seated. So an admitted arrival holds a ``SeatClaim`` and confirms it (``SeatClaim.recheck``)
inside the transaction that takes the seat, with the room's state row locked: arrivals to one
room take their seats one at a time, on every process, and the second finds the seat gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from rooms.models import CircleSeat, Room
from rooms.scheduling.models import RSVP
from rooms.scheduling.selectors import RoomWindow, room_window

SEATS_SAVED_DETAIL = (
    "This group is full right now: the seats left are saved for people who signed up for this "
    "meeting. To be sure of a place next time, RSVP to a meeting on the schedule."
)
GROUP_FULL_DETAIL = (
    "This group is full right now. To be sure of a place next time, RSVP to a meeting on the "
    "schedule."
)

HOLDER_FULL_DETAIL = (
    "This group is full right now, though you signed up: it may have been made smaller. Please "
    "try again in a little while."
)


@dataclass(frozen=True, slots=True)
class SeatCheck:
    """What deciding one arrival in a session's open room needs, read in one query.

    ``seated`` counts the participants with a seat in the room's circle that is marked connected
    (facilitators have no seat), across every process: the seats live in the database.
    ``recent`` counts those of them taken within HEARTH_PRESENCE_TTL_SECONDS.
    ``reserved`` counts confirmed RSVPs to the open meeting whose holder is not seated (only
    people without one are held to it, so the arriving person's own never matters).
    """

    capacity: int  # the session's capacity: participants, the facilitator not included
    holder: bool  # the arriving person has a confirmed RSVP to the open meeting
    here: bool  # the arriving person is seated already (another tab, or a reconnect before the
    # server saw the old connection drop): not one more person
    seated: int
    reserved: int
    recent: int = 0

    def people(self, participants: int) -> int:
        """Participants in the room: the seated, but no more than the hub counts plus the seats
        taken too recently for the hub's count to show them.

        The hub's count (``participants``, facilitators included) forgets the people of a crashed
        process within HEARTH_PRESENCE_TTL_SECONDS, while their seats would stay marked connected;
        and it shows someone just seated only once their welcome is sent.
        """
        return min(self.seated, participants + self.recent)

    def admits(self, participants: int) -> bool:
        """Someone already seated always; a holder while the room has fewer people than the
        session's capacity; anyone else while people plus seats saved for absent holders do."""
        if self.here:
            return True
        people = self.people(participants)
        if self.holder:
            return people < self.capacity
        return people + self.reserved < self.capacity

    @property
    def detail(self) -> str:
        """The sentence for someone refused: seats saved for others, or simply full."""
        if self.holder:  # only when the group holds more than its capacity (it was made smaller)
            return HOLDER_FULL_DETAIL
        return SEATS_SAVED_DETAIL if self.reserved > 0 else GROUP_FULL_DETAIL


@dataclass(frozen=True, slots=True)
class SeatClaim:
    """An arrival that a SeatCheck admitted, to be confirmed when its seat is taken."""

    window: RoomWindow
    room_id: int
    identity_key: str
    participants: int  # the hub's count when the first check admitted the arrival

    def recheck(self) -> SeatCheck | None:
        """The check read again, for the caller that takes the seat with the room's state row
        locked: None if the arrival still has a place, else the new check (for its sentence).
        People seated since the first check count as recent seats (``SeatCheck.people``)."""
        fresh = seat_check(
            window=self.window,
            room_id=self.room_id,
            identity_key=self.identity_key,
            now=timezone.now(),
        )
        if fresh is None:  # the window closed meanwhile: the session's end closes the room
            return None
        return None if fresh.admits(self.participants) else fresh


def session_room_entry(
    room_slug: str, *, room_id: int, identity_key: str | None, now: datetime
) -> tuple[RoomWindow, SeatCheck | None]:
    """A session room's window at ``now`` and, for a participant (``identity_key`` given; None for
    a facilitator) while it is open, their seat check: the window's queries plus one."""
    window = room_window(room_slug, now)
    if identity_key is None:
        return window, None
    return window, seat_check(window=window, room_id=room_id, identity_key=identity_key, now=now)


def seat_check(
    *, window: RoomWindow, room_id: int, identity_key: str, now: datetime
) -> SeatCheck | None:
    """The seat check for an arrival in a session's open room (one query); None for any other
    room, which keeps the plain capacity check."""
    session = window.session
    if session is None or not window.state.open:
        return None
    seats = CircleSeat.objects.filter(room_id=room_id, connected=True)
    presence_ttl = timedelta(seconds=settings.HEARTH_PRESENCE_TTL_SECONDS)
    meeting = (  # a meeting nobody RSVPed to has no row: match nothing
        Q(occurrence_id=window.occurrence_id)
        if window.occurrence_id is not None
        else Q(occurrence__isnull=True)
    )
    confirmed = RSVP.objects.filter(meeting, status=RSVP.Status.CONFIRMED)
    absent = confirmed.exclude(Exists(seats.filter(identity_key=OuterRef("identity_key"))))
    row = (
        Room.objects.filter(pk=room_id)
        .annotate(
            seated=_count(seats),
            recent=_count(seats.filter(taken_at__gt=now - presence_ttl)),
            here=Exists(seats.filter(identity_key=identity_key)),
            holder=Exists(confirmed.filter(identity_key=identity_key)),
            reserved=_count(absent),
        )
        .values("seated", "recent", "here", "holder", "reserved")
        .first()
    )
    if row is None:
        return None
    return SeatCheck(
        capacity=session.capacity,
        holder=bool(row["holder"]),
        here=bool(row["here"]),
        seated=int(row["seated"]),
        reserved=int(row["reserved"]),
        recent=int(row["recent"]),
    )


def _count(rows: QuerySet[CircleSeat] | QuerySet[RSVP]) -> Coalesce:
    """``SELECT COUNT(*)`` of ``rows`` as a scalar subquery."""
    counted = rows.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)
