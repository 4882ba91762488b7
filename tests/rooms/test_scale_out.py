"""Two real daphne processes sharing the real Redis and PostgreSQL serve the same rooms."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.db import SessionStore

from rooms.identity import SESSION_KEY, Identity, new_identity
from rooms.models import Message
from tests.support.servers import running_servers

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ORIGIN = "http://127.0.0.1"


class Peer:
    def __init__(self, socket: Any) -> None:
        self.socket = socket
        self.frames: list[dict[str, Any]] = []

    async def next(self, frame_type: str, timeout: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.socket.recv())
                self.frames.append(frame)
                if frame["type"] == frame_type:
                    return frame

    async def send(self, body: str) -> str:
        client_id = uuid.uuid4().hex
        await self.socket.send(json.dumps({"type": "send", "body": body, "client_id": client_id}))
        return client_id


async def join(
    server: Any, slug: str, *, identity: Identity | None = None, since: int | None = None
) -> tuple[Peer, dict[str, Any]]:
    identity = identity or new_identity()
    if identity.token not in SESSIONS:
        SESSIONS[identity.token] = await sync_to_async(session_cookie)(identity)
    cookie = SESSIONS[identity.token]
    query = f"?since={since}" if since is not None else ""
    # max_queue=None: a test client that does not read must still see the close handshake.
    socket = await websockets.connect(
        f"{server.ws}/ws/rooms/{slug}/{query}",
        origin=ORIGIN,
        additional_headers={"Cookie": cookie},
        max_queue=None,
    )
    peer = Peer(socket)
    return peer, await peer.next("welcome")


SESSIONS: dict[str, str] = {}  # identity token -> cookie: one browser session per identity


def session_cookie(identity: Identity) -> str:
    session = SessionStore()
    session[SESSION_KEY] = identity.token
    session.save()
    return f"hearth_session={session.session_key}"


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
    listener_identity = new_identity()
    listener, _ = await join(first, room.slug, identity=listener_identity)
    await talker.send("one")
    seen = (await listener.next("message"))["seq"]
    first.kill()
    for body in ("two", "three"):
        await talker.send(body)
    resumed, _ = await join(second, room.slug, identity=listener_identity, since=seen)
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
