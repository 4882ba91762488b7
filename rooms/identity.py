"""Anonymous identities: who a visitor is to Hearth, without a name.

An identity is a random token kept in the visitor's Django session (no account, no email, no IP).
Nothing derived from it is reversible without the server's SECRET_KEY:

* ``key``: a keyed hash stored with the person's messages, used for idempotency, rate limits,
  blocks and moderation. It never appears in a frame.
* ``alias_in(room)``: the pseudonym in one room, from a keyed hash of token and room, so the same
  person has unrelated names in two rooms. ``aliases_in(room)`` gives the names to fall back on,
  in order, when someone else already holds it there (``rooms.pseudonym_store`` decides).

This module owns reading and creating identities from sessions. It must not touch the database
itself: session storage does that through Django's session API.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import salted_hmac

from rooms.pseudonyms import pseudonym_from_number

SESSION_KEY = "hearth_identity"
# Derived names an identity may fall back on in a room before numbered ones ("Quiet Heron 2").
# With 16,256 names, 32 clashes in a row take a room where almost every name is held.
DERIVED_ALIASES = 32
ROOMS_SEEN_KEY = "hearth_rooms_seen"


@dataclass(frozen=True, slots=True)
class Identity:
    token: str
    # Worked out once: a join reads it several times (limits, hub, membership, outbox).
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = salted_hmac("hearth.identity.key", self.token, algorithm="sha256").hexdigest()[:32]
        object.__setattr__(self, "key", key)

    def alias_in(self, room_slug: str) -> str:
        """The name this identity would like in the room: ``aliases_in``'s first."""
        return self._derived_alias(f"{self.token}\x00{room_slug}")

    def aliases_in(self, room_slug: str) -> Iterator[str]:
        """Every name this identity may go by in the room, in order of preference (endless).

        The person gets the first that nobody else holds there. Each derived name is a keyed hash
        of token, room and its place in the order, so the fallbacks are as unrelated across rooms
        as the first name, and someone who wants a particular person's name cannot aim for a
        near copy of it. Numbered names come only after ``DERIVED_ALIASES`` clashes.
        """
        first = self.alias_in(room_slug)
        yield first
        for place in range(1, DERIVED_ALIASES):
            yield self._derived_alias(f"{self.token}\x00{room_slug}\x00{place}")
        for number in itertools.count(2):
            yield f"{first} {number}"

    @staticmethod
    def _derived_alias(message: str) -> str:
        digest = salted_hmac("hearth.identity.alias", message, algorithm="sha256").digest()
        return pseudonym_from_number(int.from_bytes(digest[:8], "big"))


def new_identity() -> Identity:
    return Identity(token=secrets.token_urlsafe(24))


def ensure_identity(session: SessionBase) -> Identity:
    """The identity held in this session, created and stored there on first use."""
    token = session.get(SESSION_KEY)
    if isinstance(token, str) and token:
        return Identity(token=token)
    identity = new_identity()
    session[SESSION_KEY] = identity.token
    return identity


def identity_in_scope(scope: dict[str, Any]) -> Identity:
    """The identity of a websocket handshake.

    The session must already be loaded (see ``rooms.consumers``). A handshake without a session
    identity gets one for this connection only: daphne cannot set a cookie on a websocket upgrade,
    so pages set the cookie first and only non-browser clients reach this fallback.
    """
    return session_identity(scope) or new_identity()


def session_identity(scope: dict[str, Any]) -> Identity | None:
    """The identity kept in the handshake's session, or None if it has none."""
    session = scope.get("session")
    token = session.get(SESSION_KEY) if session is not None else None
    if isinstance(token, str) and token:
        return Identity(token=token)
    return None


def history_floor(scope: dict[str, Any], room_slug: str) -> int | None:
    """The room's last seq when this identity first joined it, or None on a first visit.

    Resuming never replays messages from before a person's first visit: someone who just arrived
    cannot page back through what others said before they came.
    """
    session = scope.get("session")
    if session is None or not session.get(SESSION_KEY):
        return None
    seen = session.get(ROOMS_SEEN_KEY) or {}
    floor = seen.get(room_slug) if isinstance(seen, dict) else None
    return floor if isinstance(floor, int) else None


def remember_first_visit(scope: dict[str, Any], room_slug: str, last_seq: int) -> None:
    """Record where this identity's history in the room begins (a session write, once per room)."""
    session = scope.get("session")
    if session is None or not session.get(SESSION_KEY):
        return
    seen = dict(session.get(ROOMS_SEEN_KEY) or {})
    if room_slug in seen:
        return
    seen[room_slug] = last_seq
    session[ROOMS_SEEN_KEY] = seen
    session.save()
