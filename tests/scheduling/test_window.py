"""When a session's room is open: the pure rule and the selector over stored sessions."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from rooms.models import Room
from rooms.scheduling import services
from rooms.scheduling.recurrence import Frequency
from rooms.scheduling.selectors import occurrence_key, room_window_state
from rooms.scheduling.window import WindowState, window_state
from tests.scheduling.factories import days_ahead, make_session, utc

START, END = utc(2027, 1, 5, 19), utc(2027, 1, 5, 20)
NEXT = utc(2027, 1, 12, 19)
TEN = timedelta(minutes=10)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START - TEN - timedelta(seconds=1), WindowState(False, START)),
        (START - TEN, WindowState(True, closes_at=END)),
        (START + timedelta(minutes=30), WindowState(True, closes_at=END)),
        (END - timedelta(microseconds=1), WindowState(True, closes_at=END)),
        (END, WindowState(False, NEXT)),
        (NEXT + timedelta(hours=2), WindowState(False, None)),
    ],
)
def test_window_state(now, expected):
    occurrences = [(START, END), (NEXT, NEXT + timedelta(hours=1))]
    assert window_state(occurrences=occurrences, now=now, opens_before=TEN) == expected


def test_window_state_iso_and_detail():
    state = WindowState(False, utc(2027, 1, 5, 19, 0, 0, 250000))
    assert state.next_start_iso == "2027-01-05T19:00:00.250Z"
    assert "closed" in state.detail
    assert WindowState(False).next_start_iso is None
    assert "no upcoming" in WindowState(False).detail


@pytest.mark.django_db
def test_selector_for_drop_in_and_unknown_rooms():
    Room.objects.create(slug="open-drop-in", title="Drop-in")
    assert room_window_state("open-drop-in", utc(2027, 1, 1)).open
    assert room_window_state("no-such-room", utc(2027, 1, 1)).open
    Room.objects.create(slug="legacy-session", title="No schedule", kind=Room.Kind.SESSION)
    assert room_window_state("legacy-session", utc(2027, 1, 1)).open


@pytest.mark.django_db
def test_selector_for_a_weekly_session(settings):
    session = make_session(count=3)
    slug, week = session.room.slug, timedelta(weeks=1)
    # In the session's zone, so that ``start + week`` is 19:00 London across a clock change too.
    start = session.start.astimezone(ZoneInfo(session.time_zone))
    assert room_window_state(slug, start - timedelta(hours=1)) == WindowState(False, start)
    assert room_window_state(slug, start - TEN).open
    assert room_window_state(slug, start + timedelta(minutes=59)).open
    assert room_window_state(slug, start + timedelta(minutes=60)) == WindowState(
        False, start + week
    )
    settings.HEARTH_SESSION_OPENS_MINUTES_BEFORE = 30
    assert room_window_state(slug, start - timedelta(minutes=20)).open
    # After the last occurrence nothing is next.
    assert room_window_state(slug, start + 3 * week) == WindowState(False, None)


@pytest.mark.django_db
def test_selector_follows_cancelled_and_moved_occurrences():
    session = make_session(count=3)
    slug, week = session.room.slug, timedelta(weeks=1)
    start = session.start.astimezone(ZoneInfo(session.time_zone))  # wall-clock weeks
    services.occurrence_cancel(session=session, key=occurrence_key(start))
    assert room_window_state(slug, start) == WindowState(False, start + week)
    moved = start + week + timedelta(hours=2)
    services.occurrence_move(session=session, key=occurrence_key(start + week), start=moved)
    assert room_window_state(slug, start + week) == WindowState(False, moved)
    assert room_window_state(slug, moved - TEN).open


@pytest.mark.django_db
def test_selector_for_a_cancelled_or_sparse_session():
    sparse = make_session(frequency=Frequency.MONTHLY_WEEKDAY, start=days_ahead(200))
    assert room_window_state(sparse.room.slug, sparse.start - timedelta(days=150)) == WindowState(
        False, sparse.start
    )
    services.session_cancel(session=sparse)
    assert room_window_state(sparse.room.slug, sparse.start) == WindowState(False, None)
