"""The Redis backplane: rooms shared by several processes. The only module that talks to Redis.

* Room events: Redis pub/sub, one subscription per process per room (channel
  ``hearth:room:<slug>``), read by one task per process.
* Presence: hash ``hearth:presence:<slug>`` maps a process id to the number of people that
  process holds; ``hearth:alive:<process>`` expires unless the process keeps beating, so the
  counts of a killed process stop counting within HEARTH_PRESENCE_TTL_SECONDS.
* Rate limits: a token bucket per key, updated atomically by a Lua script on Redis' clock.

When the connection is lost the reader reconnects with backoff, follows every room again and
reports the outage through the status handler, so the rooms can refill any gap from the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import weakref
from typing import Any

import redis
import redis.asyncio as aioredis
from django.conf import settings

from rooms.backplane import ControlHandler, PresenceCount, RoomEventHandler, StatusHandler
from rooms.backplane.handoff import LoopHandoff
from rooms.backplane.local import take_local_token

logger = logging.getLogger(__name__)

ROOM_CHANNEL = "hearth:room:"
PRESENCE_KEY = "hearth:presence:"
PRESENCE_VERSION_KEY = "hearth:presence-version:"
ALIVE_KEY = "hearth:alive:"
BUCKET_KEY = "hearth:rate:"

# KEYS: presence hash, version counter. ARGV: process id, local count, alive-key prefix.
_SET_PRESENCE = """
if tonumber(ARGV[2]) > 0 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[3] .. fields[i]) == 1 then
    total = total + tonumber(fields[i + 1])
  else
    redis.call('HDEL', KEYS[1], fields[i])
  end
end
local version = redis.call('INCR', KEYS[2])
return {total, version}
"""

# KEYS[1] presence hash; ARGV[1] alive prefix
_PRESENCE_TOTAL = """
local total = 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  if redis.call('EXISTS', ARGV[1] .. fields[i]) == 1 then
    total = total + tonumber(fields[i + 1])
  end
end
return total
"""

# KEYS[1] bucket; ARGV[1] burst, ARGV[2] refill seconds per token. Returns ms until a token.
_TAKE_TOKEN = """
local burst = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or burst
local updated = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - updated) / refill)
local wait_ms = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait_ms = math.ceil((1 - tokens) * refill * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * refill * 1000) + 1000)
return wait_ms
"""

PROCESS_ID = f"{os.getpid()}-{secrets.token_hex(4)}"
# Every process follows the control channel: blocks, notices and kicks for one identity.
CONTROL_CHANNEL = "hearth:control"


def _room_of(channel: str) -> str:
    return channel[len(ROOM_CHANNEL) :]


# Every started Redis backplane of this process, for events Redis did not take from a request
# thread: those still reach this process's own rooms (see ``publish_sync``).
_running: weakref.WeakSet[RedisBackplane] = weakref.WeakSet()


class RedisBackplane(LoopHandoff):
    def __init__(self, url: str) -> None:
        self._url = url
        self._redis = aioredis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=5
        )
        self._followed: set[str] = set()
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._pubsub: Any = None
        self._on_event: RoomEventHandler | None = None
        self._on_control: ControlHandler | None = None
        self._on_status: StatusHandler | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._set_presence = self._redis.register_script(_SET_PRESENCE)
        self._presence_total = self._redis.register_script(_PRESENCE_TOTAL)
        self._take_token = self._redis.register_script(_TAKE_TOKEN)
        self._ttl = int(settings.HEARTH_PRESENCE_TTL_SECONDS)

    async def start(
        self, *, on_event: RoomEventHandler, on_control: ControlHandler, on_status: StatusHandler
    ) -> None:
        self._on_event = on_event
        self._on_control = on_control
        self._on_status = on_status
        self._loop = asyncio.get_running_loop()
        _running.add(self)
        try:
            await self._beat()
            await self._connect()
        except (redis.RedisError, OSError):
            logger.warning("redis is not reachable; rooms will connect when it is")
            await self._close_pubsub()
        self._tasks = [
            asyncio.create_task(self._read_forever(), name="hearth-redis-reader"),
            asyncio.create_task(self._beat_forever(), name="hearth-redis-heartbeat"),
        ]

    async def close(self) -> None:
        _running.discard(self)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(redis.RedisError, OSError):
            await self._redis.delete(ALIVE_KEY + PROCESS_ID)
            for room in self._followed:
                await self._redis.hdel(PRESENCE_KEY + room, PROCESS_ID)
        await self._close_pubsub()
        await self._redis.aclose()

    async def follow(self, room: str) -> None:
        self._followed.add(room)
        pubsub = self._pubsub
        if pubsub is None:
            return  # the reader subscribes to every followed room when it (re)connects
        channel = ROOM_CHANNEL + room
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations[channel] = confirmed
        try:
            await pubsub.subscribe(channel)
            await asyncio.wait_for(confirmed, timeout=5)
        except (redis.RedisError, OSError, TimeoutError):
            logger.warning("could not follow a room; the reader will retry on reconnect")
        finally:
            self._confirmations.pop(channel, None)

    async def unfollow(self, room: str) -> None:
        self._followed.discard(room)
        if self._pubsub is not None:
            with contextlib.suppress(redis.RedisError, OSError):
                await self._pubsub.unsubscribe(ROOM_CHANNEL + room)

    async def publish(self, room: str, payload: str) -> None:
        await self._redis.publish(ROOM_CHANNEL + room, payload)

    async def publish_control(self, payload: str) -> None:
        await self._redis.publish(CONTROL_CHANNEL, payload)

    async def set_presence(self, room: str, local_count: int) -> PresenceCount:
        total, version = await self._set_presence(
            keys=[PRESENCE_KEY + room, PRESENCE_VERSION_KEY + room],
            args=[PROCESS_ID, local_count, ALIVE_KEY],
        )
        return PresenceCount(total=int(total), version=int(version))

    async def presence_total(self, room: str) -> int:
        return int(await self._presence_total(keys=[PRESENCE_KEY + room], args=[ALIVE_KEY]))

    async def take_token(self, bucket: str, *, burst: int, refill_seconds: float) -> float:
        try:
            wait_ms = await self._take_token(
                keys=[BUCKET_KEY + bucket], args=[burst, refill_seconds]
            )
        except (redis.RedisError, OSError):
            # Limits still hold while Redis is away, per process instead of across them.
            return take_local_token(bucket, burst=burst, refill_seconds=refill_seconds)
        return int(wait_ms) / 1000.0

    # --- background tasks ----------------------------------------------------------------------

    async def _beat(self) -> None:
        await self._redis.set(ALIVE_KEY + PROCESS_ID, "1", ex=self._ttl)

    async def _beat_forever(self) -> None:
        while True:
            await asyncio.sleep(self._ttl / 3)
            try:
                await self._beat()
            except (redis.RedisError, OSError):
                logger.warning("redis heartbeat failed")

    async def _connect(self) -> Any:
        pubsub = self._redis.pubsub()
        # Published before subscribing, so that a concurrent follow() either sees this pubsub
        # and subscribes itself, or has already added its room to the list read just below.
        self._pubsub = pubsub
        await pubsub.subscribe(CONTROL_CHANNEL, *[ROOM_CHANNEL + room for room in self._followed])
        return pubsub

    async def _read_forever(self) -> None:
        backoff = 0.1
        pubsub = self._pubsub
        while True:
            try:
                if pubsub is None:
                    pubsub = await self._connect()
                    # A restarted Redis has lost this process's liveness key: count it again
                    # before the rooms recount their presence.
                    await self._beat()
                    if self._on_status is not None:
                        self._on_status(True)
                backoff = 0.1
                await self._read(pubsub)
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError) as error:
                logger.warning("redis pub/sub connection lost: %s", type(error).__name__)
            pubsub = None
            await self._close_pubsub()
            if self._on_status is not None:
                self._on_status(False)
            await asyncio.sleep(backoff)
            backoff = min(backoff * 2, 2.0)

    async def _read(self, pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(timeout=1.0)
            if message is None:
                continue
            kind = message["type"]
            channel = message["channel"]
            if kind == "message":
                try:
                    if channel == CONTROL_CHANNEL:
                        if self._on_control is not None:
                            self._on_control(message["data"])
                    elif self._on_event is not None:
                        self._on_event(_room_of(channel), message["data"])
                except Exception:
                    logger.exception("an event from the backplane could not be handled")
            elif kind == "subscribe":
                confirmed = self._confirmations.get(channel)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()


def presence_counts_sync(url: str, rooms: list[str]) -> dict[str, int] | None:
    """Participants per room, for synchronous callers (the HTTP API, the purge); None if Redis
    did not answer."""
    if not rooms:
        return {}
    client = _sync_client(url)
    script = client.register_script(_PRESENCE_TOTAL)
    try:
        with client.pipeline(transaction=False) as pipe:
            for room in rooms:
                script(keys=[PRESENCE_KEY + room], args=[ALIVE_KEY], client=pipe)
            totals = pipe.execute()
    except (redis.RedisError, OSError):
        logger.warning("presence counts unavailable: redis did not answer")
        return None
    return {room: int(total) for room, total in zip(rooms, totals, strict=True)}


def publish_sync(url: str, *, room: str | None, payload: str) -> bool:
    """Publish from synchronous code (request threads): a room event, or a control event.
    False, logged, if Redis did not take it (see ``rooms.backplane.publish_from_sync``); the
    rooms of this process then get it all the same, as the in-process backplane would."""
    channel = CONTROL_CHANNEL if room is None else ROOM_CHANNEL + room
    try:
        _sync_client(url).publish(channel, payload)
    except (redis.RedisError, OSError):
        logger.warning("a live event could not be published: redis did not answer")
        for backplane in list(_running):
            backplane.deliver_threadsafe(room=room, payload=payload)
        return False
    return True


def ping_sync(url: str) -> bool:
    try:
        return bool(_sync_client(url).ping())
    except (redis.RedisError, OSError):
        return False


_sync_clients: dict[str, redis.Redis] = {}


def _sync_client(url: str) -> redis.Redis:
    client = _sync_clients.get(url)
    if client is None:
        client = redis.Redis.from_url(
            url, decode_responses=True, socket_connect_timeout=2, socket_timeout=2
        )
        _sync_clients[url] = client
    return client
