"""recurrence.py: RRULEs built, parsed and expanded in the session's own zone, across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule as du
from hypothesis import given, settings
from hypothesis import strategies as st

from rooms.scheduling.recurrence import (
    Frequency,
    Recurrence,
    RecurrenceError,
    Schedule,
    parse_rrule,
    resolve_start,
    validate_recurrence,
    zone_named,
)
from tests.scheduling.factories import utc

HOUR = timedelta(hours=1)


def schedule(zone: str, *wall: int, frequency=Frequency.WEEKLY, count=None, until=None) -> Schedule:
    return Schedule(
        start=datetime(*wall, tzinfo=ZoneInfo(zone)),
        duration=HOUR,
        recurrence=Recurrence(frequency=frequency, count=count, until=until),
    )


def expand(s: Schedule, weeks: int = 60) -> list[datetime]:
    first = s.start.astimezone(UTC)
    return s.starts_between(first, first + timedelta(weeks=weeks))


# Each row: zone, first wall start, the UTC starts of the first four weekly occurrences.
DST_CASES = [
    pytest.param(
        "Europe/London",
        (2026, 3, 17, 19, 0),
        [utc(2026, 3, 17, 19), utc(2026, 3, 24, 19), utc(2026, 3, 31, 18), utc(2026, 4, 7, 18)],
        id="london-spring-forward",
    ),
    pytest.param(
        "Europe/London",
        (2026, 10, 13, 19, 0),
        [utc(2026, 10, 13, 18), utc(2026, 10, 20, 18), utc(2026, 10, 27, 19), utc(2026, 11, 3, 19)],
        id="london-fall-back",
    ),
    pytest.param(
        "America/New_York",
        (2026, 2, 26, 19, 0),
        [utc(2026, 2, 27, 0), utc(2026, 3, 6, 0), utc(2026, 3, 12, 23), utc(2026, 3, 19, 23)],
        id="new-york-spring-forward",
    ),
    pytest.param(
        "America/New_York",
        (2026, 10, 22, 19, 0),
        [utc(2026, 10, 22, 23), utc(2026, 10, 29, 23), utc(2026, 11, 6, 0), utc(2026, 11, 13, 0)],
        id="new-york-fall-back",
    ),
    pytest.param(
        "Australia/Sydney",
        (2026, 3, 25, 19, 0),
        [utc(2026, 3, 25, 8), utc(2026, 4, 1, 8), utc(2026, 4, 8, 9), utc(2026, 4, 15, 9)],
        id="sydney-dst-ends",
    ),
]


@pytest.mark.parametrize(("zone", "wall", "expected"), DST_CASES)
def test_weekly_keeps_local_time_across_dst(zone, wall, expected):
    s = schedule(zone, *wall)
    starts = expand(s, weeks=5)[:4]
    assert starts == expected
    assert {moment.astimezone(ZoneInfo(zone)).time() for moment in starts} == {
        datetime(*wall).time()
    }


def test_clocks_forward_gap_takes_the_offset_before_the_gap():
    # 02:30 does not exist in New York on 2026-03-08: RFC 5545 reads it with EST (-5).
    s = schedule("America/New_York", 2026, 3, 1, 2, 30)
    assert expand(s, weeks=3)[:3] == [
        utc(2026, 3, 1, 7, 30),
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 15, 6, 30),
    ]


def test_clocks_back_fold_means_the_first_instant():
    # 01:30 happens twice in London on 2026-10-25: the first one (BST).
    s = schedule("Europe/London", 2026, 10, 18, 1, 30)
    assert expand(s, weeks=3)[:3] == [
        utc(2026, 10, 18, 0, 30),
        utc(2026, 10, 25, 0, 30),
        utc(2026, 11, 1, 1, 30),
    ]


@pytest.mark.parametrize(
    ("frequency", "wall", "expected_days", "rule"),
    [
        (Frequency.BIWEEKLY, (2026, 1, 6), [6, 20, 34, 48], "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"),
        # Second Tuesday, across the London spring change.
        (Frequency.MONTHLY_WEEKDAY, (2026, 2, 10), [41, 69, 104, 132], "FREQ=MONTHLY;BYDAY=2TU"),
        # A fifth Tuesday becomes "the last Tuesday".
        (Frequency.MONTHLY_WEEKDAY, (2026, 3, 31), [90, 118, 146, 181], "FREQ=MONTHLY;BYDAY=-1TU"),
    ],
)
def test_other_frequencies(frequency, wall, expected_days, rule):
    s = schedule("Europe/London", *wall, 19, 0, frequency=frequency)
    starts = expand(s)[:4]
    local = [moment.astimezone(ZoneInfo("Europe/London")) for moment in starts]
    assert [(m.date() - date(2026, 1, 1)).days + 1 for m in local] == expected_days
    assert {m.hour for m in local} == {19}
    assert s.rrule_text() == rule


def test_count_and_until_end_the_series():
    counted = schedule("Europe/London", 2027, 1, 5, 19, 0, count=3)
    assert counted.last_start() == utc(2027, 1, 19, 19)
    assert counted.series_end() == utc(2027, 1, 19, 20)
    assert counted.rrule_text() == "FREQ=WEEKLY;BYDAY=TU;COUNT=3"
    # until is inclusive and is a local date: UNTIL is the end of that day, in UTC.
    until = schedule("Europe/London", 2027, 6, 1, 19, 0, until=date(2027, 6, 15))
    assert until.last_start() == utc(2027, 6, 15, 18)
    assert until.rrule_text() == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270615T225959Z"
    assert schedule("Europe/London", 2027, 6, 1, 19, 0).last_start() is None
    assert schedule("Europe/London", 2027, 6, 1, 19, 0).series_end() is None


def test_includes_and_next_start():
    s = schedule("Europe/London", 2026, 3, 17, 19, 0)
    assert s.includes(utc(2026, 3, 31, 18))
    assert not s.includes(utc(2026, 3, 31, 19))  # the pre-DST UTC time is not an occurrence
    assert not s.includes(utc(2026, 3, 10, 19))  # before the first
    assert s.next_start(utc(2026, 3, 24, 19)) == utc(2026, 3, 31, 18)
    one_off = schedule("Europe/London", 2026, 3, 17, 19, 0, frequency=Frequency.NONE)
    assert one_off.next_start(utc(2026, 3, 17, 19)) is None
    assert one_off.starts_between(utc(2026, 1, 1), utc(2027, 1, 1)) == [utc(2026, 3, 17, 19)]


GOOD_RULES = [
    ("FREQ=WEEKLY", Recurrence(Frequency.WEEKLY)),
    ("RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=10", Recurrence(Frequency.WEEKLY, count=10)),
    ("freq=weekly;interval=2", Recurrence(Frequency.BIWEEKLY)),
    ("FREQ=MONTHLY;BYDAY=+2TU", Recurrence(Frequency.MONTHLY_WEEKDAY)),
    ("FREQ=WEEKLY;UNTIL=20270330", Recurrence(Frequency.WEEKLY, until=date(2027, 3, 30))),
    # 18:00Z on the 30th is 19:00 BST: the occurrence that day is in.
    ("FREQ=WEEKLY;UNTIL=20270330T180000Z", Recurrence(Frequency.WEEKLY, until=date(2027, 3, 30))),
    # 17:59Z is a minute before it: the series ends the week before.
    ("FREQ=WEEKLY;UNTIL=20270330T175900Z", Recurrence(Frequency.WEEKLY, until=date(2027, 3, 29))),
    ("FREQ=WEEKLY;WKST=MO", Recurrence(Frequency.WEEKLY)),
    ("", Recurrence()),
]

BAD_RULES = [
    "FREQ=DAILY",
    "FREQ=WEEKLY;INTERVAL=3",
    "FREQ=WEEKLY;BYDAY=WE",  # the start is a Tuesday
    "FREQ=MONTHLY;BYDAY=TU",
    "FREQ=MONTHLY;BYDAY=3TU",  # the start is the 2nd Tuesday
    "FREQ=MONTHLY;INTERVAL=2;BYDAY=2TU",
    "FREQ=WEEKLY;COUNT=0",
    "FREQ=WEEKLY;COUNT=99999999999",
    "FREQ=WEEKLY;COUNT=3;UNTIL=20270330",
    "FREQ=WEEKLY;UNTIL=20200101",  # ends before it starts
    "FREQ=WEEKLY;UNTIL=99991231T235959Z",
    "FREQ=WEEKLY;UNTIL=00010101T000000",  # the day before it overflowed (was a 500)
    "FREQ=WEEKLY;UNTIL=00010101T000000Z",
    "FREQ=WEEKLY;UNTIL=00010101",
    "FREQ=WEEKLY;UNTIL=20271340",
    "FREQ=WEEKLY;BYHOUR=19",
    "FREQ=WEEKLY;FREQ=WEEKLY",
    "FREQ",
    "FREQ=WEEKLY;;",
    "FREQ=WEEKLY;WKST=XX",
    "x" * 400,
]


@pytest.mark.parametrize(("text", "expected"), GOOD_RULES)
def test_parse_rrule_accepts(text, expected):
    start = datetime(2027, 2, 9, 19, 0, tzinfo=ZoneInfo("Europe/London"))  # 2nd Tuesday
    assert parse_rrule(text, start=start) == expected


@pytest.mark.parametrize("text", BAD_RULES)
def test_parse_rrule_refuses_with_a_field_error(text):
    start = datetime(2027, 2, 9, 19, 0, tzinfo=ZoneInfo("Europe/London"))
    with pytest.raises(RecurrenceError) as caught:
        parse_rrule(text, start=start)
    assert caught.value.field == "rrule"
    assert caught.value.message


@pytest.mark.parametrize(
    "recurrence",
    [
        Recurrence(Frequency.NONE, count=3),
        Recurrence(Frequency.WEEKLY, count=3, until=date(2027, 5, 1)),
        Recurrence(Frequency.WEEKLY, count=0),
        Recurrence(Frequency.WEEKLY, until=date(2027, 1, 1)),
        Recurrence(Frequency.WEEKLY, until=date(2040, 1, 1)),
    ],
)
def test_validate_recurrence_refuses(recurrence):
    with pytest.raises(RecurrenceError):
        validate_recurrence(recurrence, start=datetime(2027, 2, 9, 19, tzinfo=ZoneInfo("UTC")))


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "", "../../etc/passwd", "Europe/London\x00", "utc"]
)
def test_unknown_zones_are_refused(name):
    with pytest.raises(RecurrenceError) as caught:
        zone_named(name)
    assert caught.value.field == "time_zone"


def test_resolve_start_refuses_gaps_and_second_folds():
    london = ZoneInfo("Europe/London")
    with pytest.raises(RecurrenceError, match="does not exist"):
        resolve_start(datetime(2027, 3, 28, 1, 30), london)
    second = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)  # 01:30 GMT, after 01:30 BST
    with pytest.raises(RecurrenceError, match="happens twice"):
        resolve_start(second, london)
    assert resolve_start(datetime(2027, 7, 1, 19), london).utcoffset() == HOUR
    assert resolve_start(utc(2027, 7, 1, 18), london) == datetime(2027, 7, 1, 19, tzinfo=london)


@settings(max_examples=60, deadline=None)
@given(
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
    minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    frequency=st.sampled_from([Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.MONTHLY_WEEKDAY]),
    count=st.one_of(st.none(), st.integers(1, 40)),
)
def test_canonical_rule_round_trips_and_matches_dateutil(zone, day, minute, frequency, count):
    tz = ZoneInfo(zone)
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    try:
        start = resolve_start(wall, tz)
    except RecurrenceError:
        return  # a wall time in a DST gap cannot start a series
    s = Schedule(start=start, duration=HOUR, recurrence=Recurrence(frequency, count=count))
    assert parse_rrule(s.rrule_text(), start=start) == s.recurrence
    # What a calendar app would compute from DTSTART;TZID + RRULE is what Hearth computes.
    theirs = du.rrulestr(s.rrule_text(), dtstart=start.replace(tzinfo=None))
    window_end = start + timedelta(days=400)
    expected = [
        w.replace(tzinfo=tz).astimezone(UTC)
        for w in theirs.between(wall, window_end.replace(tzinfo=None), inc=True)
    ]
    assert s.starts_between(start.astimezone(UTC), window_end.astimezone(UTC)) == [
        m for m in expected if m < window_end
    ]
