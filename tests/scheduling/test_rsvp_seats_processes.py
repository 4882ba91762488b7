"""Seats saved for RSVPs over two daphne processes sharing Redis and PostgreSQL.

Who is in the room is counted across processes (the hub's presence in Redis, the circle's seats in
the database), so a seat saved on one process is saved on the other, and arrivals on both
processes for the last seats are seated one at a time.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from rooms.identity import new_identity
from rooms.models import CircleSeat
from rooms.scheduling import selectors, services
from rooms.scheduling.models import GroupSession
from rooms.scheduling.reservations import SEATS_SAVED_DETAIL
from tests.circle.conftest import login_cookie
from tests.scheduling.factories import make_session
from tests.support.peers import join
from tests.support.servers import running_servers

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_servers(tmp_path):
    with running_servers(2, tmp_path) as servers:
        yield servers


def open_session(capacity: int) -> GroupSession:
    start = (timezone.now() + timedelta(minutes=5)).replace(microsecond=0)
    return make_session(start=start, count=4, capacity=capacity)


async def test_a_seat_saved_on_one_process_is_saved_on_the_other(two_servers):
    first, second = two_servers
    session = await sync_to_async(open_session)(capacity=2)
    slug = session.room.slug
    holder = new_identity()
    await sync_to_async(services.rsvp_create)(
        session_id=session.pk, key=selectors.occurrence_key(session.start), identity_key=holder.key
    )

    early, welcome = await join(first.ws, slug)  # takes the one seat nobody saved
    assert welcome["type"] == "welcome"
    # On the other process: one person here (on the first) and one seat saved.
    refused, frame = await join(second.ws, slug)
    assert frame["type"] == "error" and frame["code"] == "room_full"
    assert frame["detail"] == SEATS_SAVED_DETAIL and frame["schedule_url"] == "/schedule/"
    await refused.socket.wait_closed()
    assert refused.socket.close_code == 4429

    here, welcome = await join(second.ws, slug, identity=holder)  # the holder's seat
    assert welcome["type"] == "welcome"
    # The holder's second tab, on the other process, is not one more person.
    tab, welcome = await join(first.ws, slug, identity=holder, cookie=here.cookie)
    assert welcome["type"] == "welcome"
    # The facilitator still gets in, though both processes together count three people.
    cookie = await sync_to_async(login_cookie)(session.facilitator)
    host, welcome = await join(first.ws, slug, cookie=cookie)
    assert welcome["type"] == "welcome" and welcome["alias"] == "Facilitator"
    for peer in (early, here, tab, host):
        await peer.close()


async def test_people_arriving_together_on_both_processes_never_overfill_the_group(two_servers):
    # Seats are taken one at a time with the room's state row locked in PostgreSQL, and each
    # arrival checks its place again then: the processes cannot both give away the last seat.
    first, second = two_servers
    session = await sync_to_async(open_session)(capacity=2)
    slug = session.room.slug
    arrivals = await asyncio.gather(
        *(join(server.ws, slug) for _ in range(3) for server in (first, second))
    )
    kinds = sorted(frame["type"] for _, frame in arrivals)
    assert kinds == ["error"] * 4 + ["welcome"] * 2
    assert all(frame["code"] == "room_full" for _, frame in arrivals if frame["type"] == "error")
    seated = await CircleSeat.objects.filter(room=session.room, connected=True).acount()
    assert seated == 2
    for peer, frame in arrivals:
        if frame["type"] == "welcome":
            await peer.close()
