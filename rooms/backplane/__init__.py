"""The backplane: what the room processes share with each other.

Three things cross process boundaries: room events (pub/sub, one subscription per process per
room), presence counts and rate-limit buckets. ``local`` keeps them in this process (one laptop,
no services); ``redis`` shares them through Redis. ``rooms.backplane.redis`` is the only module of
Hearth that talks to Redis.

A backplane instance belongs to one event loop; ``presence_counts`` is synchronous and may be
called from any thread (the HTTP API reads it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

RoomEventHandler = Callable[[str, str], None]
"""Called with (room slug, payload) for every event published to a room this process follows."""

ControlHandler = Callable[[str], None]
"""Called with the payload of every control event (blocks, notices to one identity, kicks)."""

StatusHandler = Callable[[bool], None]
"""Called with False when the backplane loses its connection and True when it is back."""


@dataclass(frozen=True, slots=True)
class PresenceCount:
    total: int
    version: int


class Backplane(Protocol):
    async def start(
        self, *, on_event: RoomEventHandler, on_control: ControlHandler, on_status: StatusHandler
    ) -> None:
        """Begin delivering events of followed rooms to ``on_event``, control events to
        ``on_control``."""

    async def close(self) -> None:
        """Stop delivering events and release connections."""

    async def follow(self, room: str) -> None:
        """Receive the room's events from now on (returns once the subscription is active)."""

    async def unfollow(self, room: str) -> None:
        """Stop receiving the room's events."""

    async def publish(self, room: str, payload: str) -> None:
        """Send an event to every process following the room, this one included."""

    async def publish_control(self, payload: str) -> None:
        """Send a control event to every process, this one included."""

    async def set_presence(self, room: str, local_count: int) -> PresenceCount:
        """Record how many people this process holds in the room; return the total of all."""

    async def presence_total(self, room: str) -> int:
        """The number of people in the room across all processes."""

    async def take_token(self, bucket: str, *, burst: int, refill_seconds: float) -> float:
        """Take one token from a rate-limit bucket: 0.0 if taken, else seconds until one is."""


def uses_redis() -> bool:
    return bool(settings.REDIS_URL)


def new_backplane() -> Backplane:
    if uses_redis():
        from rooms.backplane.redis import RedisBackplane

        return RedisBackplane(settings.REDIS_URL)
    from rooms.backplane.local import LocalBackplane

    return LocalBackplane()


def publish_from_sync(*, room: str | None, payload: str) -> bool:
    """Publish a room event (or, with ``room=None``, a control event) from synchronous code.

    Used by moderation actions, releases, blocks and facilitators' commands, which run in request
    or database threads after their change is committed. Never raises: the change is stored and
    stands, and an event Redis did not take is logged and returns False. Hubs catch up on what
    they missed when their own connection comes back (``RoomHub._resync``: messages, removals,
    blocks, the facilitated state). Without Redis the event goes to the hubs of this process on
    their own event loops.
    """
    if uses_redis():
        from rooms.backplane.redis import publish_sync

        return publish_sync(settings.REDIS_URL, room=room, payload=payload)
    from rooms.backplane.local import publish_to_local_backplanes

    publish_to_local_backplanes(room=room, payload=payload)
    return True


def backplane_healthy() -> bool:
    """True if the shared backplane answers (always true in-process)."""
    if uses_redis():
        from rooms.backplane.redis import ping_sync

        return ping_sync(settings.REDIS_URL)
    return True


def presence_counts(rooms: list[str]) -> dict[str, int]:
    """Participants per room across all processes, for the HTTP API (synchronous); none
    counted when they cannot be read (a page shows no count rather than failing)."""
    return known_presence_counts(rooms) or {}


def known_presence_counts(rooms: list[str]) -> dict[str, int] | None:
    """Participants per room across all processes, or None when this process cannot know:
    Redis did not answer, or without Redis this process serves no rooms (a purge runner in a
    process of its own sees nobody, though people may be in every room)."""
    if uses_redis():
        from rooms.backplane.redis import presence_counts_sync

        return presence_counts_sync(settings.REDIS_URL, rooms)
    from rooms.backplane.local import local_presence_counts, serves_rooms

    return local_presence_counts(rooms) if serves_rooms() else None
