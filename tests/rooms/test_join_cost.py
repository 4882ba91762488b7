"""What a join costs the server: trips to the database thread and queries (docs/performance.md).

Every trip to the one database thread of a process costs about 0.2 ms of CPU and every ORM query
about 0.5 ms, paid once per person joining a room: a room of thousands filling up, or people
coming and going, pays it thousands of times. These tests pin the counts so that a new read on
the join path is a decision, not an accident. The guarantees the counts must not cost (a ban
takes effect at the next join, blocks are loaded, the replay is exact) have their own tests.
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Any

import channels.generic.websocket
import pytest

from rooms.identity import new_identity

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def _joined(client: Any) -> None:
    """Wait until the connection's join has ended (frames are handled after it, in order)."""
    await client.send(type="ping")
    await client.receive_type("pong")


async def test_joining_a_drop_in_room_takes_two_trips_and_four_queries(connect, room, database_use):
    identity = new_identity()
    first, _ = await connect(room.slug, identity=identity)  # the first visit is remembered
    await _joined(first)
    await first.disconnect()
    database_use.reset()

    _, welcome = await connect(room.slug, identity=identity)

    assert welcome["type"] == "welcome"
    # who is connecting (the session) and may they come in (room and ban); then what to catch
    # up on (state, blocks and last seq, read after attaching)
    assert database_use.trips == ["_handshake_facts", "_settle_in"], database_use
    assert len(database_use.queries) == 4, database_use.queries  # session, room+ban, seq, blocks


async def test_a_connection_without_a_session_has_no_first_visit_to_remember(
    connect, room, database_use
):
    _, welcome = await connect(room.slug, cookie=False)

    assert welcome["type"] == "welcome"
    assert "remember_first_visit" not in database_use.trips
    assert len(database_use.trips) == 2, database_use


async def test_leaving_a_drop_in_room_takes_no_trip_to_the_database_thread(
    connect, room, database_use, monkeypatch
):
    hops: list[str] = []
    real = channels.generic.websocket.aclose_old_connections

    async def counted() -> None:
        hops.append("aclose_old_connections")
        await real()

    monkeypatch.setattr(channels.generic.websocket, "aclose_old_connections", counted)
    client, _ = await connect(room.slug)
    await _joined(client)
    database_use.reset()

    await client.disconnect()

    assert database_use.trips == [] and hops == []


async def test_a_handshake_refused_for_its_rate_reads_nothing_from_the_database(
    connect, room, settings, database_use
):
    settings.HEARTH_HANDSHAKE_BURST = 1
    settings.HEARTH_HANDSHAKE_REFILL_SECONDS = 60
    # Handshake buckets outlive a run on Redis: an address no earlier run can have used.
    address = str(ipaddress.ip_address("2001:db8::") + uuid.uuid4().int % 2**96)
    first, _ = await connect(room.slug, client_address=address, cookie=False)
    await _joined(first)
    database_use.reset()

    _, refused = await connect(room.slug, client_address=address, cookie=False)

    assert refused["code"] == "too_many_connections"
    assert database_use.trips == []
