"""Two real daphne processes sharing the real Redis and PostgreSQL serve the same rooms."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async

from rooms.models import Message
from tests.support.names import twins
from tests.support.peers import ORIGIN, Peer
from tests.support.peers import join as join_room
from tests.support.servers import running_servers

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


async def join(
    server: Any, slug: str, *, peer: Peer | None = None, since: int | None = None
) -> tuple[Peer, dict[str, Any]]:
    """Join through one server; pass ``peer`` to come back as the same person (same session)."""
    if peer is None:
        return await join_room(server.ws, slug, since=since)
    return await join_room(server.ws, slug, identity=peer.identity, cookie=peer.cookie, since=since)


@pytest.fixture
def two_servers(tmp_path):
    with running_servers(2, tmp_path, HEARTH_RATE_BURST="1000") as servers:
        yield servers


async def test_messages_and_presence_cross_processes(two_servers, room):
    first, second = two_servers
    a, welcome_a = await join(first, room.slug)
    b, welcome_b = await join(second, room.slug)
    assert welcome_a["participants"] == 1
    assert welcome_b["participants"] == 2
    assert (await a.next("presence"))["participants"] == 2

    await a.send("hello from the first process")
    received = await b.next("message")
    assert received["body"] == "hello from the first process"
    assert received["seq"] == 1
    await b.send("and back from the second")
    assert (await a.next("message"))["seq"] == 1
    assert (await a.next("message"))["body"] == "and back from the second"

    await b.socket.close()
    assert (await a.next("presence"))["participants"] == 1
    await a.socket.close()


async def test_concurrent_writers_on_two_processes_keep_seq_gap_free(two_servers, room):
    first, second = two_servers
    writers = [(await join(server, room.slug))[0] for server in (first, second) for _ in range(3)]
    readers = [(await join(server, room.slug))[0] for server in (first, second)]
    per_writer = 15

    async def write(writer: Peer, index: int) -> None:
        for n in range(per_writer):
            await writer.send(f"writer {index} message {n}")

    await asyncio.gather(*(write(w, i) for i, w in enumerate(writers)))
    total = per_writer * len(writers)
    for reader in readers:
        seqs = [(await reader.next("message"))["seq"] for _ in range(total)]
        assert seqs == list(range(1, total + 1))
    stored = await sync_to_async(
        lambda: list(Message.objects.filter(room=room).values_list("seq", flat=True))
    )()
    assert sorted(stored) == list(range(1, total + 1))
    for peer in writers + readers:
        await peer.socket.close()


async def test_resume_on_the_other_process_after_a_kill(two_servers, room):
    first, second = two_servers
    talker, _ = await join(second, room.slug)
    listener, _ = await join(first, room.slug)
    await talker.send("one")
    seen = (await listener.next("message"))["seq"]
    first.kill()
    for body in ("two", "three"):
        await talker.send(body)
    resumed, _ = await join(second, room.slug, peer=listener, since=seen)
    bodies = [(await resumed.next("message"))["body"] for _ in range(2)]
    assert bodies == ["two", "three"]
    await talker.send("four")
    assert (await resumed.next("message"))["body"] == "four"
    await resumed.socket.close()
    await talker.socket.close()


async def test_refusals_close_with_their_documented_codes_over_daphne(two_servers):
    first, _ = two_servers
    socket = await websockets.connect(
        f"{first.ws}/ws/rooms/no-such-room/", origin=ORIGIN, max_queue=None
    )
    frame = json.loads(await socket.recv())
    assert (frame["type"], frame["code"]) == ("error", "not_found")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4404


async def test_clashing_names_joining_at_once_on_two_processes_stay_apart(two_servers, room):
    """Two people whose names clash arrive at the same moment, one on each process: the database
    gives the name to one of them, the other takes their next, and both keep theirs when they
    come back through the other process."""
    first, second = two_servers
    pair = twins(room.slug)
    (a, welcome_a), (b, welcome_b) = await asyncio.gather(
        join_room(first.ws, room.slug, identity=pair[0]),
        join_room(second.ws, room.slug, identity=pair[1]),
    )
    assert welcome_a["alias"] != welcome_b["alias"]
    assert pair[0].alias_in(room.slug) in {welcome_a["alias"], welcome_b["alias"]}
    await a.socket.close()
    await b.socket.close()
    a_again, again_a = await join(second, room.slug, peer=a)
    b_again, again_b = await join(first, room.slug, peer=b)
    assert (again_a["alias"], again_b["alias"]) == (welcome_a["alias"], welcome_b["alias"])
    await a_again.socket.close()
    await b_again.socket.close()
