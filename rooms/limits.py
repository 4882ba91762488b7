"""Limits against floods: connections per identity and per address, handshakes, frames.

Addresses are never stored or logged. Where one is needed to count, it becomes a keyed hash
whose key changes every day (``address_key``), held in memory here, and in Redis only inside a
rate-limit bucket that expires within seconds.

* connections per identity and per address: counted per process (with N processes behind a load
  balancer, a flood meets N times the limit, still bounded);
* handshakes per address: a token bucket on the backplane, shared by all processes;
* frames per connection: a token bucket in the connection, no I/O at all.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.crypto import salted_hmac


def address_key(scope: dict[str, Any]) -> str | None:
    """A keyed hash of the client's address that changes every day; None if unknown."""
    client = scope.get("client")
    return address_hash(str(client[0])) if client else None


def address_hash(address: str | None) -> str | None:
    """The day's keyed hash of a network address (limits count by it; nothing stores it)."""
    if not address:
        return None
    day = time.strftime("%Y-%m-%d", time.gmtime())
    return salted_hmac(f"hearth.address.{day}", address, algorithm="sha256").hexdigest()[:24]


@dataclass
class ConnectionCounts:
    """Open connections of this process, by identity and by address key."""

    by_identity: Counter[str] = field(default_factory=Counter)
    by_address: Counter[str] = field(default_factory=Counter)

    def admit(self, identity_key: str, address: str | None) -> str | None:
        """Count a new connection, or say (a sentence) why it is refused."""
        if self.by_identity[identity_key] >= settings.HEARTH_MAX_CONNECTIONS_PER_IDENTITY:
            return "You have too many Hearth windows open. Close one and try again."
        if address and self.by_address[address] >= settings.HEARTH_MAX_CONNECTIONS_PER_ADDRESS:
            return "Too many connections come from your network right now. Try again soon."
        self.by_identity[identity_key] += 1
        if address:
            self.by_address[address] += 1
        return None

    def release(self, identity_key: str, address: str | None) -> None:
        _decrement(self.by_identity, identity_key)
        if address:
            _decrement(self.by_address, address)


def _decrement(counts: Counter[str], key: str) -> None:
    counts[key] -= 1
    if counts[key] <= 0:
        del counts[key]


connection_counts = ConnectionCounts()


class FrameBucket:
    """Frames a connection may send: a burst, refilled at a steady rate."""

    __slots__ = ("_burst", "_rate", "_tokens", "_updated", "denied_in_a_row")

    def __init__(self, *, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._updated = time.monotonic()
        self.denied_in_a_row = 0

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            self.denied_in_a_row = 0
            return True
        self.denied_in_a_row += 1
        return False


async def handshake_refusal(address: str | None) -> str | None:
    """Why a handshake from this network is refused (too many in a short time), or None.

    Asked before anything else is read for the handshake: a flood costs one backplane call each.
    """
    if address is None:
        return None
    from rooms.hub import get_hub

    hub = await get_hub()
    wait = await hub.backplane.take_token(
        f"handshake:{address}",
        burst=settings.HEARTH_HANDSHAKE_BURST,
        refill_seconds=settings.HEARTH_HANDSHAKE_REFILL_SECONDS,
    )
    if wait > 0:
        return "Too many connections from your network in a short time. Try again soon."
    return None


def admit_connection(identity_key: str, address: str | None) -> str | None:
    """Count a connection that passed ``handshake_refusal``, or say why it is refused."""
    return connection_counts.admit(identity_key, address)


def release_connection(identity_key: str, address: str | None) -> None:
    connection_counts.release(identity_key, address)


# Denied frames in a row after which a connection is closed as a flood.
FLOOD_CLOSE_AFTER = 200
