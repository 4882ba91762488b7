"""Fixtures for room tests: rooms, identities with real sessions, and protocol clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test.utils import CaptureQueriesContext

import rooms.db
from rooms.hub import close_hub
from rooms.identity import SESSION_KEY, Identity, new_identity
from rooms.models import Room
from server.asgi import application

ORIGIN = b"http://127.0.0.1:8000"


class RoomClient:
    """A websocket client of one room that speaks JSON frames.

    Frames read while looking for another kind wait in ``inbox`` for the next ``receive_type``.
    """

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.seen: list[dict[str, Any]] = []
        self.inbox: list[dict[str, Any]] = []
        self.closed_with: int | None = None

    async def send(self, **frame: Any) -> None:
        await self.communicator.send_to(text_data=json.dumps(frame))

    async def send_raw(self, text: str | None = None, data: bytes | None = None) -> None:
        """Send a frame as the ASGI server would pass it on, empty ones included."""
        message: dict[str, Any] = {"type": "websocket.receive"}
        if data is not None:
            message["bytes"] = data
        else:
            message["text"] = text
        await self.communicator.send_input(message)

    async def _read(self, timeout: float) -> dict[str, Any]:
        try:
            output = await self.communicator.receive_output(timeout)
        except TimeoutError:
            raise TimeoutError(
                f"nothing within {timeout:.1f}s; frames so far: {self.seen}"
            ) from None
        if output["type"] == "websocket.close":
            self.closed_with = output.get("code")
            raise ConnectionError(f"closed with {self.closed_with}")
        frame = json.loads(output["text"])
        self.seen.append(frame)
        return frame

    async def receive(self, timeout: float = 3) -> dict[str, Any]:
        if self.inbox:
            return self.inbox.pop(0)
        return await self._read(timeout)

    async def receive_type(self, frame_type: str, timeout: float = 3) -> dict[str, Any]:
        """The next frame of this type; frames of other types before it are dropped."""
        return await self._receive_matching(lambda f: f["type"] == frame_type, timeout, keep=False)

    async def _receive_matching(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float, *, keep: bool
    ) -> dict[str, Any]:
        for index, frame in enumerate(self.inbox):
            if matches(frame):
                if keep:
                    del self.inbox[index]
                else:
                    del self.inbox[: index + 1]
                return frame
        if not keep:
            self.inbox.clear()
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError(f"no matching frame within {timeout}s; saw {self.seen}")
            frame = await self._read(remaining)
            if matches(frame):
                return frame
            if keep:
                self.inbox.append(frame)

    async def messages(self, count: int, timeout: float = 5) -> list[dict[str, Any]]:
        return [await self.receive_type("message", timeout) for _ in range(count)]

    async def say(self, body: str, client_id: str | None = None) -> dict[str, Any]:
        """Send a message and return its ack (or the error frame that answered it).

        Other frames read meanwhile stay in the inbox.
        """
        client_id = client_id or uuid.uuid4().hex
        await self.send(type="send", body=body, client_id=client_id)
        return await self._receive_matching(
            lambda f: f["type"] in {"ack", "error", "held"} and f.get("client_id") == client_id,
            3,
            keep=True,
        )

    async def closed(self, timeout: float = 3) -> int | None:
        self.inbox.clear()
        while True:
            try:
                await self._read(timeout)
            except ConnectionError:
                return self.closed_with

    async def silent(self, timeout: float = 0.3, ignore: tuple[str, ...] = ("presence",)) -> bool:
        """True if no frame other than ``ignore`` types is waiting or arrives within ``timeout``."""
        if any(frame["type"] not in ignore for frame in self.inbox):
            return False
        self.inbox.clear()
        # receive_nothing waits without cancelling the application, unlike a timed-out read.
        while not await self.communicator.receive_nothing(timeout):
            frame = await self._read(1)
            if frame["type"] not in ignore:
                return False
        return True

    async def disconnect(self) -> None:
        await self.communicator.disconnect()


def _session_cookie(identity: Identity, sessions: dict[str, str]) -> bytes:
    """The cookie of this identity's browser session (one session per identity, as in a browser)."""
    if identity.token not in sessions:
        session = SessionStore()
        session[SESSION_KEY] = identity.token
        session.save()
        sessions[identity.token] = str(session.session_key)
    return f"hearth_session={sessions[identity.token]}".encode()


Connect = Callable[..., Awaitable[tuple[RoomClient, dict[str, Any]]]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open a protocol client on a room: returns (client, first frame)."""
    clients: list[RoomClient] = []
    sessions: dict[str, str] = {}

    async def _connect(
        slug: str,
        *,
        identity: Identity | None = None,
        since: int | str | None = None,
        origin: bytes | None = ORIGIN,
        cookie: bool = True,
        query: str = "",
        client_address: str | None = None,
    ) -> tuple[RoomClient, dict[str, Any]]:
        headers = []
        if origin is not None:
            headers.append((b"origin", origin))
        if cookie:
            cookie_value = await sync_to_async(_session_cookie)(
                identity or new_identity(), sessions
            )
            headers.append((b"cookie", cookie_value))
        params = [f"since={since}"] if since is not None else []
        params += [query] if query else []
        path = f"/ws/rooms/{slug}/" + ("?" + "&".join(params) if params else "")
        communicator = WebsocketCommunicator(application, path, headers=headers)
        if client_address is not None:
            # The application has not run yet: the scope can still take the client's address.
            communicator.scope["client"] = (client_address, 40000)
        connected, _ = await communicator.connect(timeout=5)
        if not connected:
            raise ConnectionRefusedError(path)
        client = RoomClient(communicator)
        clients.append(client)
        first = await client.receive()
        return client, first

    yield _connect
    for client in clients:
        # A client the test, or a timed-out read, has already closed raises here.
        with contextlib.suppress(BaseException):
            await client.disconnect()
    await close_hub()


@pytest.fixture
def make_room(transactional_db: None) -> Callable[..., Room]:
    def _make_room(**fields: Any) -> Room:
        fields.setdefault("slug", f"room-{uuid.uuid4().hex[:10]}")
        fields.setdefault("title", "A test room")
        return Room.objects.create(**fields)

    return _make_room


@pytest.fixture
async def room(make_room: Callable[..., Room]) -> Room:
    return await sync_to_async(make_room)()


@dataclass
class DatabaseUse:
    """Trips to the database thread, by function name, and the queries run on them."""

    trips: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)

    def reset(self) -> None:
        self.trips.clear()
        self.queries.clear()


@pytest.fixture
def database_use(monkeypatch: pytest.MonkeyPatch) -> Iterator[DatabaseUse]:
    """Every trip through ``rooms.db.in_db`` and every query run on it, by name."""
    use = DatabaseUse()
    real = rooms.db.database_sync_to_async

    def counting(func: Callable[..., Any]) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            use.trips.append(getattr(func, "__name__", repr(func)))
            with CaptureQueriesContext(connection) as captured:
                try:
                    return func(*args, **kwargs)
                finally:
                    use.queries.extend(query["sql"] for query in captured.captured_queries)

        return real(run)

    monkeypatch.setattr(rooms.db, "database_sync_to_async", counting)
    yield use
