"""Anonymous identities and pseudonyms."""

from __future__ import annotations

import itertools

import pytest
from django.contrib.sessions.backends.db import SessionStore

from rooms.identity import SESSION_KEY, Identity, ensure_identity, identity_in_scope, new_identity
from rooms.pseudonyms import ADJECTIVES, CREATURES, pseudonym_from_number


def test_alias_is_stable_in_a_room_and_different_across_rooms():
    identity = new_identity()
    assert identity.alias_in("going-no-contact") == identity.alias_in("going-no-contact")
    aliases = {identity.alias_in(f"room-{n}") for n in range(20)}
    assert len(aliases) > 15


def test_aliases_depend_on_the_secret_key(settings):
    identity = Identity(token="fixed-token")
    before = (identity.alias_in("room"), identity.key)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert (identity.alias_in("room"), identity.key) != before


def test_pseudonyms_spread_over_the_whole_name_space():
    names = {new_identity().alias_in("room") for _ in range(3000)}
    # 3,000 draws from 16,256 names: a hash that spreads evenly gives ~2,750 distinct ones.
    assert len(names) > 2500
    for name in list(names)[:50]:
        adjective, creature = name.split(" ")
        assert adjective in ADJECTIVES and creature in CREATURES


def test_pseudonym_never_repeats_a_word():
    for number in range(len(ADJECTIVES) * len(CREATURES) * 2):
        adjective, creature = pseudonym_from_number(number).split(" ")
        assert adjective != creature


def test_key_is_not_the_token_and_has_fixed_length():
    identity = new_identity()
    assert identity.token not in identity.key
    assert len(identity.key) == 32


@pytest.mark.django_db
def test_ensure_identity_creates_once_per_session():
    session = SessionStore()
    first = ensure_identity(session)
    assert session[SESSION_KEY] == first.token
    assert ensure_identity(session) == first


@pytest.mark.django_db
def test_handshake_without_session_identity_gets_a_one_off_identity():
    assert identity_in_scope({}) != identity_in_scope({})
    session = SessionStore()
    session[SESSION_KEY] = "known"
    assert identity_in_scope({"session": session}) == Identity(token="known")


def test_the_names_to_fall_back_on_start_with_the_first_and_are_stable():
    identity = new_identity()
    names = list(itertools.islice(identity.aliases_in("room"), 5))
    assert names[0] == identity.alias_in("room")
    assert names == list(itertools.islice(identity.aliases_in("room"), 5))
    assert len(set(names)) >= 4  # derived names: a repeat is possible but rare
