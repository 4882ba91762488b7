"""The timing rules every write shares: a start in the future, in a known zone, for a sane
length, with a rule Hearth supports, and a capacity within HEARTH_SESSION_MAX_CAPACITY.

Turns request values into a ``recurrence.Schedule`` or raises ``InvalidInput`` with every field's
error at once. No writes here, and no HTTP.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings

from rooms.scheduling.errors import InvalidInput
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


def schedule_from(
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
        # Occurrence keys (and iCalendar's RECURRENCE-ID) count whole seconds: a start with a
        # fraction would give occurrences no key could name again.
        local_start = resolve_start(start.replace(microsecond=0), zone)
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


def is_same_start(start: datetime, stored: datetime, time_zone: str) -> bool:
    """Whether ``start`` as given (a start without an offset is wall time in ``time_zone``)
    names the stored instant: an update that repeats a series' start changes nothing, even
    once the series has begun, however the start is written."""
    try:
        given = resolve_start(start.replace(microsecond=0), zone_named(time_zone))
    except RecurrenceError:
        return False  # schedule_from answers why
    return given == stored


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


def timing_fields(schedule: Schedule) -> dict[str, object]:
    return {
        "start": schedule.start.astimezone(UTC),
        "duration_minutes": int(schedule.duration.total_seconds() // 60),
        "rrule": schedule.rrule_text(),
        "series_end": schedule.series_end(),
    }


def check_capacity(capacity: int) -> None:
    maximum = settings.HEARTH_SESSION_MAX_CAPACITY
    if not 1 <= capacity <= maximum:
        raise InvalidInput.one("capacity", f"Capacity must be between 1 and {maximum}.")
