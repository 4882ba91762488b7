"""The one layer every websocket handshake passes (server/websocket_entry.py).

It replaces Channels' origin, cookie, session, auth and routing middlewares, so it must do what
they did: refuse foreign origins, find the session and the signed-in user (and drop a session
whose password has changed since sign-in), route by path, and refuse unknown paths.
"""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import path

from rooms.models import Room
from server.asgi import application
from server.websocket_entry import WebsocketEntry
from tests.moderation.conftest import session_cookie_of
from tests.rooms.conftest import ORIGIN

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture
def room() -> Room:
    return Room.objects.create(slug="entry-room", title="Entry")


@pytest.fixture
def moderator() -> User:
    user = User.objects.create_user(username="entry-mod", password="a passphrase for tests")
    user.groups.add(Group.objects.get_or_create(name="moderators")[0])
    return user


async def _handshake(path: str, *, origin: bytes | None = ORIGIN, cookie: bytes | None = None):
    headers = [(b"origin", origin)] if origin else []
    if cookie:
        headers.append((b"cookie", cookie))
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=5)
    if connected:
        await communicator.disconnect()
    return connected


@pytest.mark.parametrize("origin", [b"https://evil.example", b"not a url \xff", None])
async def test_a_foreign_or_missing_origin_is_refused_before_any_consumer(room, origin):
    assert not await _handshake(f"/ws/rooms/{room.slug}/", origin=origin)
    assert await _handshake(f"/ws/rooms/{room.slug}/")


async def test_an_unknown_path_is_refused(room):
    with pytest.raises(ValueError, match="No route found"):
        await _handshake("/ws/nowhere/")


async def test_the_signed_in_user_comes_from_the_session_cookie(moderator):
    client = Client()
    await sync_to_async(client.force_login)(moderator)
    assert await _handshake("/ws/moderation/", cookie=session_cookie_of(client))
    assert not await _handshake("/ws/moderation/")
    assert not await _handshake("/ws/moderation/", cookie=b"hearth_session=forged-key")


async def test_a_session_from_before_a_password_change_is_not_the_user_any_more(moderator):
    client = Client()
    await sync_to_async(client.force_login)(moderator)
    cookie = session_cookie_of(client)

    def change_password() -> None:
        moderator.set_password("a new passphrase that is long enough")
        moderator.save()

    await sync_to_async(change_password)()
    assert not await _handshake("/ws/moderation/", cookie=cookie)


async def test_the_consumer_gets_one_scope_with_everything_it_needs():
    seen: list[dict[str, object]] = []

    async def consumer(scope, receive, send):
        seen.append(scope)

    entry = WebsocketEntry([path("ws/rooms/<slug:slug>/", consumer)])
    await entry(
        {
            "type": "websocket",
            "path": "/ws/rooms/quiet-corner/",
            "headers": [(b"origin", ORIGIN), (b"cookie", b"hearth_session=abc; other=1")],
        },
        None,
        None,
    )
    (scope,) = seen
    assert scope["url_route"] == {"args": (), "kwargs": {"slug": "quiet-corner"}}
    assert scope["cookies"] == {"hearth_session": "abc", "other": "1"}
    assert scope["session"].session_key is None  # "abc" is no valid key: a fresh session
    assert "user" in scope
