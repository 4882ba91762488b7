"""iCalendar (RFC 5545) files of group sessions, built with the ``icalendar`` package.

Owns the shape of every .ics Hearth serves: one VEVENT per series with its RRULE, an EXDATE for
each cancelled occurrence and an override VEVENT (RECURRENCE-ID) for each moved one, a VTIMEZONE
for every zone used, a VALARM that fires when the room opens, and the room's URL.

Pure: takes frozen dataclasses and returns bytes. No database, no settings, no clock, no HTTP.
The only module that imports ``icalendar``. Calendars carry no RSVP token and nothing about
who RSVPed: calendar apps sync them to servers Hearth does not control.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone, vDuration, vRecur

PRODID = "-//Hearth//Group sessions//EN"
REFRESH = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Instance:
    """An occurrence that differs from its rule: moved, cancelled, or both. Aware local times."""

    original_start: datetime
    start: datetime
    end: datetime
    cancelled: bool


@dataclass(frozen=True, slots=True)
class Series:
    """A session (or a single occurrence of one) as a calendar event. Aware local times."""

    uid: str
    title: str
    description: str
    topic: str
    start: datetime
    end: datetime
    rrule: str
    cancelled: bool
    url: str
    sequence: int
    created: datetime
    modified: datetime
    last_start: datetime | None = None
    exceptions: tuple[Instance, ...] = ()


def calendar_bytes(
    series: Iterable[Series], *, name: str, now: datetime, alarm_minutes: int
) -> bytes:
    """A VCALENDAR holding every series, with the VTIMEZONEs they need."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(name))
    # vDuration explicitly: icalendar writes a bare timedelta of these properties as "1:00:00".
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    zones: dict[str, tuple[int, int]] = {}
    for item in series:
        for event in _events(item, now=now, alarm_minutes=alarm_minutes):
            calendar.add_component(event)
        zone = item.start.tzinfo
        assert isinstance(zone, ZoneInfo)
        first, last = _years(item, now)
        known = zones.get(zone.key, (first, last))
        zones[zone.key] = (min(known[0], first), max(known[1], last))
    for key, (first, last) in sorted(zones.items()):
        calendar.add_component(Timezone.from_ical(_vtimezone(key, first, last)))
    return calendar.to_ical()


def _years(item: Series, now: datetime) -> tuple[int, int]:
    """The years a VTIMEZONE must cover: from the first start to the last (or two years on)."""
    first = min([item.start, *(instance.start for instance in item.exceptions)]).year
    if item.rrule and item.last_start is None:
        last = max(first, now.year) + 2
    else:
        ends = [item.end, *(instance.end for instance in item.exceptions)]
        if item.last_start is not None:
            ends.append(item.last_start + (item.end - item.start))
        last = max(ends).year
    return first, min(last, first + 11)


@lru_cache(maxsize=128)
def _vtimezone(key: str, first_year: int, last_year: int) -> bytes:
    # Building a VTIMEZONE walks the zone's transitions: cache it, as icalendar advises.
    return Timezone.from_tzinfo(
        ZoneInfo(key), first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)
    ).to_ical()


def _events(item: Series, *, now: datetime, alarm_minutes: int) -> list[Event]:
    if not item.rrule:
        # A one-off: its single exception, if any, is the event itself.
        for instance in item.exceptions:
            return [
                _event(
                    item,
                    start=instance.start,
                    end=instance.end,
                    cancelled=item.cancelled or instance.cancelled,
                    now=now,
                    alarm_minutes=alarm_minutes,
                )
            ]
        return [_event(item, now=now, alarm_minutes=alarm_minutes)]
    master = _event(item, now=now, alarm_minutes=alarm_minutes)
    master.add("rrule", vRecur.from_ical(item.rrule))
    cancelled = [instance.original_start for instance in item.exceptions if instance.cancelled]
    if cancelled:
        master.add("exdate", cancelled)
    overrides = []
    for instance in item.exceptions:
        if instance.cancelled:
            continue
        override = _event(
            item,
            start=instance.start,
            end=instance.end,
            cancelled=item.cancelled,
            now=now,
            alarm_minutes=alarm_minutes,
        )
        override.add("recurrence-id", instance.original_start)
        overrides.append(override)
    return [master, *overrides]


def _event(
    item: Series,
    *,
    now: datetime,
    alarm_minutes: int,
    start: datetime | None = None,
    end: datetime | None = None,
    cancelled: bool | None = None,
) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("created", item.created.astimezone(UTC))
    event.add("last-modified", item.modified.astimezone(UTC))
    event.add("sequence", item.sequence)
    event.add("summary", _text(item.title))
    description = f"{_text(item.description)}\n\n" if item.description else ""
    event.add("description", f"{description}Join the room: {item.url}")
    event.add("categories", [item.topic])
    event.add("dtstart", start or item.start)
    event.add("dtend", end or item.end)
    event.add("url", item.url)
    event.add("location", item.url)
    is_cancelled = item.cancelled if cancelled is None else cancelled
    event.add("status", "CANCELLED" if is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if not is_cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{_text(item.title)}: the room is open")
        alarm.add("trigger", timedelta(minutes=-alarm_minutes))
        event.add_component(alarm)
    return event


def _text(value: str) -> str:
    """Text for a property value: icalendar escapes a line feed but writes a lone carriage
    return as is, which some readers take for a line break, and so for a property of the
    writer's choosing (a URL, an attachment). Every line break becomes a line feed."""
    return value.replace("\r\n", "\n").replace("\r", "\n")
