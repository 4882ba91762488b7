"""Fixtures for facilitated sessions: a session room with its facilitator, signed-in clients."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from moderation.api.permissions import MODERATORS_GROUP
from rooms.models import Room
from rooms.scheduling.models import GroupSession
from server.asgi import application
from tests.rooms.conftest import ORIGIN, RoomClient, connect, make_room, room  # noqa: F401

_users = iter(range(1, 10_000))


def make_user(*, moderator: bool = False) -> Any:
    user = get_user_model().objects.create_user(username=f"circle-user-{next(_users)}")
    if moderator:
        user.groups.add(Group.objects.get_or_create(name=MODERATORS_GROUP)[0])
    return user


def make_session_room(facilitator: Any | None = None) -> tuple[GroupSession, Any]:
    """A session room and its session, with a facilitator (created if not given)."""
    facilitator = facilitator or make_user()
    chat_room = Room.objects.create(
        slug=f"circle-{uuid.uuid4().hex[:10]}",
        title="Tuesday evening circle",
        kind=Room.Kind.SESSION,
        capacity=13,
    )
    session = GroupSession.objects.create(
        title=chat_room.title,
        topic="leaving",
        facilitator=facilitator,
        start=(timezone.now() + timedelta(minutes=5)).replace(second=0, microsecond=0),
        time_zone="Europe/London",
        duration_minutes=60,
        capacity=12,
        room=chat_room,
    )
    return session, facilitator


def login_cookie(user: Any) -> str:
    """The ``hearth_session`` cookie of a browser signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return f"hearth_session={client.cookies['hearth_session'].value}"


@pytest.fixture(autouse=True)
def _local_backplane(settings) -> None:  # type: ignore[no-untyped-def]
    settings.REDIS_URL = ""


@pytest.fixture
def session_room(transactional_db: None) -> tuple[GroupSession, Any]:
    return make_session_room()


ConnectUser = Callable[..., Awaitable[tuple[RoomClient, dict[str, Any]]]]


@pytest.fixture
async def connect_user(connect) -> AsyncIterator[ConnectUser]:  # type: ignore[no-untyped-def]  # noqa: F811
    """Open a protocol client as a signed-in user (the hub is closed by ``connect``)."""
    clients: list[RoomClient] = []

    async def _connect(slug: str, user: Any) -> tuple[RoomClient, dict[str, Any]]:
        cookie = await sync_to_async(login_cookie)(user)
        communicator = WebsocketCommunicator(
            application,
            f"/ws/rooms/{slug}/",
            headers=[(b"origin", ORIGIN), (b"cookie", cookie.encode())],
        )
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        client = RoomClient(communicator)
        clients.append(client)
        return client, await client.receive()

    yield _connect
    for client in clients:
        with contextlib.suppress(BaseException):
            await client.disconnect()
