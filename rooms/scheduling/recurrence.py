"""Recurrence of group sessions: RFC 5545 RRULEs built, parsed and expanded in the session's zone.

Owns the four kinds of recurrence Hearth offers (none, weekly, every two weeks, monthly by weekday;
each ending on a date, after a count, or never), their one canonical RRULE text, and the expansion
of a series into occurrence start times.

Expansion runs on wall-clock time in the session's IANA zone, so a weekly 19:00 Europe/London
session stays at 19:00 local across daylight-saving changes (its UTC time moves instead). As RFC
5545 section 3.3.5 says, a local time that does not exist on some day (clocks go forward) is read
with the offset before the gap, and one that happens twice (clocks go back) means the first.

Pure: python-dateutil and zoneinfo only; no database, no settings, no clock (callers pass ``now``).
It must not import Django models or anything that does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from dateutil import rrule as du

# The years Hearth schedules in: every date a client gives is checked against them first, as
# arithmetic near datetime's ends (year 1, year 9999) overflows.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
MAX_COUNT = 520  # ten years of weekly sessions
MAX_SERIES_DAYS = 3660  # a series ends within about ten years of its start
MAX_RRULE_CHARS = 300
WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Frequency(StrEnum):
    NONE = "none"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY_WEEKDAY = "monthly_weekday"


class RecurrenceError(ValueError):
    """Input that cannot describe a series; ``field`` names what was wrong, for a 400."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """How a series repeats. ``until`` is the last local date that may hold an occurrence."""

    frequency: Frequency = Frequency.NONE
    until: date | None = None
    count: int | None = None


# --- Zones and wall time --------------------------------------------------------------------


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone of this name, or RecurrenceError: never a file lookup of arbitrary input."""
    if name not in _zone_names():
        raise RecurrenceError(
            "time_zone", "Unknown time zone: use an IANA name such as Europe/London."
        )
    return ZoneInfo(name)


def localize(wall: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``zone`` as an aware datetime, read the RFC 5545 way."""
    return wall.replace(tzinfo=zone, fold=0)


def wall_time(moment: datetime, zone: ZoneInfo) -> datetime:
    """The naive local wall-clock time of an aware instant.

    Goes through UTC: ``astimezone`` to a datetime's own tzinfo returns it unchanged, even when it
    names a wall time that does not exist.
    """
    return moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None, fold=0)


def resolve_start(start: datetime, zone: ZoneInfo) -> datetime:
    """The first start of a series as an aware local time, or RecurrenceError.

    A naive ``start`` is wall time in ``zone``; an aware one is converted to it. A wall time that
    does not exist, or the second of two identical wall times, cannot start a series whose other
    occurrences are read the RFC 5545 way, so both are refused with a sentence that says why.
    """
    if start.tzinfo is None:
        aware = localize(start, zone)
        if wall_time(aware, zone) != start:
            raise RecurrenceError(
                "start", "That local time does not exist in this time zone (clocks go forward)."
            )
        return aware
    local = start.astimezone(UTC).astimezone(zone)
    if local.fold:
        raise RecurrenceError(
            "start",
            "That local time happens twice on this day (clocks go back); choose another time.",
        )
    return local


def weekday_ordinal(day: date) -> int:
    """Which weekday of its month ``day`` is: 1 to 4, or -1 for a fifth (the last)."""
    ordinal = (day.day - 1) // 7 + 1
    return -1 if ordinal == 5 else ordinal


# --- A series ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Schedule:
    """A series of occurrences: first start (aware, in the session's zone), length and rule."""

    start: datetime
    duration: timedelta
    recurrence: Recurrence = field(default_factory=Recurrence)

    @property
    def zone(self) -> ZoneInfo:
        assert isinstance(self.start.tzinfo, ZoneInfo)
        return self.start.tzinfo

    @property
    def wall_start(self) -> datetime:
        return self.start.replace(tzinfo=None, fold=0)

    def _rule(self) -> du.rrule | None:
        recurrence = self.recurrence
        wall = self.wall_start
        until = datetime.combine(recurrence.until, time.max) if recurrence.until else None
        if recurrence.frequency is Frequency.NONE:
            return None
        if recurrence.frequency is Frequency.MONTHLY_WEEKDAY:
            weekday = du.weekday(wall.weekday())(weekday_ordinal(wall.date()))
            return du.rrule(
                du.MONTHLY, dtstart=wall, byweekday=weekday, count=recurrence.count, until=until
            )
        interval = 2 if recurrence.frequency is Frequency.BIWEEKLY else 1
        return du.rrule(
            du.WEEKLY,
            dtstart=wall,
            interval=interval,
            byweekday=wall.weekday(),
            count=recurrence.count,
            until=until,
        )

    def _instant(self, wall: datetime) -> datetime:
        return localize(wall, self.zone).astimezone(UTC)

    def starts_between(self, after: datetime, before: datetime) -> list[datetime]:
        """Starts (UTC) of the occurrences the rule gives with ``after <= start < before``."""
        rule = self._rule()
        if rule is None:
            first = self.start.astimezone(UTC)
            return [first] if after <= first < before else []
        # A day of margin on each side covers any UTC offset; the exact filter is on instants.
        low = wall_time(after, self.zone) - timedelta(days=1)
        high = wall_time(before, self.zone) + timedelta(days=1)
        instants = (self._instant(wall) for wall in rule.between(low, high, inc=True))
        return [moment for moment in instants if after <= moment < before]

    def includes(self, moment: datetime) -> bool:
        """Whether the rule gives an occurrence starting at exactly this instant."""
        return moment in self.starts_between(moment, moment + timedelta(microseconds=1))

    def next_start(self, after: datetime) -> datetime | None:
        """The first start (UTC) the rule gives strictly after ``after``, or None."""
        rule = self._rule()
        if rule is None:
            first = self.start.astimezone(UTC)
            return first if first > after else None
        low = wall_time(after, self.zone) - timedelta(days=1)
        for wall in rule.xafter(low, inc=True):
            moment = self._instant(wall)
            if moment > after:
                return moment
        return None

    def last_start(self) -> datetime | None:
        """The start (UTC) of the last occurrence, or None for a series that never ends."""
        rule = self._rule()
        if rule is None:
            return self.start.astimezone(UTC)
        if self.recurrence.count is None and self.recurrence.until is None:
            return None
        walls = list(rule)
        return self._instant(walls[-1]) if walls else None

    def series_end(self) -> datetime | None:
        """When the last occurrence ends (UTC), or None for a series that never ends."""
        last = self.last_start()
        return None if last is None else last + self.duration

    def rrule_text(self) -> str:
        """The canonical RFC 5545 RRULE value (without ``RRULE:``); empty for a one-off."""
        recurrence = self.recurrence
        wall = self.wall_start
        day = WEEKDAY_CODES[wall.weekday()]
        if recurrence.frequency is Frequency.NONE:
            return ""
        if recurrence.frequency is Frequency.MONTHLY_WEEKDAY:
            parts = ["FREQ=MONTHLY", f"BYDAY={weekday_ordinal(wall.date())}{day}"]
        elif recurrence.frequency is Frequency.BIWEEKLY:
            parts = ["FREQ=WEEKLY", "INTERVAL=2", f"BYDAY={day}"]
        else:
            parts = ["FREQ=WEEKLY", f"BYDAY={day}"]
        if recurrence.count is not None:
            parts.append(f"COUNT={recurrence.count}")
        if recurrence.until is not None:
            # RFC 5545: with a zoned DTSTART, UNTIL is given in UTC. The end of the local day.
            end_of_day = localize(datetime.combine(recurrence.until, time(23, 59, 59)), self.zone)
            parts.append(f"UNTIL={end_of_day.astimezone(UTC):%Y%m%dT%H%M%SZ}")
        return ";".join(parts)


def validate_recurrence(recurrence: Recurrence, *, start: datetime) -> None:
    """Raise RecurrenceError unless this recurrence can follow a series starting at ``start``."""
    if recurrence.frequency is Frequency.NONE:
        if recurrence.until is not None or recurrence.count is not None:
            raise RecurrenceError("recurrence", "A one-off session has no end date or count.")
        return
    if recurrence.until is not None and recurrence.count is not None:
        raise RecurrenceError("recurrence", "Give an end date or a count, not both.")
    if recurrence.count is not None and not 1 <= recurrence.count <= MAX_COUNT:
        raise RecurrenceError("recurrence", f"The count must be between 1 and {MAX_COUNT}.")
    if recurrence.until is not None:
        if recurrence.until < start.date():
            raise RecurrenceError("recurrence", "The series ends before it starts.")
        if (recurrence.until - start.date()).days > MAX_SERIES_DAYS:
            raise RecurrenceError(
                "recurrence", "A series must end within ten years of its first session."
            )


# --- Parsing an RRULE ------------------------------------------------------------------------

_BYDAY = re.compile(r"^([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)$")
_UNTIL_DATE = re.compile(r"^\d{8}$")
_UNTIL_LOCAL = re.compile(r"^\d{8}T\d{6}$")
_UNTIL_UTC = re.compile(r"^\d{8}T\d{6}Z$")
_SUPPORTED = (
    "Hearth supports FREQ=WEEKLY (INTERVAL=1 or 2) and FREQ=MONTHLY with one BYDAY, "
    "ending with COUNT or UNTIL, or never."
)


def parse_rrule(text: str, *, start: datetime) -> Recurrence:
    """Read an RRULE (with or without ``RRULE:``) for a series starting at ``start`` (aware local).

    Only the rules Hearth offers are accepted, and BYDAY must agree with the start; anything else
    raises RecurrenceError on the ``rrule`` field with a sentence that says what to change.
    """
    value = text.strip()
    if value.upper().startswith("RRULE:"):
        value = value[len("RRULE:") :]
    if not value:
        return Recurrence()
    if len(value) > MAX_RRULE_CHARS:
        raise RecurrenceError("rrule", "That rule is too long.")
    parts: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, item = part.partition("=")
        key = key.strip().upper()
        if not sep or not key or not item.strip():
            raise RecurrenceError(
                "rrule", f"Malformed rule part {part[:40]!r}: expected KEY=VALUE."
            )
        if key in parts:
            raise RecurrenceError("rrule", f"{key} appears twice.")
        parts[key] = item.strip().upper()
    unknown = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "COUNT", "UNTIL", "WKST"}
    if unknown:
        raise RecurrenceError("rrule", f"Unsupported rule part {sorted(unknown)[0]}. {_SUPPORTED}")
    frequency = _frequency_of(parts, start=start)
    count = _count_of(parts.get("COUNT"))
    until = _until_of(parts.get("UNTIL"), start=start)
    if "WKST" in parts and parts["WKST"] not in WEEKDAY_CODES:
        raise RecurrenceError("rrule", "WKST must be a day such as MO.")
    recurrence = Recurrence(frequency=frequency, until=until, count=count)
    try:
        validate_recurrence(recurrence, start=start)
    except RecurrenceError as error:
        raise RecurrenceError("rrule", error.message) from None
    return recurrence


def _frequency_of(parts: dict[str, str], *, start: datetime) -> Frequency:
    freq, interval_text = parts.get("FREQ"), parts.get("INTERVAL", "1")
    if freq not in {"WEEKLY", "MONTHLY"}:
        raise RecurrenceError("rrule", _SUPPORTED)
    if interval_text not in {"1", "2"} or (freq == "MONTHLY" and interval_text != "1"):
        raise RecurrenceError("rrule", _SUPPORTED)
    day_code = WEEKDAY_CODES[start.weekday()]
    byday = parts.get("BYDAY")
    if freq == "WEEKLY":
        if byday is not None and byday != day_code:
            raise RecurrenceError("rrule", f"BYDAY must be {day_code}, the day of the start.")
        return Frequency.BIWEEKLY if interval_text == "2" else Frequency.WEEKLY
    expected = f"{weekday_ordinal(start.date())}{day_code}"
    match = _BYDAY.match(byday or "")
    if match is None or match.group(1) is None:
        raise RecurrenceError("rrule", f"A monthly rule needs one BYDAY such as {expected}.")
    if f"{int(match.group(1))}{match.group(2)}" != expected:
        raise RecurrenceError("rrule", f"BYDAY must be {expected}, the weekday of the start.")
    return Frequency.MONTHLY_WEEKDAY


def _count_of(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or len(text) > 6:
        raise RecurrenceError("rrule", f"COUNT must be a number from 1 to {MAX_COUNT}.")
    return int(text)


def _until_of(text: str | None, *, start: datetime) -> date | None:
    """UNTIL as the last local date of the series (exact for occurrences at the start's time)."""
    if text is None:
        return None
    zone = start.tzinfo
    assert isinstance(zone, ZoneInfo)
    try:
        if _UNTIL_DATE.match(text):
            until = datetime.strptime(text, "%Y%m%d").date()
        else:
            if _UNTIL_LOCAL.match(text):
                wall = datetime.strptime(text, "%Y%m%dT%H%M%S")
            elif _UNTIL_UTC.match(text):
                instant = datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
                wall = wall_time(instant, zone)
            else:
                raise ValueError(text)
            # The occurrence on UNTIL's own day is in the series only if it starts by then.
            until = wall.date() if wall.time() >= start.time() else wall.date() - timedelta(days=1)
    except (ValueError, OverflowError):
        raise RecurrenceError(
            "rrule", "UNTIL must be a date (20270131) or a UTC time (20270131T235959Z)."
        ) from None
    if not EARLIEST.year <= until.year < LATEST.year:  # date arithmetic at the ends overflows
        raise RecurrenceError("rrule", "UNTIL must be a date between 2000 and 2100.")
    return until
