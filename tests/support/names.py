"""Identities whose pseudonyms clash in a room, made on purpose (a few hundred draws)."""

from __future__ import annotations

import itertools

from rooms.identity import Identity, new_identity


def twins(slug: str) -> tuple[Identity, Identity]:
    """Two identities whose first choice of name in this room is the same."""
    seen: dict[str, Identity] = {}
    while True:
        identity = new_identity()
        alias = identity.alias_in(slug)
        if alias in seen:
            return seen[alias], identity
        seen[alias] = identity


def second_name(identity: Identity, slug: str) -> str:
    """The name this identity takes in the room when someone else holds its first."""
    return next(itertools.islice(identity.aliases_in(slug), 1, None))
