"""Reads of group sessions: upcoming occurrences, one occurrence, RSVPs, calendars, room windows.

Owns turning stored sessions and occurrence rows into what clients see: the rule's occurrences with
moves and cancellations applied, seats taken and left, and the asking identity's RSVP state.
Synchronous ORM code that never writes (writes are ``services``); async callers wrap it in a thread.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q

from rooms.models import Room
from rooms.scheduling import ics
from rooms.scheduling.errors import NotFound
from rooms.scheduling.models import FACILITATORS_GROUP, RSVP, GroupSession, Occurrence
from rooms.scheduling.recurrence import EARLIEST, LATEST, Schedule, parse_rrule, zone_named
from rooms.scheduling.window import ALWAYS_OPEN, WindowState, window_state

MAX_DURATION = timedelta(minutes=480)
ROOM_PAGE_PATH = "/rooms/{slug}/"
KEY_FORMAT = "%Y%m%dT%H%M%SZ"
LIVE = (RSVP.Status.CONFIRMED, RSVP.Status.WAITLISTED)


# --- Keys, schedules, people -------------------------------------------------------------------


def occurrence_key(original_start: datetime) -> str:
    """An occurrence's key: the start its rule gives it, in UTC (like iCalendar's RECURRENCE-ID)."""
    return original_start.astimezone(UTC).strftime(KEY_FORMAT)


def parse_occurrence_key(key: str) -> datetime | None:
    if len(key) != 16:
        return None
    try:
        start = datetime.strptime(key, KEY_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    # No occurrence lies outside these years, and looking one up near datetime's ends overflows.
    return start if EARLIEST <= start < LATEST else None


def token_hash(token: str) -> str:
    """What is stored of an RSVP token (256 random bits, so a plain SHA-256 is enough)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def room_path(slug: str) -> str:
    return ROOM_PAGE_PATH.format(slug=slug)


def schedule_of(session: GroupSession) -> Schedule:
    zone = zone_named(session.time_zone)
    start = session.start.astimezone(zone)
    return Schedule(
        start=start,
        duration=timedelta(minutes=session.duration_minutes),
        recurrence=parse_rrule(session.rrule, start=start),
    )


def user_is_facilitator(user: AbstractBaseUser | AnonymousUser) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and user.groups.filter(name=FACILITATORS_GROUP).exists()  # type: ignore[attr-defined]
    )


def session_get(session_id: int) -> GroupSession:
    session = (
        GroupSession.objects.select_related("facilitator", "room").filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound("There is no session with this id.")
    return session


def session_list(
    *, topic: str | None = None, facilitator_id: int | None = None, status: str | None = None
) -> list[GroupSession]:
    sessions = GroupSession.objects.select_related("facilitator", "room").order_by("start", "id")
    if topic:
        sessions = sessions.filter(topic=topic)
    if facilitator_id is not None:
        sessions = sessions.filter(facilitator_id=facilitator_id)
    if status:
        sessions = sessions.filter(status=status)
    return list(sessions)


# --- Occurrences -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OccurrenceInfo:
    """One occurrence as clients see it. Times are UTC; ``*_local`` are in the session's zone."""

    session: GroupSession
    key: str
    original_start: datetime
    start: datetime
    end: datetime
    status: str
    moved: bool
    seats_taken: int = 0
    waitlisted: int = 0
    rsvp: str = "none"

    @property
    def capacity(self) -> int:
        return self.session.capacity

    @property
    def seats_left(self) -> int:
        return max(self.session.capacity - self.seats_taken, 0)

    @property
    def start_local(self) -> datetime:
        return self.start.astimezone(zone_named(self.session.time_zone))

    @property
    def end_local(self) -> datetime:
        return self.end.astimezone(zone_named(self.session.time_zone))


@dataclass(frozen=True, slots=True)
class _Slot:
    original_start: datetime
    start: datetime
    end: datetime
    row: Occurrence | None


def _slot(session: GroupSession, original_start: datetime, row: Occurrence | None) -> _Slot:
    start, minutes = original_start, session.duration_minutes
    if row is not None:
        start = row.moved_start or original_start
        minutes = row.moved_duration_minutes or minutes
    return _Slot(original_start, start, start + timedelta(minutes=minutes), row)


def _slots_between(
    session: GroupSession, rows: Iterable[Occurrence], after: datetime, before: datetime
) -> list[_Slot]:
    """Occurrences of a session overlapping [after, before), moves applied, cancelled included."""
    schedule = schedule_of(session)
    by_start = {row.original_start: row for row in rows}
    duration = timedelta(minutes=session.duration_minutes)
    slots = [
        _slot(session, start, by_start.pop(start, None))
        for start in schedule.starts_between(after - duration, before)
    ]
    # Rows moved here from outside the range, still part of the rule.
    slots += [
        _slot(session, row.original_start, row)
        for row in by_start.values()
        if row.moved_start is not None and schedule.includes(row.original_start)
    ]
    return sorted(
        (slot for slot in slots if slot.start < before and slot.end > after),
        key=lambda slot: slot.start,
    )


def _rows_near(session_ids: list[int], after: datetime, before: datetime) -> list[Occurrence]:
    return list(
        Occurrence.objects.filter(session_id__in=session_ids).filter(
            Q(original_start__gte=after - MAX_DURATION, original_start__lt=before)
            | Q(moved_start__gte=after - MAX_DURATION, moved_start__lt=before)
        )
    )


def _infos(
    slots: list[tuple[GroupSession, _Slot]], identity_key: str | None
) -> list[OccurrenceInfo]:
    row_ids = [slot.row.pk for _, slot in slots if slot.row is not None]
    counts: dict[tuple[int, str], int] = {}
    mine: dict[int, str] = {}
    if row_ids:
        for item in (
            RSVP.objects.filter(occurrence_id__in=row_ids, status__in=LIVE)
            .values("occurrence_id", "status")
            .annotate(n=Count("id"))
        ):
            counts[(item["occurrence_id"], item["status"])] = item["n"]
        if identity_key:
            mine = dict(
                RSVP.objects.filter(
                    occurrence_id__in=row_ids, identity_key=identity_key, status__in=LIVE
                ).values_list("occurrence_id", "status")
            )
    infos = []
    for session, slot in slots:
        row_id = slot.row.pk if slot.row is not None else -1
        cancelled = session.status == GroupSession.Status.CANCELLED or (
            slot.row is not None and slot.row.status == Occurrence.Status.CANCELLED
        )
        infos.append(
            OccurrenceInfo(
                session=session,
                key=occurrence_key(slot.original_start),
                original_start=slot.original_start,
                start=slot.start,
                end=slot.end,
                status="cancelled" if cancelled else "scheduled",
                moved=slot.start != slot.original_start,
                seats_taken=counts.get((row_id, RSVP.Status.CONFIRMED), 0),
                waitlisted=counts.get((row_id, RSVP.Status.WAITLISTED), 0),
                rsvp=mine.get(row_id, "none"),
            )
        )
    return infos


def occurrence_list(
    *,
    after: datetime,
    before: datetime,
    topic: str | None = None,
    facilitator_id: int | None = None,
    has_space: bool | None = None,
    identity_key: str | None = None,
) -> list[OccurrenceInfo]:
    """Occurrences of scheduled sessions overlapping [after, before), by start time."""
    moved_here = Q(
        occurrences__moved_start__gte=after - MAX_DURATION, occurrences__moved_start__lt=before
    )
    in_range = Q(start__lt=before) & (Q(series_end__isnull=True) | Q(series_end__gt=after))
    sessions = GroupSession.objects.filter(status=GroupSession.Status.SCHEDULED).filter(
        in_range | moved_here
    )
    if topic:
        sessions = sessions.filter(topic=topic)
    if facilitator_id is not None:
        sessions = sessions.filter(facilitator_id=facilitator_id)
    candidates = list(sessions.select_related("facilitator", "room").distinct())
    rows_by_session: dict[int, list[Occurrence]] = {}
    for row in _rows_near([session.pk for session in candidates], after, before):
        rows_by_session.setdefault(row.session_id, []).append(row)
    slots = [
        (session, slot)
        for session in candidates
        for slot in _slots_between(session, rows_by_session.get(session.pk, []), after, before)
    ]
    slots.sort(key=lambda pair: (pair[1].start, pair[0].pk))
    infos = _infos(slots, identity_key)
    if has_space is not None:
        infos = [
            info
            for info in infos
            if (info.status == "scheduled" and info.seats_left > 0) == has_space
        ]
    return infos


def occurrence_get(*, session_id: int, key: str, identity_key: str | None = None) -> OccurrenceInfo:
    """One occurrence of a session by key, or NotFound if the rule gives none at that time."""
    session = session_get(session_id)
    original_start = parse_occurrence_key(key)
    if original_start is None or not schedule_of(session).includes(original_start):
        raise NotFound("This session has no occurrence at that time.")
    row = Occurrence.objects.filter(session=session, original_start=original_start).first()
    return _infos([(session, _slot(session, original_start, row))], identity_key)[0]


# --- RSVPs -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RsvpInfo:
    rsvp: RSVP
    occurrence: OccurrenceInfo
    waitlist_position: int | None

    @property
    def status(self) -> str:
        return self.rsvp.status


def rsvp_info(rsvp: RSVP) -> RsvpInfo:
    occurrence = rsvp.occurrence
    info = _infos(
        [(occurrence.session, _slot(occurrence.session, occurrence.original_start, occurrence))],
        rsvp.identity_key,
    )[0]
    position = None
    if rsvp.status == RSVP.Status.WAITLISTED:
        ahead = RSVP.objects.filter(
            occurrence_id=rsvp.occurrence_id, status=RSVP.Status.WAITLISTED
        ).filter(Q(created_at__lt=rsvp.created_at) | Q(created_at=rsvp.created_at, id__lt=rsvp.pk))
        position = ahead.count() + 1
    return RsvpInfo(rsvp=rsvp, occurrence=info, waitlist_position=position)


def rsvp_by_token(token: str) -> RsvpInfo:
    rsvp = (
        RSVP.objects.select_related("occurrence__session__facilitator", "occurrence__session__room")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if rsvp is None:
        raise NotFound("No RSVP has this token.")
    return rsvp_info(rsvp)


# --- Room windows ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoomWindow:
    """A room's window, and while it is open the meeting it is open for."""

    state: WindowState
    session: GroupSession | None = None  # None: not a group session's room (always open)
    occurrence_id: int | None = None  # the open meeting's stored row; None: nobody RSVPed to it


def room_window_state(room_slug: str, now: datetime) -> WindowState:
    """Whether a room can be joined at ``now``: drop-in rooms always; a session's room from
    HEARTH_SESSION_OPENS_MINUTES_BEFORE before an occurrence until its end.

    A slug with no room, or a session-kind room no group session owns, counts as open: the caller
    decides about those.
    """
    return room_window(room_slug, now).state


def room_window(room_slug: str, now: datetime) -> RoomWindow:
    """``room_window_state`` with the session and the open occurrence's row (same queries)."""
    session = (
        GroupSession.objects.filter(room__slug=room_slug, room__kind=Room.Kind.SESSION)
        .select_related("room")
        .first()
    )
    if session is None:
        return RoomWindow(ALWAYS_OPEN)
    if session.status == GroupSession.Status.CANCELLED:
        return RoomWindow(WindowState(open=False), session)
    opens_before = timedelta(minutes=settings.HEARTH_SESSION_OPENS_MINUTES_BEFORE)
    after = now - MAX_DURATION
    # Look ahead in growing steps, so a weekly session costs one query and a sparse one a few.
    for days in (62, 400, 1200):
        before = now + timedelta(days=days)
        slots = _slots_between(session, _rows_near([session.pk], after, before), after, before)
        live = [
            slot
            for slot in slots
            if slot.row is None or slot.row.status != Occurrence.Status.CANCELLED
        ]
        state = window_state(
            occurrences=[(slot.start, slot.end) for slot in live],
            now=now,
            opens_before=opens_before,
        )
        if state.open:
            slot = next(slot for slot in live if slot.start - opens_before <= now < slot.end)
            return RoomWindow(state, session, slot.row.pk if slot.row is not None else None)
        if state.next_start is not None:
            return RoomWindow(state, session)
        if session.series_end is not None and session.series_end <= before:
            break
    return RoomWindow(WindowState(open=False), session)


# --- Calendars ---------------------------------------------------------------------------------


def calendar_series(session: GroupSession, *, room_url: str) -> ics.Series:
    """What ``ics`` needs to write a session as a VEVENT with its exceptions."""
    schedule = schedule_of(session)
    zone = schedule.zone
    exceptions = []
    for row in session.occurrences.filter(
        Q(status=Occurrence.Status.CANCELLED) | Q(moved_start__isnull=False)
    ):
        if not schedule.includes(row.original_start):
            continue
        slot = _slot(session, row.original_start, row)
        exceptions.append(
            ics.Instance(
                original_start=slot.original_start.astimezone(zone),
                start=slot.start.astimezone(zone),
                end=slot.end.astimezone(zone),
                cancelled=row.status == Occurrence.Status.CANCELLED,
            )
        )
    return ics.Series(
        uid=f"{session.uid}@hearth",
        title=session.title,
        description=session.description,
        topic=session.topic,
        start=schedule.start,
        end=schedule.start + schedule.duration,
        rrule=schedule.rrule_text(),
        cancelled=session.status == GroupSession.Status.CANCELLED,
        url=room_url,
        sequence=session.sequence,
        created=session.created_at,
        modified=session.updated_at,
        last_start=schedule.last_start(),
        exceptions=tuple(exceptions),
    )


def calendar_sessions(*, topic: str | None, now: datetime) -> list[GroupSession]:
    """Sessions a calendar feed lists: all but those whose last occurrence ended a month ago."""
    sessions = GroupSession.objects.select_related("room").filter(
        Q(series_end__isnull=True) | Q(series_end__gt=now - timedelta(days=30))
    )
    if topic:
        sessions = sessions.filter(topic=topic)
    return list(sessions.order_by("start", "id"))


def current_occurrence_key(room_slug: str, now: datetime) -> tuple[GroupSession, str] | None:
    """The session and occurrence whose room window contains ``now``, if the room is a session's."""
    session = GroupSession.objects.filter(room__slug=room_slug).first()
    if session is None or session.status == GroupSession.Status.CANCELLED:
        return None
    opens_before = timedelta(minutes=settings.HEARTH_SESSION_OPENS_MINUTES_BEFORE)
    after, before = now - MAX_DURATION, now + opens_before
    for slot in _slots_between(session, _rows_near([session.pk], after, before), after, before):
        cancelled = slot.row is not None and slot.row.status == Occurrence.Status.CANCELLED
        if not cancelled and slot.start - opens_before <= now < slot.end:
            return session, occurrence_key(slot.original_start)
    return None
