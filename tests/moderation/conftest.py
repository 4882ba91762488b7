"""Fixtures for moderation tests: moderators, signed-in sessions, and room clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from tests.rooms.conftest import connect, make_room, room  # noqa: F401  (shared fixtures)


@pytest.fixture
def make_user(transactional_db: None) -> Callable[..., User]:
    def _make_user(username: str, *, moderator: bool = False, staff: bool = False) -> User:
        user = User.objects.create_user(username=username, password="not-used-in-tests")
        user.is_staff = staff
        user.save()
        if moderator:
            user.groups.add(Group.objects.get_or_create(name="moderators")[0])
        return user

    return _make_user


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    return make_user("mod", moderator=True)


@pytest.fixture
def mod_client(moderator: User) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


def session_cookie_of(client: Client) -> bytes:
    return f"hearth_session={client.cookies['hearth_session'].value}".encode()
