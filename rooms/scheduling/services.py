"""Writes of group sessions: schedule, change and cancel sessions and occurrences; RSVP and cancel.

Owns every rule a write must keep: a session starts in the future, in a known zone, for a sane
length and capacity, with a rule Hearth supports; a change never silently drops an occurrence
someone RSVPed to; capacity is never exceeded, however many people RSVP at once (the occurrence
row is locked while seats are counted); a freed seat goes to the first person on the waitlist.

Each function is keyword-only, runs in one transaction and returns a model or a frozen dataclass.
Domain errors are ``errors.SchedulingError``; nothing here knows about HTTP. Authorization is the
caller's (``api.permissions``), except that only a facilitator can be a session's facilitator.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from rooms.models import Room
from rooms.scheduling import selectors
from rooms.scheduling.errors import ErrorCode, InvalidInput, NotFound, SchedulingError
from rooms.scheduling.models import FACILITATORS_GROUP, RSVP, GroupSession, Occurrence
from rooms.scheduling.recurrence import (
    Recurrence,
    RecurrenceError,
    Schedule,
    parse_rrule,
    resolve_start,
    validate_recurrence,
    zone_named,
)

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 480
MAX_DAYS_AHEAD = 730


@dataclass(frozen=True, slots=True)
class RsvpCreated:
    """A new RSVP, or a live one of the same identity given a new token (``created`` False)."""

    token: str
    info: selectors.RsvpInfo
    created: bool


@dataclass(frozen=True, slots=True)
class RsvpCancelled:
    info: selectors.RsvpInfo
    promoted: int


# --- Sessions ----------------------------------------------------------------------------------


def session_create(
    *,
    actor: AbstractBaseUser,
    title: str,
    topic: str,
    start: datetime,
    time_zone: str,
    capacity: int,
    description: str = "",
    facilitator_id: int | None = None,
    duration_minutes: int | None = None,
    end: datetime | None = None,
    recurrence: Recurrence | None = None,
    rrule: str | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """Schedule a session and open its room (kind ``session``) in the same transaction."""
    now = now or timezone.now()
    facilitator = _facilitator(actor=actor, facilitator_id=facilitator_id)
    schedule = _schedule(
        start=start,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        end=end,
        recurrence=recurrence,
        rrule=rrule,
        now=now,
        must_be_future=True,
    )
    _check_capacity(capacity)
    with transaction.atomic():
        room = Room.objects.create(
            slug=_room_slug(title),
            title=title,
            description=description[:1000],
            kind=Room.Kind.SESSION,
            capacity=capacity + 1,  # the facilitator's seat
        )
        return GroupSession.objects.create(
            title=title,
            description=description,
            topic=topic,
            facilitator=facilitator,
            time_zone=time_zone,
            capacity=capacity,
            room=room,
            created_at=now,
            updated_at=now,
            **_timing_fields(schedule),
        )


def session_update(
    *,
    session: GroupSession,
    title: str | None = None,
    description: str | None = None,
    topic: str | None = None,
    start: datetime | None = None,
    time_zone: str | None = None,
    capacity: int | None = None,
    duration_minutes: int | None = None,
    end: datetime | None = None,
    recurrence: Recurrence | None = None,
    rrule: str | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """Change a session (None leaves a field as it is); raising capacity promotes waitlists.

    A change of timing is refused if it would drop an upcoming occurrence that has RSVPs, or was
    moved or cancelled: those people would silently lose their place.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().select_related("room").get(pk=session.pk)
        if session.status == GroupSession.Status.CANCELLED:
            raise SchedulingError(ErrorCode.SESSION_CANCELLED, "This session is cancelled.")
        timing = (start, time_zone, duration_minutes, end, recurrence, rrule)
        if any(value is not None for value in timing):
            _retime(session, start, time_zone, duration_minutes, end, recurrence, rrule, now=now)
        if capacity is not None:
            _check_capacity(capacity)
            session.capacity = capacity
        session.title = title if title is not None else session.title
        session.description = description if description is not None else session.description
        session.topic = topic if topic is not None else session.topic
        session.sequence += 1
        session.updated_at = now
        session.save()
        room = session.room
        room.title, room.description = session.title, session.description[:1000]
        room.capacity = session.capacity + 1
        room.save(update_fields=["title", "description", "capacity"])
        for row in _upcoming_rows(session, now).filter(rsvps__status=RSVP.Status.WAITLISTED):
            _promote(Occurrence.objects.select_for_update().get(pk=row.pk), session, now)
    return session


def _retime(
    session: GroupSession,
    start: datetime | None,
    time_zone: str | None,
    duration_minutes: int | None,
    end: datetime | None,
    recurrence: Recurrence | None,
    rrule: str | None,
    *,
    now: datetime,
) -> None:
    old = selectors.schedule_of(session)
    if recurrence is None and rrule is None:
        recurrence = old.recurrence
    if duration_minutes is None and end is None:
        duration_minutes = session.duration_minutes
    schedule = _schedule(
        start=start if start is not None else session.start,
        time_zone=time_zone or session.time_zone,
        duration_minutes=duration_minutes,
        end=end,
        recurrence=recurrence,
        rrule=rrule,
        now=now,
        must_be_future=start is not None and start != session.start,
    )
    kept = _upcoming_rows(session, now).filter(
        Q(rsvps__status__in=selectors.LIVE)
        | Q(status=Occurrence.Status.CANCELLED)
        | Q(moved_start__isnull=False)
    )
    dropped = {row.pk for row in kept if not schedule.includes(row.original_start)}
    if dropped:
        field = next(
            (
                name
                for name, value in (("start", start), ("time_zone", time_zone), ("rrule", rrule))
                if value is not None
            ),
            "recurrence",
        )
        raise InvalidInput.one(
            field,
            f"This change would drop {len(dropped)} upcoming occurrence(s) that have RSVPs, "
            "moves or cancellations. Cancel or move those occurrences first, or cancel this "
            "session and schedule a new one.",
        )
    session.time_zone = time_zone or session.time_zone
    for name, value in _timing_fields(schedule).items():
        setattr(session, name, value)


def session_cancel(*, session: GroupSession, now: datetime | None = None) -> GroupSession:
    """Cancel every occurrence of a session and close its room. Cancelling twice is a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().select_related("room").get(pk=session.pk)
        if session.status == GroupSession.Status.CANCELLED:
            return session
        session.status = GroupSession.Status.CANCELLED
        session.sequence += 1
        session.updated_at = now
        session.save(update_fields=["status", "sequence", "updated_at"])
        Room.objects.filter(pk=session.room_id).update(is_open=False)
    return session


# --- Occurrences -------------------------------------------------------------------------------


def occurrence_cancel(
    *, session: GroupSession, key: str, now: datetime | None = None
) -> selectors.OccurrenceInfo:
    """Cancel one occurrence; the rest of the series stays. RSVPs are kept, marked by its status."""
    now = now or timezone.now()
    with transaction.atomic():
        session, row = _locked_occurrence(session.pk, key, now=now)
        if row.status != Occurrence.Status.CANCELLED:
            row.status = Occurrence.Status.CANCELLED
            row.updated_at = now
            row.save(update_fields=["status", "updated_at"])
            _touch(session, now)
    return selectors.occurrence_get(session_id=session.pk, key=key)


def occurrence_move(
    *,
    session: GroupSession,
    key: str,
    start: datetime,
    end: datetime | None = None,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> selectors.OccurrenceInfo:
    """Move one occurrence (and optionally change its length); RSVPs move with it."""
    now = now or timezone.now()
    with transaction.atomic():
        session, row = _locked_occurrence(session.pk, key, now=now)
        if row.status == Occurrence.Status.CANCELLED:
            raise SchedulingError(
                ErrorCode.OCCURRENCE_CANCELLED, "This occurrence is cancelled; it cannot be moved."
            )
        if duration_minutes is None and end is None:
            duration_minutes = row.moved_duration_minutes or session.duration_minutes
        schedule = _schedule(
            start=start,
            time_zone=session.time_zone,
            duration_minutes=duration_minutes,
            end=end,
            recurrence=Recurrence(),
            rrule=None,
            now=now,
            must_be_future=True,
        )
        new_start = schedule.start.astimezone(row.original_start.tzinfo)
        minutes = int(schedule.duration.total_seconds() // 60)
        row.moved_start = None if new_start == row.original_start else new_start
        row.moved_duration_minutes = None if minutes == session.duration_minutes else minutes
        row.updated_at = now
        row.save(update_fields=["moved_start", "moved_duration_minutes", "updated_at"])
        _touch(session, now)
    return selectors.occurrence_get(session_id=session.pk, key=key)


# --- RSVPs -------------------------------------------------------------------------------------


def rsvp_create(
    *, session_id: int, key: str, identity_key: str, now: datetime | None = None
) -> RsvpCreated:
    """Take a seat, or a place on the waitlist when the occurrence is full.

    Seats are counted under a lock on the occurrence row, so parallel RSVPs never overbook.
    An identity that already holds a live RSVP keeps its place and gets a new token (the old one
    stops working): that is how a lost token is recovered.
    """
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        session, row = _locked_occurrence(session_id, key, now=now or timezone.now())
        # Stamped under the lock, so that the waitlist's order is the order seats were asked for.
        now = now or timezone.now()
        if row.status == Occurrence.Status.CANCELLED:
            raise SchedulingError(ErrorCode.OCCURRENCE_CANCELLED, "This occurrence is cancelled.")
        rsvp = RSVP.objects.filter(
            occurrence=row, identity_key=identity_key, status__in=selectors.LIVE
        ).first()
        created = rsvp is None
        if rsvp is None:
            taken = RSVP.objects.filter(occurrence=row, status=RSVP.Status.CONFIRMED).count()
            rsvp = RSVP.objects.create(
                occurrence=row,
                identity_key=identity_key,
                token_hash=selectors.token_hash(token),
                status=RSVP.Status.CONFIRMED
                if taken < session.capacity
                else RSVP.Status.WAITLISTED,
                created_at=now,
                updated_at=now,
            )
        else:
            rsvp.token_hash = selectors.token_hash(token)
            rsvp.updated_at = now
            rsvp.save(update_fields=["token_hash", "updated_at"])
    rsvp.occurrence = row
    return RsvpCreated(token=token, info=selectors.rsvp_info(rsvp), created=created)


def rsvp_cancel(*, token: str, now: datetime | None = None) -> RsvpCancelled:
    """Give up an RSVP by its token; a freed seat goes to the first person on the waitlist."""
    now = now or timezone.now()
    digest = selectors.token_hash(token)
    with transaction.atomic():
        occurrence_id = (
            RSVP.objects.filter(token_hash=digest).values_list("occurrence_id", flat=True).first()
        )
        if occurrence_id is None:
            raise NotFound("No RSVP has this token.")
        row = (
            Occurrence.objects.select_for_update()
            .select_related("session__facilitator", "session__room")
            .get(pk=occurrence_id)
        )
        rsvp = RSVP.objects.get(token_hash=digest)
        promoted = 0
        if rsvp.status != RSVP.Status.CANCELLED:
            rsvp.status = RSVP.Status.CANCELLED
            rsvp.updated_at = now
            rsvp.save(update_fields=["status", "updated_at"])
            promoted = _promote(row, row.session, now)
    rsvp.occurrence = row
    return RsvpCancelled(info=selectors.rsvp_info(rsvp), promoted=promoted)


# --- Helpers -----------------------------------------------------------------------------------


def _facilitator(*, actor: AbstractBaseUser, facilitator_id: int | None) -> AbstractBaseUser:
    if facilitator_id is None or facilitator_id == actor.pk:
        if not selectors.user_is_facilitator(actor):
            raise InvalidInput.one(
                "facilitator", "Name the facilitator: you are not in the facilitators group."
            )
        return actor
    if not getattr(actor, "is_staff", False):
        raise InvalidInput.one("facilitator", "You can only schedule sessions you facilitate.")
    user = (
        get_user_model()
        ._default_manager.filter(pk=facilitator_id, is_active=True, groups__name=FACILITATORS_GROUP)
        .first()
    )
    if user is None:
        raise InvalidInput.one("facilitator", "No facilitator has this id.")
    return user


def _schedule(
    *,
    start: datetime,
    time_zone: str,
    duration_minutes: int | None,
    end: datetime | None,
    recurrence: Recurrence | None,
    rrule: str | None,
    now: datetime,
    must_be_future: bool,
) -> Schedule:
    """Check the timing of a series together, collecting every field's error for one 400."""
    try:
        zone = zone_named(time_zone)
    except RecurrenceError as error:
        raise InvalidInput.one("time_zone", error.message) from None
    errors: dict[str, list[str]] = {}
    try:
        local_start = resolve_start(start, zone)
    except RecurrenceError as error:
        raise InvalidInput.one("start", error.message) from None
    if must_be_future and local_start <= now:
        errors["start"] = ["The start must be in the future."]
    elif local_start > now + timedelta(days=MAX_DAYS_AHEAD):
        errors["start"] = [f"The start must be within {MAX_DAYS_AHEAD} days from now."]
    minutes = duration_minutes
    if end is not None and duration_minutes is not None:
        errors["end"] = ["Give an end or a duration_minutes, not both."]
    elif end is not None:
        local_end = end.astimezone(zone) if end.tzinfo else end.replace(tzinfo=zone)
        if local_end <= local_start:
            errors["end"] = ["The end must be after the start."]
        else:
            minutes = int((local_end - local_start).total_seconds() // 60)
    if minutes is None and "end" not in errors:
        errors["duration_minutes"] = ["Give a duration_minutes or an end."]
    elif minutes is not None and not MIN_DURATION_MINUTES <= minutes <= MAX_DURATION_MINUTES:
        field = "end" if end is not None else "duration_minutes"
        errors[field] = [
            f"A session lasts {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes."
        ]
    parsed = _recurrence(recurrence=recurrence, rrule=rrule, start=local_start, errors=errors)
    if errors:
        raise InvalidInput(errors)
    assert minutes is not None
    return Schedule(start=local_start, duration=timedelta(minutes=minutes), recurrence=parsed)


def _recurrence(
    *,
    recurrence: Recurrence | None,
    rrule: str | None,
    start: datetime,
    errors: dict[str, list[str]],
) -> Recurrence:
    if recurrence is not None and rrule is not None:
        errors["rrule"] = ["Give a recurrence or an rrule, not both."]
        return Recurrence()
    try:
        if rrule is not None:
            return parse_rrule(rrule, start=start)
        recurrence = recurrence or Recurrence()
        validate_recurrence(recurrence, start=start)
        return recurrence
    except RecurrenceError as error:
        errors["rrule" if rrule is not None else "recurrence"] = [error.message]
        return Recurrence()


def _timing_fields(schedule: Schedule) -> dict[str, object]:
    return {
        "start": schedule.start.astimezone(UTC),
        "duration_minutes": int(schedule.duration.total_seconds() // 60),
        "rrule": schedule.rrule_text(),
        "series_end": schedule.series_end(),
    }


def _check_capacity(capacity: int) -> None:
    maximum = settings.HEARTH_SESSION_MAX_CAPACITY
    if not 1 <= capacity <= maximum:
        raise InvalidInput.one("capacity", f"Capacity must be between 1 and {maximum}.")


def _room_slug(title: str) -> str:
    stem = slugify(title)[:40].strip("-") or "session"
    while True:
        slug = f"{stem}-{secrets.token_hex(3)}"
        if not Room.objects.filter(slug=slug).exists():
            return slug


def _upcoming_rows(session: GroupSession, now: datetime):  # type: ignore[no-untyped-def]
    soon = now - selectors.MAX_DURATION
    return (
        Occurrence.objects.filter(session=session)
        .filter(Q(original_start__gte=soon) | Q(moved_start__gte=soon))
        .distinct()
    )


def _locked_occurrence(
    session_id: int, key: str, *, now: datetime
) -> tuple[GroupSession, Occurrence]:
    """The session and its occurrence row (created on first use), the row locked."""
    session = (
        GroupSession.objects.select_related("facilitator", "room").filter(pk=session_id).first()
    )
    if session is None:
        raise NotFound("There is no session with this id.")
    original_start = selectors.parse_occurrence_key(key)
    if original_start is None or not selectors.schedule_of(session).includes(original_start):
        raise NotFound("This session has no occurrence at that time.")
    if session.status == GroupSession.Status.CANCELLED:
        raise SchedulingError(ErrorCode.SESSION_CANCELLED, "This session is cancelled.")
    row_id = Occurrence.objects.get_or_create(session=session, original_start=original_start)[0].pk
    row = Occurrence.objects.select_for_update().get(pk=row_id)
    row.session = session
    start = row.moved_start or row.original_start
    minutes = row.moved_duration_minutes or session.duration_minutes
    if start + timedelta(minutes=minutes) <= now:
        raise SchedulingError(ErrorCode.OCCURRENCE_OVER, "This occurrence is over.")
    return session, row


def _touch(session: GroupSession, now: datetime) -> None:
    """A change calendars must pick up: bump the session's iCalendar SEQUENCE."""
    session.sequence += 1
    session.updated_at = now
    session.save(update_fields=["sequence", "updated_at"])


def _promote(row: Occurrence, session: GroupSession, now: datetime) -> int:
    """Fill free seats from the waitlist, first come first served. The row must be locked."""
    taken = RSVP.objects.filter(occurrence=row, status=RSVP.Status.CONFIRMED).count()
    free = session.capacity - taken
    if free <= 0:
        return 0
    first_in_line = list(
        RSVP.objects.filter(occurrence=row, status=RSVP.Status.WAITLISTED)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:free]
    )
    return RSVP.objects.filter(pk__in=first_in_line).update(
        status=RSVP.Status.CONFIRMED, updated_at=now
    )
