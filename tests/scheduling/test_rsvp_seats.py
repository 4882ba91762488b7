"""Seats saved for confirmed RSVPs in a session's open room (``rooms.scheduling.reservations``).

Over the websocket, in one process: a confirmed RSVP to the open meeting keeps a seat until its
holder arrives; people who did not sign up take only the seats nobody is saving; waitlisted,
cancelled and other meetings' RSVPs save nothing; the facilitator's place is not a participant's;
an RSVP claimed in another browser saves its seat for that browser only.
The same over two daphne processes sharing Redis is ``test_rsvp_seats_processes``.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rooms.identity import SESSION_KEY, Identity, new_identity
from rooms.models import CircleSeat
from rooms.protocol import CloseCode
from rooms.scheduling import selectors, services
from rooms.scheduling.models import RSVP, GroupSession
from rooms.scheduling.reservations import (
    GROUP_FULL_DETAIL,
    HOLDER_FULL_DETAIL,
    SEATS_SAVED_DETAIL,
    SeatCheck,
    session_room_entry,
)
from tests.circle.conftest import (
    connect_user,  # noqa: F401  (a fixture, used by name)
    make_user,
)
from tests.scheduling.factories import make_session

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _local_backplane(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_URL = ""


def open_session(capacity: int) -> GroupSession:
    """A weekly session whose first meeting starts in five minutes: its room is open."""
    start = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    return make_session(start=start, count=4, capacity=capacity)


def rsvp(session: GroupSession, identity: Identity, *, key: str | None = None) -> str:
    """RSVP through the service, as the API does; returns the token."""
    created = services.rsvp_create(
        session_id=session.pk,
        key=key or selectors.occurrence_key(session.start),
        identity_key=identity.key,
    )
    return created.token


async def refused(connect, slug: str, identity: Identity | None = None) -> dict:  # type: ignore[no-untyped-def]
    client, first = await connect(slug, identity=identity)
    assert first["type"] == "error", first
    assert first["code"] == "room_full"
    assert first["schedule_url"] == "/schedule/"
    assert await client.closed() == CloseCode.ROOM_FULL
    return first


async def admitted(connect, slug: str, identity: Identity | None = None):  # type: ignore[no-untyped-def]
    client, first = await connect(slug, identity=identity)
    assert first["type"] == "welcome", first
    return client


async def test_a_holder_gets_in_after_people_who_did_not_sign_up_took_the_other_seats(connect):
    session = await sync_to_async(open_session)(capacity=2)
    holder = new_identity()
    await sync_to_async(rsvp)(session, holder)
    slug = session.room.slug

    # People who did not sign up arrive early until one is turned away.
    arrived = 0
    for _ in range(5):
        _, first = await connect(slug)
        if first["type"] != "welcome":
            break
        arrived += 1
    assert arrived == 1  # the other seat of two is the holder's
    await admitted(connect, slug, holder)


def sign_up_on_a_phone_and_claim_on_a_laptop(session: GroupSession) -> tuple[Identity, Identity]:
    """Through the API, each browser with its own session cookie; returns (phone, laptop)."""
    phone, laptop = Client(), Client()
    key = selectors.occurrence_key(session.start)
    made = phone.post(f"/api/v1/sessions/{session.pk}/occurrences/{key}/rsvp/")
    assert made.status_code == 201
    claimed = laptop.post(
        "/api/v1/rsvps/claim/", {"token": made.json()["token"]}, content_type="application/json"
    )
    assert claimed.status_code == 200 and claimed.json()["moved"] is True
    return Identity(token=phone.session[SESSION_KEY]), Identity(token=laptop.session[SESSION_KEY])


async def test_a_claimed_rsvp_saves_the_seat_for_the_browser_that_claimed_it(connect):
    session = await sync_to_async(open_session)(capacity=2)
    phone, laptop = await sync_to_async(sign_up_on_a_phone_and_claim_on_a_laptop)(session)
    slug = session.room.slug
    await admitted(connect, slug)  # someone who did not sign up takes the one free seat

    # The phone is no holder any more: the other seat is saved, and it is the laptop's.
    assert (await refused(connect, slug, phone))["detail"] == SEATS_SAVED_DETAIL
    await admitted(connect, slug, laptop)


async def test_someone_without_an_rsvp_is_refused_while_seats_are_saved(connect):
    session = await sync_to_async(open_session)(capacity=2)
    await sync_to_async(rsvp)(session, new_identity())
    slug = session.room.slug
    await admitted(connect, slug)

    frame = await refused(connect, slug)
    assert frame["detail"] == SEATS_SAVED_DETAIL
    assert "saved for people who signed up" in frame["detail"]
    assert "RSVP" in frame["detail"] and "schedule" in frame["detail"]


@pytest.mark.parametrize("kind", ["waitlisted", "cancelled", "another_meeting"])
async def test_rsvps_that_are_not_confirmed_for_this_meeting_save_nothing(connect, kind):
    session = await sync_to_async(open_session)(capacity=1)
    person = new_identity()

    def sign_up() -> None:
        if kind == "another_meeting":  # next week's meeting: its room is not open now
            schedule = selectors.schedule_of(session)
            later = schedule.starts_between(
                session.start + timedelta(days=1), session.start + timedelta(days=30)
            )[0]
            rsvp(session, person, key=selectors.occurrence_key(later))
            return
        token = rsvp(session, person)
        if kind == "cancelled":
            services.rsvp_cancel(token=token)
        else:  # a full meeting's waitlist, without filling the meeting first
            RSVP.objects.filter(identity_key=person.key).update(status=RSVP.Status.WAITLISTED)

    await sync_to_async(sign_up)()
    slug = session.room.slug
    await admitted(connect, slug)  # nothing is saved: the one seat is anyone's
    # And the person is no holder here: the seat is taken.
    assert (await refused(connect, slug, person))["detail"] == GROUP_FULL_DETAIL


async def test_a_holder_who_arrived_no_longer_counts_as_saved_and_reconnecting_counts_once(
    connect,
):
    session = await sync_to_async(open_session)(capacity=2)
    holder = new_identity()
    await sync_to_async(rsvp)(session, holder)
    slug = session.room.slug

    first_tab = await admitted(connect, slug, holder)
    await admitted(connect, slug)  # the holder's seat is taken by the holder, not saved twice
    assert (await refused(connect, slug))["detail"] == GROUP_FULL_DETAIL  # 2 of 2, none saved

    # A second tab, or a reconnect before the server saw the drop, is not a new person.
    second_tab = await admitted(connect, slug, holder)
    await first_tab.disconnect()
    await second_tab.disconnect()
    # Gone: the seat is saved again, and the holder gets it back.
    assert (await refused(connect, slug))["detail"] == SEATS_SAVED_DETAIL
    await admitted(connect, slug, holder)


async def test_the_facilitator_gets_in_and_takes_no_participant_seat(connect, connect_user):  # noqa: F811
    session = await sync_to_async(open_session)(capacity=1)
    facilitator = await sync_to_async(lambda: session.facilitator)()
    slug = session.room.slug

    host, first = await connect_user(slug, facilitator)
    assert first["type"] == "welcome" and first["alias"] == "Facilitator"
    await admitted(connect, slug)  # the facilitator is here, yet the one seat is still free
    await refused(connect, slug)

    # Arriving when every participant's seat is taken: the room's one place beyond capacity.
    await host.disconnect()
    _, again = await connect_user(slug, facilitator)
    assert again["type"] == "welcome"


async def test_a_moderator_joining_the_facilitator_in_a_full_group_gets_in(connect, connect_user):  # noqa: F811
    session = await sync_to_async(open_session)(capacity=1)
    facilitator = await sync_to_async(lambda: session.facilitator)()
    moderator = await sync_to_async(make_user)(moderator=True)
    slug = session.room.slug
    _, first = await connect_user(slug, facilitator)
    assert first["type"] == "welcome"
    await admitted(connect, slug)  # the group is full, and the room at its capacity of 2
    _, joined = await connect_user(slug, moderator)
    assert joined["type"] == "welcome"


async def test_the_facilitator_does_not_use_a_seat_saved_for_a_holder(connect, connect_user):  # noqa: F811
    session = await sync_to_async(open_session)(capacity=1)
    holder = new_identity()
    await sync_to_async(rsvp)(session, holder)
    facilitator = await sync_to_async(lambda: session.facilitator)()
    slug = session.room.slug

    _, first = await connect_user(slug, facilitator)
    assert first["type"] == "welcome"
    assert (await refused(connect, slug))["detail"] == SEATS_SAVED_DETAIL
    await admitted(connect, slug, holder)


async def test_drop_in_rooms_keep_the_plain_capacity_check(connect, make_room):
    room = await sync_to_async(make_room)(capacity=1)
    await admitted(connect, room.slug)
    _, first = await connect(room.slug)
    assert first["code"] == "room_full"
    assert "schedule_url" not in first


def test_the_seat_check_costs_one_query_more_than_the_window():
    session = open_session(capacity=3)
    holder = new_identity()
    rsvp(session, holder)
    room, now = session.room, timezone.now()
    with CaptureQueriesContext(connection) as window_only:
        selectors.room_window_state(room.slug, now)
    with CaptureQueriesContext(connection) as with_seats:
        room_window, check = session_room_entry(
            room.slug, room_id=room.pk, identity_key=holder.key, now=now
        )
    assert room_window.state.open
    assert check == SeatCheck(capacity=3, holder=True, here=False, seated=0, reserved=1, recent=0)
    assert len(with_seats) == len(window_only) + 1
    with CaptureQueriesContext(connection) as facilitator:
        _, none = session_room_entry(room.slug, room_id=room.pk, identity_key=None, now=now)
    assert none is None and len(facilitator) == len(window_only)


async def test_people_arriving_together_for_the_last_seats_never_overfill_the_group(connect):
    # All four pass the first seat check before any of them is seated (the checks run before
    # the seats are taken); the check again inside the seat's locked transaction lets in only
    # as many as there are seats.
    session = await sync_to_async(open_session)(capacity=3)
    slug = session.room.slug
    await admitted(connect, slug)
    arrivals = await asyncio.gather(*(connect(slug) for _ in range(4)))
    firsts = [first for _, first in arrivals]
    assert sorted(first["type"] for first in firsts) == ["error", "error", "welcome", "welcome"]
    for first in firsts:
        if first["type"] == "error":
            assert first["code"] == "room_full"
            assert first["detail"] == GROUP_FULL_DETAIL
    seated = await CircleSeat.objects.filter(room=session.room, connected=True).acount()
    assert seated == 3


async def test_a_holder_arriving_with_others_keeps_the_saved_seat(connect):
    session = await sync_to_async(open_session)(capacity=2)
    holder = new_identity()
    await sync_to_async(rsvp)(session, holder)
    slug = session.room.slug
    (_, holder_first), *others = await asyncio.gather(
        connect(slug, identity=holder), connect(slug), connect(slug)
    )
    assert holder_first["type"] == "welcome"
    assert sorted(first["type"] for _, first in others) == ["error", "welcome"]


async def test_a_seat_a_crashed_process_left_marked_connected_does_not_fill_the_group(connect):
    session = await sync_to_async(open_session)(capacity=1)
    await CircleSeat.objects.acreate(
        room=session.room,
        identity_key="gone-with-its-process",
        alias="Gone",
        connected=True,
        taken_at=timezone.now() - timedelta(minutes=5),
    )
    await admitted(connect, session.room.slug)


def test_the_hub_count_corrects_stale_seats_but_not_seats_it_cannot_show_yet():
    stale = SeatCheck(capacity=3, holder=False, here=False, seated=3, reserved=0, recent=0)
    assert stale.people(participants=1) == 1 and stale.admits(participants=1)
    # Two of the three were seated a moment ago: the hub's count may not show them yet.
    fresh = SeatCheck(capacity=3, holder=False, here=False, seated=3, reserved=0, recent=2)
    assert fresh.people(participants=1) == 3 and not fresh.admits(participants=1)
    assert fresh.people(participants=9) == 3  # never more than the seats


async def test_a_drop_in_join_reads_nothing_about_sessions(connect, make_room, monkeypatch):
    from rooms import membership

    room = await sync_to_async(make_room)()

    def must_not_run(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("a drop-in room read the session window")

    monkeypatch.setattr(membership, "session_room_entry", must_not_run)
    await admitted(connect, room.slug)


async def test_a_holder_is_refused_only_when_the_group_was_made_smaller_than_its_rsvps(connect):
    session = await sync_to_async(open_session)(capacity=2)
    first, second = new_identity(), new_identity()
    await sync_to_async(rsvp)(session, first)
    await sync_to_async(rsvp)(session, second)
    await sync_to_async(services.session_update)(session=session, capacity=1)
    slug = session.room.slug
    await admitted(connect, slug, first)
    assert (await refused(connect, slug, second))["detail"] == HOLDER_FULL_DETAIL
