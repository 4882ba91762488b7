"""The websocket handshakes' session store (server/sessions.py) reads and writes what Django's does.

It is Django's database session store with its read and its update in plain SQL: each case here
is checked against Django's own store on the same rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from rooms.identity import ROOMS_SEEN_KEY, SESSION_KEY
from server.sessions import HandshakeSessionStore
from server.websocket_entry import WebsocketEntry

pytestmark = [pytest.mark.django_db]


def _django_session(**data: object) -> str:
    store = DjangoStore()
    store.update(data)
    store.save()
    return str(store.session_key)


def test_handshakes_use_it_when_sessions_are_in_the_database():
    assert WebsocketEntry([]).session_store is HandshakeSessionStore


def test_it_reads_what_django_wrote():
    key = _django_session(**{SESSION_KEY: "token", ROOMS_SEEN_KEY: {"a-room": 7}})

    store = HandshakeSessionStore(key)

    assert store[SESSION_KEY] == "token" and store[ROOMS_SEEN_KEY] == {"a-room": 7}
    assert store.session_key == key


@pytest.mark.parametrize("store_class", [DjangoStore, HandshakeSessionStore])
def test_an_expired_session_is_not_read_and_its_key_is_dropped(store_class):
    key = _django_session(**{SESSION_KEY: "token"})
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))

    store = store_class(key)

    assert store.get(SESSION_KEY) is None and store.session_key is None


@pytest.mark.parametrize("store_class", [DjangoStore, HandshakeSessionStore])
def test_an_unknown_key_reads_as_an_empty_session(store_class):
    store = store_class("nosuchsessionkeyatall")

    assert store.get(SESSION_KEY) is None and store.session_key is None


def test_an_update_is_what_django_reads_back_with_the_same_expiry():
    key = _django_session(**{SESSION_KEY: "token"})
    before = Session.objects.get(session_key=key).expire_date

    store = HandshakeSessionStore(key)
    store[ROOMS_SEEN_KEY] = {"a-room": 3}
    store.save()

    again = DjangoStore(key)
    assert again[SESSION_KEY] == "token" and again[ROOMS_SEEN_KEY] == {"a-room": 3}
    assert Session.objects.get(session_key=key).expire_date >= before
    assert Session.objects.count() == 1


@pytest.mark.parametrize("store_class", [DjangoStore, HandshakeSessionStore])
def test_updating_a_session_deleted_meanwhile_raises_update_error(store_class):
    key = _django_session(**{SESSION_KEY: "token"})
    store = store_class(key)
    store[ROOMS_SEEN_KEY] = {"a-room": 3}
    Session.objects.filter(session_key=key).delete()

    with pytest.raises(UpdateError):
        store.save()


def test_a_new_session_is_created_as_django_creates_it():
    store = HandshakeSessionStore()
    store[SESSION_KEY] = "token"
    store.save()

    assert DjangoStore(store.session_key)[SESSION_KEY] == "token"
