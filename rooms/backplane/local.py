"""The in-process backplane: for one process with no Redis (``make run`` on a laptop).

Presence and rate-limit state is process-wide (guarded by a lock) so that the HTTP API, which runs
in worker threads, reads the same counts as the websocket side.
"""

from __future__ import annotations

import asyncio
import threading
import time
import weakref
from collections import defaultdict

from rooms.backplane import ControlHandler, PresenceCount, RoomEventHandler, StatusHandler
from rooms.backplane.handoff import LoopHandoff

_lock = threading.Lock()
# room -> {backplane instance id -> count}: several event loops (tests) may share one process.
_presence: dict[str, dict[int, int]] = defaultdict(dict)
_presence_version: dict[str, int] = defaultdict(int)
_buckets: dict[str, tuple[float, float]] = {}
_MAX_BUCKETS = 50_000


# Every started local backplane of this process, for events published from other threads.
_started: weakref.WeakSet[LocalBackplane] = weakref.WeakSet()


def publish_to_local_backplanes(*, room: str | None, payload: str) -> None:
    for backplane in list(_started):
        backplane.deliver_threadsafe(room=room, payload=payload)


def serves_rooms() -> bool:
    """Whether this process runs rooms (has a started backplane), and so knows who is in them."""
    return bool(_started)


def local_presence_counts(rooms: list[str]) -> dict[str, int]:
    with _lock:
        return {room: sum(_presence.get(room, {}).values()) for room in rooms}


class LocalBackplane(LoopHandoff):
    def __init__(self) -> None:
        self._on_event: RoomEventHandler | None = None
        self._on_control: ControlHandler | None = None
        self._followed: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(
        self, *, on_event: RoomEventHandler, on_control: ControlHandler, on_status: StatusHandler
    ) -> None:
        self._on_event = on_event
        self._on_control = on_control
        self._loop = asyncio.get_running_loop()
        _started.add(self)

    async def close(self) -> None:
        _started.discard(self)
        with _lock:
            for room in self._followed:
                _presence[room].pop(id(self), None)
        self._followed.clear()
        self._on_event = None
        self._on_control = None

    async def follow(self, room: str) -> None:
        self._followed.add(room)

    async def unfollow(self, room: str) -> None:
        self._followed.discard(room)

    async def publish(self, room: str, payload: str) -> None:
        self._deliver(room, payload)

    async def publish_control(self, payload: str) -> None:
        for backplane in list(_started):
            if backplane is self:
                self._deliver(None, payload)
            else:
                backplane.deliver_threadsafe(room=None, payload=payload)

    async def set_presence(self, room: str, local_count: int) -> PresenceCount:
        with _lock:
            if local_count:
                _presence[room][id(self)] = local_count
            else:
                _presence[room].pop(id(self), None)
            _presence_version[room] += 1
            return PresenceCount(
                total=sum(_presence[room].values()), version=_presence_version[room]
            )

    async def presence_total(self, room: str) -> int:
        with _lock:
            return sum(_presence.get(room, {}).values())

    async def take_token(self, bucket: str, *, burst: int, refill_seconds: float) -> float:
        return take_local_token(bucket, burst=burst, refill_seconds=refill_seconds)


def take_local_token(bucket: str, *, burst: int, refill_seconds: float) -> float:
    """A token bucket in this process: 0.0 if a token was taken, else seconds until one is."""
    now = time.monotonic()
    with _lock:
        if len(_buckets) > _MAX_BUCKETS:
            _forget_full_buckets(now, burst=burst, refill_seconds=refill_seconds)
        tokens, updated = _buckets.get(bucket, (float(burst), now))
        tokens = min(float(burst), tokens + (now - updated) / refill_seconds)
        if tokens >= 1.0:
            _buckets[bucket] = (tokens - 1.0, now)
            return 0.0
        _buckets[bucket] = (tokens, now)
        return (1.0 - tokens) * refill_seconds


def _forget_full_buckets(now: float, *, burst: int, refill_seconds: float) -> None:
    """Drop buckets that have refilled completely: they hold no information any more."""
    full_after = burst * refill_seconds
    for bucket, (_tokens, updated) in list(_buckets.items()):
        if now - updated >= full_after:
            del _buckets[bucket]
