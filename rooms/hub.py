"""Process-local fan-out: every room this process serves, and the outboxes of its connections.

One hub per event loop (a daphne process has one). For each room with local connections the hub
follows the room on the backplane once, and for each room event it encodes nothing: the frame
arrives encoded and is offered as is to every local outbox. No ORM, no channel layer and no thread
hop on this path.

Order: seqs are taken in the database, so events from several processes can arrive out of order,
or not at all if a publisher died. The hub delivers each room's messages in seq order with no gaps:
an early arrival waits, and a gap still open after HEARTH_GAP_FILL_SECONDS is filled from the
database (``rooms.selectors``), as is everything after a backplane outage.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from moderation.blocks import blocked_by_each
from rooms import selectors
from rooms.backplane import Backplane, new_backplane
from rooms.circle import selectors as circle_selectors
from rooms.db import in_db
from rooms.events import (
    ALL_ROOMS,
    BLOCK_EVENT,
    CIRCLE_EVENT,
    IDENTITY_EVENT,
    MESSAGE_EVENT,
    NOTICE_EVENT,
    PRESENCE_EVENT,
    REMOVAL_EVENT,
    ROOM_CLOSE_EVENT,
    SEAT_CHECK_EVENT,
    UNBLOCK_EVENT,
    WINDOW_EVENT,
    CircleSnapshot,
    decode_circle_event,
    decode_seat_check_event,
    encode_message_event,
    encode_presence_event,
)
from rooms.outbox import Frame, Outbox
from rooms.protocol import (
    CloseCode,
    ErrorCode,
    error_frame,
    message_removed_frame,
    presence_frame,
    status_frame,
)
from rooms.pseudonym_store import keep_pseudonyms

logger = logging.getLogger(__name__)


@dataclass
class LocalRoom:
    slug: str
    outboxes: set[Outbox] = field(default_factory=set)
    identities: dict[str, int] = field(default_factory=dict)
    delivered: int | None = None
    early: dict[int, tuple[str, Frame]] = field(default_factory=dict)
    gap_fill: asyncio.TimerHandle | asyncio.Task[None] | None = None
    participants: int = 0
    presence_version: int = 0
    circle: CircleSnapshot | None = None  # the newest facilitated state seen (rooms.circle)
    presence_sent: int | None = None  # the count the last presence frame carried
    presence_sent_at: float = 0.0
    presence_flush: asyncio.TimerHandle | None = None
    closing: asyncio.TimerHandle | None = None  # a session room's scheduled end (rooms.session_end)
    closing_at: float | None = None
    closing_fire: Callable[[], None] | None = None

    def offer(self, seq: int, author_key: str, frame: Frame) -> None:
        for outbox in self.outboxes:
            outbox.offer(seq, author_key, frame)

    def notify_all(self, text: str) -> None:
        frame = Frame(text)
        for outbox in self.outboxes:
            outbox.notify(frame)


@dataclass
class _PresenceWrites:
    """A room's count on its way to the backplane: the task writing it, and the calls waiting
    for a write that starts after them."""

    task: asyncio.Task[None] | None = None
    waiting: list[asyncio.Future[int]] = field(default_factory=list)


class RoomHub:
    def __init__(self, backplane: Backplane) -> None:
        self.backplane = backplane
        self._rooms: dict[str, LocalRoom] = {}
        self._by_identity: dict[str, set[tuple[str, Outbox]]] = {}
        self._presence_writes: dict[str, _PresenceWrites] = {}
        self._degraded = False
        self._name_keeper: asyncio.Task[None] | None = None
        self._resync_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.backplane.start(
            on_event=self._on_event, on_control=self._on_control, on_status=self._on_status
        )
        self._name_keeper = asyncio.get_running_loop().create_task(self._keep_names_forever())

    async def close(self) -> None:
        _cancel(self._name_keeper)
        _cancel(self._resync_task)
        for room in self._rooms.values():
            _cancel(room.gap_fill)
            _cancel(room.presence_flush)
            _cancel(room.closing)
        self._rooms.clear()
        for writes in list(self._presence_writes.values()):
            _cancel(writes.task)
        await self.backplane.close()

    # --- names of connected people --------------------------------------------------------------

    async def keep_names(self) -> int:
        """Mark every local connection's name in its room as in use now, so that the purge
        (``rooms.retention``), which frees names unused for the retention period, never frees the
        name of someone still connected: a connection can stay open for days without writing,
        and a freed name can be claimed by a newcomer while its holder still reads the room.
        Returns the number of names marked."""
        held = {
            slug: sorted(room.identities) for slug, room in self._rooms.items() if room.identities
        }
        if not held:
            return 0
        return await in_db(keep_pseudonyms)(held)

    async def _keep_names_forever(self) -> None:
        while True:
            await asyncio.sleep(name_keeping_interval())
            try:
                await self.keep_names()
            except Exception:  # the database is away: try again at the next interval
                logger.exception("the names of connected people could not be kept")

    # --- membership ---------------------------------------------------------------------------

    async def attach(self, slug: str, outbox: Outbox) -> None:
        """Start offering the room's messages to ``outbox`` (it buffers them until it is live)."""
        room = self._rooms.get(slug)
        if room is None:
            room = self._rooms[slug] = LocalRoom(slug=slug)
            await self.backplane.follow(slug)
        room.outboxes.add(outbox)
        room.identities[outbox.identity_key] = room.identities.get(outbox.identity_key, 0) + 1
        self._by_identity.setdefault(outbox.identity_key, set()).add((slug, outbox))

    async def detach(self, slug: str, outbox: Outbox) -> None:
        room = self._rooms.get(slug)
        if room is None or outbox not in room.outboxes:
            return
        room.outboxes.discard(outbox)
        connections = self._by_identity.get(outbox.identity_key)
        if connections is not None:
            connections.discard((slug, outbox))
            if not connections:
                del self._by_identity[outbox.identity_key]
        remaining = room.identities.get(outbox.identity_key, 0) - 1
        if remaining > 0:
            room.identities[outbox.identity_key] = remaining
        else:
            room.identities.pop(outbox.identity_key, None)
        if not room.outboxes:
            del self._rooms[slug]
            _cancel(room.gap_fill)
            _cancel(room.presence_flush)
            _cancel(room.closing)
            await self.backplane.unfollow(slug)
        await self.refresh_presence(slug)

    def call_at_wall_time(self, slug: str, when: datetime, callback: Callable[[], None]) -> None:
        """Run ``callback`` at ``when`` while this process serves the room (one timer a room:
        a later call replaces it; the timer goes when the room's last connection does)."""
        room = self._rooms.get(slug)
        if room is None:
            return
        at = when.timestamp()
        if room.closing is not None and room.closing_at == at:
            return
        _cancel(room.closing)
        loop = asyncio.get_running_loop()
        delay = max(0.0, (when - timezone.now()).total_seconds())

        def fire() -> None:
            # Spent: the callback may set another timer.
            room.closing, room.closing_at, room.closing_fire = None, None, None
            callback()

        room.closing, room.closing_at = loop.call_later(delay, fire), at
        room.closing_fire = fire

    @staticmethod
    def _fire_timer_now(room: LocalRoom) -> None:
        """Run the room's timer now, if it has one (what it waits for has changed)."""
        fire = room.closing_fire
        if fire is not None:
            _cancel(room.closing)
            fire()

    def close_locally(self, slug: str, *, frame: str, close_code: int) -> None:
        """Send every connection of the room in this process a last frame, then close it."""
        room = self._rooms.get(slug)
        if room is None:
            return
        for outbox in list(room.outboxes):
            outbox.push(frame)
            outbox.close_after_flush(close_code)

    def set_baseline(self, slug: str, last_seq: int) -> None:
        """Everything up to ``last_seq`` is in the database; deliver live from there on."""
        room = self._rooms.get(slug)
        if room is None:
            return
        if room.delivered is None or room.delivered < last_seq:
            room.delivered = last_seq
            self._drain(room)

    async def refresh_presence(self, slug: str) -> int:
        """Record this process's count for the room and tell every process the new total.

        Returns the total, counting every attach and detach made before the call. Calls made
        while an update of the room is on its way to the backplane are answered together by the
        next one: when hundreds join at once, one round trip records them all (the count is a
        snapshot, so the latest one is all anyone needs) instead of one per person.
        """
        writes = self._presence_writes.get(slug)
        if writes is None:
            writes = self._presence_writes[slug] = _PresenceWrites()
        answer: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        writes.waiting.append(answer)
        if writes.task is None:
            writes.task = asyncio.get_running_loop().create_task(self._write_presence(slug, writes))
        return await answer

    async def _write_presence(self, slug: str, writes: _PresenceWrites) -> None:
        """Write the room's count until no call waits for a newer one (one task per room)."""
        answers: list[asyncio.Future[int]] = []
        try:
            while writes.waiting:
                answers, writes.waiting = writes.waiting, []
                total = await self._write_presence_once(slug)
                for answer in answers:
                    if not answer.done():
                        answer.set_result(total)
                answers = []
        finally:
            writes.task = None
            if self._presence_writes.get(slug) is writes:
                del self._presence_writes[slug]
            for answer in [*answers, *writes.waiting]:  # only if cancelled (the hub closed)
                answer.cancel()

    async def _write_presence_once(self, slug: str) -> int:
        room = self._rooms.get(slug)
        local_count = len(room.identities) if room is not None else 0
        try:
            count = await self.backplane.set_presence(slug, local_count)
            room = self._rooms.get(slug)  # the room may have gone, or come back, meanwhile
            if room is not None:
                self._apply_presence(room, version=count.version, total=count.total)
            await self.backplane.publish(
                slug, encode_presence_event(version=count.version, total=count.total)
            )
        except Exception:  # an unreachable backplane must not break joining or leaving
            logger.warning("presence could not be updated for a room")
            room = self._rooms.get(slug)
            return room.participants if room is not None else 0
        return count.total

    @staticmethod
    def _apply_presence(room: LocalRoom, *, version: int, total: int) -> None:
        """Take a newer count (counts from several processes may arrive out of order)."""
        if version <= room.presence_version:
            return
        room.presence_version = version
        room.participants = total
        _send_presence_soon(room)

    async def participants(self, slug: str) -> int:
        try:
            return await self.backplane.presence_total(slug)
        except Exception:  # the backplane is away: count what this process can see
            room = self._rooms.get(slug)
            return max(room.participants, len(room.identities)) if room is not None else 0

    # --- facilitated state (rooms.circle) ------------------------------------------------------

    def circle(self, slug: str) -> CircleSnapshot | None:
        """The newest facilitated state of a room this process serves (no database read)."""
        room = self._rooms.get(slug)
        return room.circle if room is not None else None

    def keep_circle(self, slug: str, snapshot: CircleSnapshot) -> CircleSnapshot:
        """Keep ``snapshot`` if it is newer than the one held; return the newest."""
        room = self._rooms.get(slug)
        if room is None:
            return snapshot
        if room.circle is None or snapshot.version > room.circle.version:
            room.circle = snapshot
        return room.circle

    def has_identity(self, slug: str, identity_key: str) -> bool:
        """True if this identity still has a connection to the room in this process."""
        room = self._rooms.get(slug)
        return room is not None and identity_key in room.identities

    # --- publishing ---------------------------------------------------------------------------

    async def publish_message(self, slug: str, *, seq: int, author_key: str, frame: str) -> None:
        """Send a stored message to the room on every process.

        This process's connections get it at once, without waiting for the backplane's echo
        (which the seq check then skips). If the backplane is down the message is still stored,
        and other processes fill it in from the database when the backplane is back.
        """
        room = self._rooms.get(slug)
        if room is not None:
            self._receive(room, seq, author_key, Frame(frame))
        try:
            await self.backplane.publish(
                slug, encode_message_event(seq=seq, author_key=author_key, frame=frame)
            )
        except Exception:
            logger.warning("a message could not be published; other processes will fill it in")

    # --- events from the backplane ------------------------------------------------------------

    def _on_event(self, slug: str, payload: str) -> None:
        room = self._rooms.get(slug)
        if room is None:
            return
        if payload.startswith(MESSAGE_EVENT):
            header, _, frame = payload.partition("\n")
            seq_text, _, author_key = header[1:].partition(" ")
            self._receive(room, int(seq_text), author_key, Frame(frame))
        elif payload.startswith(PRESENCE_EVENT):
            version_text, _, total_text = payload[1:].partition(" ")
            self._apply_presence(room, version=int(version_text), total=int(total_text))
        elif payload.startswith(REMOVAL_EVENT):
            room.notify_all(message_removed_frame(seq=int(payload[1:])))
        elif payload.startswith(CIRCLE_EVENT):
            snapshot = decode_circle_event(payload)
            if room.circle is None or snapshot.version > room.circle.version:
                room.circle = snapshot
                room.notify_all(snapshot.frame)
        elif payload.startswith(NOTICE_EVENT):
            room.notify_all(payload[1:])
        elif payload.startswith(WINDOW_EVENT):
            self._fire_timer_now(room)
        elif payload.startswith(SEAT_CHECK_EVENT):
            room_id, identity_key = decode_seat_check_event(payload)
            if identity_key in room.identities:
                # Imported here: the circle is built on the hub, not the hub on the circle.
                from rooms.circle.seats import keep_seat

                keep_seat(self, room_id=room_id, slug=slug, identity_key=identity_key)
        elif payload.startswith(ROOM_CLOSE_EVENT):
            code_text, _, frame = payload[1:].partition("\n")
            self.close_locally(slug, frame=frame, close_code=int(code_text))

    def apply_block(self, *, blocker_key: str, blocked_key: str, blocked: bool) -> None:
        """The blocker's local connections stop (or start again) receiving the person's
        messages (a block event, or the blocker's own process at once: rooms.services)."""
        for _slug, outbox in self._by_identity.get(blocker_key, ()):
            if blocked:
                outbox.blocked_authors.add(blocked_key)
            else:
                outbox.blocked_authors.discard(blocked_key)

    def _on_control(self, payload: str) -> None:
        kind = payload[:1]
        if kind in (BLOCK_EVENT, UNBLOCK_EVENT):
            blocker_key, _, blocked_key = payload[1:].partition(" ")
            self.apply_block(
                blocker_key=blocker_key, blocked_key=blocked_key, blocked=kind == BLOCK_EVENT
            )
        elif kind == IDENTITY_EVENT:
            header, _, frame = payload.partition("\n")
            identity_key, close_text, room = header[1:].split(" ", 2)
            close_code = int(close_text)
            for slug, outbox in list(self._by_identity.get(identity_key, ())):
                if room not in (ALL_ROOMS, slug):
                    continue
                outbox.push(frame)
                if close_code:
                    outbox.close_after_flush(close_code)

    def _receive(self, room: LocalRoom, seq: int, author_key: str, frame: Frame) -> None:
        if room.delivered is not None and seq <= room.delivered:
            return
        room.early[seq] = (author_key, frame)
        if room.delivered is not None:
            self._drain(room)

    def _drain(self, room: LocalRoom) -> None:
        delivered = room.delivered
        assert delivered is not None
        early = room.early
        for seq in [seq for seq in early if seq <= delivered]:
            del early[seq]
        while delivered + 1 in early:
            delivered += 1
            author_key, frame = early.pop(delivered)
            room.offer(delivered, author_key, frame)
        room.delivered = delivered
        if early and room.gap_fill is None:
            room.gap_fill = asyncio.get_running_loop().call_later(
                settings.HEARTH_GAP_FILL_SECONDS, self._start_gap_fill, room
            )
        elif not early and isinstance(room.gap_fill, asyncio.TimerHandle):
            room.gap_fill.cancel()
            room.gap_fill = None

    def _start_gap_fill(self, room: LocalRoom) -> None:
        room.gap_fill = asyncio.get_running_loop().create_task(self._fill_from_database(room))

    async def _fill_from_database(self, room: LocalRoom, upto: int | None = None) -> None:
        """Deliver stored messages after the last delivered one, up to the earliest waiting."""
        room.gap_fill = None if upto is None else room.gap_fill
        limit = upto if upto is not None else (min(room.early) - 1 if room.early else None)
        if room.delivered is None or limit is None or limit <= room.delivered:
            return
        try:
            stored = await in_db(selectors.room_events_between)(
                room.slug, after=room.delivered, upto=limit
            )
        except Exception:
            logger.exception("a gap in a room could not be filled from the database; retrying")
            if self._rooms.get(room.slug) is room and room.gap_fill is None:
                room.gap_fill = asyncio.get_running_loop().call_later(
                    settings.HEARTH_GAP_FILL_SECONDS * 4, self._start_gap_fill, room
                )
            return
        if self._rooms.get(room.slug) is not room or room.delivered is None:
            return
        for event in stored:
            if event.seq > room.delivered:
                room.delivered = event.seq
                if event.frame is not None:
                    room.offer(event.seq, event.author_key, Frame(event.frame))
        # Every seq up to the limit was committed before it was asked for: one the database no
        # longer has was purged by retention and will never arrive.
        room.delivered = max(room.delivered, limit)
        self._drain(room)

    def _on_status(self, healthy: bool) -> None:
        if healthy == (not self._degraded):
            return
        self._degraded = not healthy
        frame = status_frame(state="ok" if healthy else "degraded")
        for room in self._rooms.values():
            room.notify_all(frame)
        if healthy:
            _cancel(self._resync_task)
            self._resync_task = asyncio.get_running_loop().create_task(self._resync())

    async def _resync(self) -> None:
        """After an outage: catch every room up from the database (messages, removals, the
        facilitated state, whether it is still open), the blocks of everyone here, and recount
        presence. Events published meanwhile by other processes were lost
        (``rooms.backplane.publish_from_sync``). Each step stands alone: one that fails is
        logged and the others still run."""
        await _catch_up("the blocks", self._resync_blocks)
        for slug, room in list(self._rooms.items()):
            await _catch_up("a room", functools.partial(self._resync_room, slug, room))

    async def _resync_room(self, slug: str, room: LocalRoom) -> None:
        last_seq = await in_db(selectors.room_last_seq)(slug)
        if last_seq is not None:
            await self._fill_from_database(room, upto=last_seq)
        await self._resync_removals(room)
        await self._resync_circle(room)
        if not await in_db(selectors.room_is_open)(slug):  # ended by its facilitator meanwhile
            self.close_locally(
                slug, frame=error_frame(ErrorCode.ROOM_CLOSED), close_code=CloseCode.ROOM_CLOSED
            )
            return
        self._fire_timer_now(room)  # a session's room reads its window again
        await self.refresh_presence(slug)

    async def _resync_blocks(self) -> None:
        """Blocks made meanwhile on other processes. Only added: an unblock that was lost
        leaves its maker's connections hiding that person until they reconnect, the safe side."""
        if not self._by_identity:
            return
        blocks = await in_db(blocked_by_each)(list(self._by_identity))
        for identity_key, blocked in blocks.items():
            for _slug, outbox in self._by_identity.get(identity_key, ()):
                outbox.blocked_authors |= blocked

    async def _resync_removals(self, room: LocalRoom) -> None:
        """Messages moderators removed meanwhile: told again to everyone here (a page that
        never showed one ignores it)."""
        if room.delivered is None:
            return
        removed = await in_db(selectors.removed_seqs)(room.slug, upto=room.delivered)
        for seq in removed:
            room.notify_all(message_removed_frame(seq=seq))

    async def _resync_circle(self, room: LocalRoom) -> None:
        """Catch up a facilitated state changed while the backplane was away."""
        snapshot = await in_db(circle_selectors.room_snapshot_by_slug)(room.slug)
        if snapshot is not None and (room.circle is None or snapshot.version > room.circle.version):
            room.circle = snapshot
            room.notify_all(snapshot.frame)


def _send_presence_soon(room: LocalRoom) -> None:
    """Tell the room its count at most once per HEARTH_PRESENCE_INTERVAL_SECONDS.

    When hundreds join at once, a frame per join to everyone present would cost the square of the
    room's size; the count is a snapshot, so the latest one is all anyone needs.
    """
    if room.presence_flush is not None:
        return  # a frame with the latest count is already on its way
    loop = asyncio.get_running_loop()
    wait = room.presence_sent_at + settings.HEARTH_PRESENCE_INTERVAL_SECONDS - loop.time()
    if wait <= 0:
        _flush_presence(room)
    else:
        room.presence_flush = loop.call_later(wait, _flush_presence, room)


def _flush_presence(room: LocalRoom) -> None:
    room.presence_flush = None
    if room.participants == room.presence_sent:
        return
    room.presence_sent = room.participants
    room.presence_sent_at = asyncio.get_running_loop().time()
    room.notify_all(presence_frame(participants=room.participants))


async def _catch_up(what: str, step: Callable[[], Awaitable[None]]) -> None:
    try:
        await step()
    except Exception:
        logger.exception("after the backplane came back, %s could not be caught up", what)


def name_keeping_interval() -> float:
    """Seconds between two ``keep_names`` runs: HEARTH_NAME_KEEP_SECONDS, and at most a quarter
    of the time after which the purge frees an unused name (the retention period, and at least
    an hour: ``rooms.retention``), so that a name is marked several times before it could be."""
    freed_after = max(settings.HEARTH_RETENTION_HOURS, 1) * 3600
    return min(float(settings.HEARTH_NAME_KEEP_SECONDS), freed_after / 4)


def _cancel(handle: asyncio.TimerHandle | asyncio.Task[None] | None) -> None:
    if handle is not None:
        handle.cancel()


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RoomHub] = weakref.WeakKeyDictionary()
_hub_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


async def get_hub() -> RoomHub:
    """The hub of the running event loop, started on first use."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is not None:
        return hub
    lock = _hub_locks.setdefault(loop, asyncio.Lock())
    async with lock:
        hub = _hubs.get(loop)
        if hub is None:
            hub = RoomHub(new_backplane())
            await hub.start()
            _hubs[loop] = hub
    return hub


async def close_hub() -> None:
    """Stop the running loop's hub (tests and shutdown)."""
    hub = _hubs.pop(asyncio.get_running_loop(), None)
    if hub is not None:
        with contextlib.suppress(Exception):
            await hub.close()
