"""Clients of real daphne processes, for the fault tests (websockets library, real sessions)."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import websockets
from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.db import SessionStore

from rooms.identity import SESSION_KEY, Identity, new_identity

ORIGIN = "http://127.0.0.1"


class Peer:
    def __init__(self, socket: Any, identity: Identity, cookie: str) -> None:
        self.socket = socket
        self.identity = identity
        self.cookie = cookie
        self.frames: list[dict[str, Any]] = []

    @property
    def seqs(self) -> list[int]:
        return [f["seq"] for f in self.frames if f["type"] == "message"]

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

    async def say(self, body: str, timeout: float = 10) -> dict[str, Any]:
        client_id = await self.send(body)
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await self.socket.recv())
                self.frames.append(frame)
                if frame.get("client_id") == client_id:
                    return frame

    async def close(self) -> None:
        await self.socket.close()


def _session_cookie(identity: Identity) -> str:
    session = SessionStore()
    session[SESSION_KEY] = identity.token
    session.save()
    return f"hearth_session={session.session_key}"


async def join(
    base_ws: str,
    slug: str,
    *,
    identity: Identity | None = None,
    cookie: str | None = None,
    since: int | None = None,
) -> tuple[Peer, dict[str, Any]]:
    identity = identity or new_identity()
    cookie = cookie or await sync_to_async(_session_cookie)(identity)
    query = f"?since={since}" if since is not None else ""
    socket = await websockets.connect(
        f"{base_ws}/ws/rooms/{slug}/{query}",
        origin=ORIGIN,
        additional_headers={"Cookie": cookie},
        max_queue=None,
        open_timeout=10,
    )
    peer = Peer(socket, identity, cookie)
    first = json.loads(await socket.recv())
    peer.frames.append(first)
    return peer, first
