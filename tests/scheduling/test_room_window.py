"""A session's room over the websocket: open from shortly before an occurrence until its end.

The refusal is made by ``rooms.membership.join_room`` calling
``rooms.scheduling.reservations.session_room_entry`` (which reads ``selectors.room_window``).
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from rooms.protocol import CloseCode
from rooms.scheduling.recurrence import Frequency
from rooms.scheduling.window import WindowState
from tests.scheduling.factories import make_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _local_backplane(settings) -> None:
    settings.REDIS_URL = ""


def _session_starting_in(delta: timedelta):
    def create():
        # Created "earlier", so that a session already under way can exist.
        start = timezone.now() + delta
        return make_session(
            start=start.replace(microsecond=0), count=4, now=start - timedelta(days=1)
        )

    return sync_to_async(create)()


async def test_a_session_room_is_closed_before_its_window_with_the_next_start(connect):
    session = await _session_starting_in(timedelta(hours=3))
    client, first = await connect(session.room.slug)
    assert first["type"] == "error"
    assert first["code"] == "room_closed"
    assert first["next_start"] == WindowState(False, session.start).next_start_iso
    assert await client.closed() == CloseCode.ROOM_CLOSED


async def test_a_session_room_closes_at_the_end_of_an_occurrence(connect):
    session = await _session_starting_in(timedelta(minutes=-61))  # a 60-minute occurrence, over
    _, first = await connect(session.room.slug)
    assert first["code"] == "room_closed"
    # The next meeting is a week on at the same London wall time, across a clock change too.
    next_start = session.start.astimezone(ZoneInfo(session.time_zone)) + timedelta(weeks=1)
    assert first["next_start"] == WindowState(False, next_start).next_start_iso


async def test_a_session_room_opens_shortly_before_it_starts(connect):
    session = await _session_starting_in(timedelta(minutes=5))
    _, first = await connect(session.room.slug)
    assert first["type"] == "welcome"


async def test_an_occurrence_under_way_can_be_joined(connect):
    session = await _session_starting_in(timedelta(minutes=-30))
    _, first = await connect(session.room.slug)
    assert first["type"] == "welcome"


async def test_a_cancelled_session_room_is_closed(connect):
    session = await _session_starting_in(timedelta(minutes=5))
    from rooms.scheduling import services

    await sync_to_async(services.session_cancel)(session=session)
    client, first = await connect(session.room.slug)
    assert first["code"] == "room_closed"
    assert await client.closed() == CloseCode.ROOM_CLOSED


async def test_one_off_sessions_too(connect):
    def create():
        start = timezone.now() + timedelta(minutes=3)
        return make_session(start=start, frequency=Frequency.NONE)

    session = await sync_to_async(create)()
    _, first = await connect(session.room.slug)
    assert first["type"] == "welcome"


async def test_everyone_is_closed_out_when_the_meeting_reaches_its_scheduled_end(connect):
    # Ends about 10 s from now: time enough to create it and connect on a busy machine.
    session = await _session_starting_in(timedelta(minutes=-60, seconds=10))
    client, first = await connect(session.room.slug)
    assert first["type"] == "welcome"
    ended = await client.receive_type("session_ended", timeout=20)
    assert timezone.now() >= session.start + timedelta(minutes=60)  # at its end, not before
    assert "scheduled end" in ended["detail"]
    assert ended["resources_url"]
    assert await client.closed() == CloseCode.ROOM_CLOSED
    _, again = await connect(session.room.slug)
    assert again["code"] == "room_closed"


async def test_a_meeting_still_under_way_when_checked_waits_for_its_end(connect):
    from rooms.hub import get_hub
    from rooms.session_end import MARGIN, end_if_due

    session = await _session_starting_in(timedelta(minutes=-30))
    client, first = await connect(session.room.slug)
    assert first["type"] == "welcome"
    hub = await get_hub()
    await end_if_due(hub, session.room.slug)  # as if a timer fired early
    await client.send(type="ping")
    assert (await client.receive_type("pong"))["type"] == "pong"
    end = session.start + timedelta(minutes=60)
    assert hub._rooms[session.room.slug].closing_at == (end + MARGIN).timestamp()


@pytest.mark.parametrize("change", ["cancel_occurrence", "shorten", "cancel_session"])
async def test_a_meeting_changed_while_under_way_closes_its_room_at_once(connect, change):
    from rooms.scheduling import services
    from rooms.scheduling.selectors import occurrence_key

    session = await _session_starting_in(timedelta(minutes=-30))
    client, first = await connect(session.room.slug)
    assert first["type"] == "welcome"

    def make_the_change() -> None:
        key = occurrence_key(session.start)
        if change == "cancel_occurrence":
            services.occurrence_cancel(session=session, key=key)
        elif change == "shorten":  # now 20 minutes long: it ended 10 minutes ago
            services.session_update(session=session, duration_minutes=20)
        else:
            services.session_cancel(session=session)

    await sync_to_async(make_the_change)()
    ended = await client.receive_type("session_ended", timeout=5)
    assert "scheduled end" in ended["detail"]
    assert await client.closed() == CloseCode.ROOM_CLOSED
