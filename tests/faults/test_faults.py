"""Break things on purpose: Redis away, a process killed, PostgreSQL restarted, a client that
never reads. Real daphne processes, real Redis and PostgreSQL (private instances where the test
stops them, so the machine's shared services keep running).

Each test prints the figure it measures (recovery time, latency); `pytest -s` shows them.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from asgiref.sync import sync_to_async

from moderation.models import Flag, Report
from tests.support.peers import join
from tests.support.rawws import drain_until_closed, raw_connect
from tests.support.servers import ROOT, running_servers
from tests.support.services import PrivatePostgres, PrivateRedis

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FAST = {"HEARTH_RATE_BURST": "100000", "HEARTH_RATE_REFILL_SECONDS": "0.001"}


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


@pytest.fixture
def private_redis(tmp_path):
    redis = PrivateRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


async def test_redis_outage_degrades_then_recovers_without_losing_a_word(
    private_redis, room, tmp_path
):
    with running_servers(2, tmp_path, REDIS_URL=private_redis.url, **FAST) as (first, second):
        a, _ = await join(first.ws, room.slug)
        b, _ = await join(second.ws, room.slug)
        one = await a.say("before the outage")
        await b.next("message")

        private_redis.stop()
        outage_started = time.monotonic()
        assert (await a.next("status"))["state"] == "degraded"
        assert (await b.next("status"))["state"] == "degraded"
        # Stored, so acked; reports are stored too.
        during = [await a.say(f"during the outage {n}") for n in range(3)]
        assert [frame["type"] for frame in during] == ["ack", "ack", "ack"]
        await b.socket.send(json.dumps({"type": "report", "seq": one["seq"], "reason": "during"}))
        assert (await b.next("report_ack"))["seq"] == one["seq"]
        await asyncio.sleep(max(0.0, 5 - (time.monotonic() - outage_started)))

        private_redis.start()
        restarted = time.monotonic()
        assert (await b.next("status", timeout=15))["state"] == "ok"
        while len(b.seqs) < 4:
            await b.next("message", timeout=15)
        recovered_after = time.monotonic() - restarted
        after = await a.say("after the outage")
        for peer in (a, b):
            while after["seq"] not in peer.seqs:
                await peer.next("message")
        print(f"\nredis outage: the other process caught up {recovered_after:.2f}s after restart")

        expected = list(range(1, after["seq"] + 1))
        assert a.seqs == expected and b.seqs == expected  # every message once, in order
        # A client that resumes with since gets exactly what it missed.
        resumed, _ = await join(second.ws, room.slug, identity=a.identity, cookie=a.cookie, since=1)
        while len(resumed.seqs) < after["seq"] - 1:
            await resumed.next("message")
        assert resumed.seqs == expected[1:]
        assert await sync_to_async(Report.objects.count)() == 1
        assert await sync_to_async(Flag.objects.count)() == 1
        for peer in (a, b, resumed):
            await peer.close()
        assert first.process.poll() is None and second.process.poll() is None
    # Reconnects back off to 2 s at most: a busy machine's stalls fit in 20 s, a lost room does not.
    assert recovered_after < 20


async def test_a_killed_process_loses_its_clients_nothing(room, tmp_path):
    with running_servers(2, tmp_path, **FAST) as (first, second):
        talker, _ = await join(second.ws, room.slug)
        listeners = [(await join(first.ws, room.slug))[0] for _ in range(3)]

        async def talk() -> None:
            for n in range(30):
                await talker.send(f"message {n}")
                await asyncio.sleep(0.02)

        talking = asyncio.create_task(talk())
        await asyncio.sleep(0.25)
        first.kill()
        killed = time.monotonic()
        resumed = []
        for listener in listeners:
            last = listener.seqs[-1] if listener.seqs else 0
            peer, _ = await join(
                second.ws, room.slug, identity=listener.identity, cookie=listener.cookie, since=last
            )
            resumed.append((listener, peer))
        reconnected_after = time.monotonic() - killed
        await talking
        for listener, peer in resumed:
            while (listener.seqs + peer.seqs)[-1:] != [30]:
                await peer.next("message")
            assert listener.seqs + peer.seqs == list(range(1, 31))  # none missed, none twice
            await peer.close()
        await talker.close()
        print(f"\nSIGKILL: all clients resumed on the other process in {reconnected_after:.2f}s")


async def test_postgres_restart_gives_clear_errors_then_recovers_by_itself(tmp_path):
    postgres = PrivatePostgres()
    await asyncio.to_thread(postgres.init)
    try:
        env = {**os.environ, "DATABASE_URL": postgres.url, "SECRET_KEY": "fault-test-key"}
        env.pop("REDIS_URL", None)
        for command in (["migrate", "--no-input"], ["seed_rooms"]):
            await asyncio.to_thread(
                subprocess.run,
                [sys.executable, "manage.py", *command],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
                timeout=120,
            )
        with running_servers(
            1, tmp_path, DATABASE_URL=postgres.url, REDIS_URL="", SECRET_KEY="fault-test-key"
        ) as (server,):
            peer, welcome = await join_without_session(server.ws, "open-drop-in")
            assert welcome["type"] == "welcome"
            assert (await peer.say("before"))["type"] == "ack"

            await asyncio.to_thread(postgres.stop)
            refused = await peer.say("while the database is down")
            assert (refused["type"], refused["code"]) == ("error", "unavailable")
            status, body = await asyncio.to_thread(http_get, f"{server.http}/api/rooms/")
            assert status == 503 and "database" in body
            _, first = await join_without_session(server.ws, "open-drop-in")
            assert (first["type"], first["code"]) == ("error", "unavailable")

            await asyncio.to_thread(postgres.start)
            restarted = time.monotonic()
            while True:
                answer = await peer.say("after")
                if answer["type"] == "ack":
                    break
                assert time.monotonic() - restarted < 15, answer
                await asyncio.sleep(0.2)
            recovered_after = time.monotonic() - restarted
            assert answer["seq"] == 2  # the refused message took no seq
            status, _ = await asyncio.to_thread(http_get, f"{server.http}/api/rooms/")
            assert status == 200
            await peer.close()
            print(f"\npostgres restart: service back {recovered_after:.2f}s after restart")
    finally:
        postgres.remove()


async def join_without_session(base_ws: str, slug: str):
    """Connect without a session: this server's database is not the test database."""
    import websockets

    from tests.support.peers import ORIGIN, Peer

    socket = await websockets.connect(f"{base_ws}/ws/rooms/{slug}/", origin=ORIGIN, max_queue=None)
    peer = Peer(socket, identity=None, cookie="")  # type: ignore[arg-type]
    first = json.loads(await socket.recv())
    return peer, first


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def test_a_client_that_never_reads_is_dropped_and_delays_nobody(room, tmp_path):
    settings = {
        **FAST,
        "HEARTH_SOCKET_BUFFER_BYTES": str(64 * 1024),
        "HEARTH_FRAME_RATE": "100000",
        "HEARTH_FRAME_BURST": "100000",
    }
    with running_servers(1, tmp_path, **settings) as (server,):
        talker, _ = await join(server.ws, room.slug)
        listener, _ = await join(server.ws, room.slug)
        before = await _latencies(talker, listener, count=200)
        idle_rss = rss_kib(server.process.pid)
        stalled = raw_connect(server.port, f"/ws/rooms/{room.slug}/", receive_buffer=4096)
        # 6 MB in all: more than the kernel's socket buffers (4 MB at most here) can hide.
        during = await _latencies(talker, listener, count=1000)
        grown_kib = rss_kib(server.process.pid) - idle_rss
        read, closed = await asyncio.to_thread(drain_until_closed, stalled, 5)
        p99_before, p99_during = _p99(before), _p99(during)
        print(
            f"\nslow client: dropped after {read} bytes; others' p99 {p99_before * 1000:.1f} ms "
            f"before it, {p99_during * 1000:.1f} ms while it stalled; server grew {grown_kib} KiB"
        )
        assert closed, "the server kept a client that never reads"
        assert read < 5 * 1024 * 1024  # 6 MB went to everyone else; it got less
        assert listener.seqs == list(range(1, 1201))
        # A second of slack for a busy machine; a room waiting on the stalled client waits longer.
        assert p99_during < 3 * p99_before + 1.0
        assert grown_kib < 64 * 1024
        await talker.close()
        await listener.close()


async def _latencies(talker, listener, *, count: int, batch: int = 5) -> list[float]:
    """Send ``count`` 6 KB messages in small batches; the listener's latency for each."""
    body = "€" * 1990
    latencies: list[float] = []
    for start in range(0, count, batch):
        sent = {}
        for n in range(start, start + batch):
            await talker.send(f"{n} {body}")
            sent[n] = time.monotonic()
        for _ in range(batch):
            message = await listener.next("message")
            latencies.append(time.monotonic() - sent[int(message["body"].split()[0])])
    return latencies


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[int(len(ordered) * 0.99)]
