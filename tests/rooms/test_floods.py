"""Floods are limited with clear errors and do not slow the room for others."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import time
import uuid

import pytest

from rooms.identity import new_identity
from rooms.limits import address_key
from rooms.protocol import CloseCode

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def test_a_frame_flood_is_refused_closed_and_does_not_slow_the_room(connect, room):
    flooder, _ = await connect(room.slug)
    talker, _ = await connect(room.slug)
    listener, _ = await connect(room.slug)
    ping = json.dumps({"type": "ping"})
    latencies = []

    async def flood() -> None:
        for _ in range(1000):
            await flooder.send_raw(text=ping)

    flooding = asyncio.create_task(flood())
    for n in range(5):
        sent = time.monotonic()
        await talker.say(f"still talking {n}")
        await listener.receive_type("message")
        latencies.append(time.monotonic() - sent)
    await flooding
    print(f"\nflood: the room's latency meanwhile {[round(x * 1000, 1) for x in latencies]} ms")
    assert await flooder.closed() == CloseCode.POLICY_VIOLATION
    codes = [f["code"] for f in flooder.seen if f["type"] == "error"]
    # One error per run of refused frames, not one per frame: a flood gets no flood back.
    assert 1 <= codes.count("rate_limited") <= 3
    assert codes[-1] == "flooding"
    pongs = sum(1 for f in flooder.seen if f["type"] == "pong")
    assert pongs <= 2 * 30  # the burst, and what refilled while it lasted
    assert max(latencies) < 1.0, latencies


async def test_too_many_connections_of_one_identity_are_refused(connect, room, settings):
    settings.HEARTH_MAX_CONNECTIONS_PER_IDENTITY = 3
    identity = new_identity()
    for _ in range(3):
        await connect(room.slug, identity=identity)
    refused, first = await connect(room.slug, identity=identity)
    assert first["code"] == "too_many_connections"
    assert await refused.closed() == CloseCode.TRY_AGAIN_LATER
    # Someone else is not affected.
    _, welcome = await connect(room.slug)
    assert welcome["type"] == "welcome"


async def test_too_many_connections_from_one_address_are_refused(connect, room, settings):
    settings.HEARTH_MAX_CONNECTIONS_PER_ADDRESS = 2
    for _ in range(2):
        await connect(room.slug, client_address="198.51.100.7")
    refused, first = await connect(room.slug, client_address="198.51.100.7")
    assert first["code"] == "too_many_connections"
    assert await refused.closed() == CloseCode.TRY_AGAIN_LATER
    _, other = await connect(room.slug, client_address="198.51.100.8")
    assert other["type"] == "welcome"


async def test_handshake_bursts_from_one_address_are_refused(connect, room, settings):
    settings.HEARTH_HANDSHAKE_BURST = 3
    settings.HEARTH_HANDSHAKE_REFILL_SECONDS = 60
    # Handshake buckets outlive a run on Redis: an address no earlier run can have used.
    address = str(ipaddress.ip_address("2001:db8::") + uuid.uuid4().int % 2**96)
    outcomes = []
    for _ in range(4):
        client, first = await connect(room.slug, client_address=address)
        outcomes.append(first["type"] if first["type"] == "welcome" else first["code"])
        await client.disconnect()
    assert outcomes == ["welcome", "welcome", "welcome", "too_many_connections"]


def test_address_keys_are_keyed_hashes_not_addresses():
    key = address_key({"client": ("198.51.100.7", 1234)})
    assert key is not None and "198" not in key and len(key) == 24
    assert key == address_key({"client": ("198.51.100.7", 9999)})
    assert key != address_key({"client": ("198.51.100.8", 1234)})
    assert address_key({}) is None
