"""One connection's outgoing frames: ordered, bounded, filtered, written without a wait.

The hub hands every room frame to every local outbox with ``offer``. The outbox drops frames the
connection has already seen (by seq) and frames by authors this connection blocks, without
re-encoding anything. A ``Frame`` is encoded once per process and shared by every receiver.

Writing: under daphne a connection has a DirectSocket (``server.daphne_socket``) and a frame is
written to it synchronously inside ``offer``: no task wake-up, no per-receiver encode. Otherwise,
or while older frames still wait, frames queue and a writer task sends them through ASGI. The
task exists only while frames wait (most connections of a busy room never need one: memory per
connection, docs/performance.md). Order is kept either way: a frame is written directly only
when nothing waits.

While a connection catches up (welcome, then replay of stored messages), live frames wait in a
buffer; ``go_live`` flushes it, skipping what the replay already sent, so a client never sees a
seq twice or out of order.

Policy for a client that does not keep up (nothing is ever dropped silently):
* direct sockets: when more than ``buffer_limit`` bytes wait unread in the socket, the connection
  is dropped at once (its unread bytes are discarded, so its memory is bounded);
* queued frames: when more than ``limit`` frames wait, the queue is discarded, the client gets a
  ``too_slow`` error and the connection is closed with CloseCode.TOO_SLOW.
Either way the client reconnects with ``since`` and the replay fills in: it loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Protocol

from rooms.protocol import CloseCode, ErrorCode, error_frame

logger = logging.getLogger(__name__)

SendText = Callable[[str], Awaitable[None]]
Close = Callable[[int], Awaitable[None]]


class Frame:
    """A server frame's text, plus its wire form once a direct socket has prepared it."""

    __slots__ = ("prepared", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.prepared: object | None = None


class DirectWriter(Protocol):
    def write(self, frame: Frame) -> bool: ...

    def buffered_bytes(self) -> int: ...

    def abort(self) -> None: ...


class Outbox:
    def __init__(
        self,
        *,
        send: SendText,
        close: Close,
        identity_key: str,
        limit: int,
        direct: DirectWriter | None = None,
        buffer_limit: int = 1 << 20,
    ) -> None:
        self.identity_key = identity_key
        self.blocked_authors: set[str] = set()
        self.last_seq = 0
        self._send = send
        self._close = close
        self._limit = limit
        self._direct = direct
        self._buffer_limit = buffer_limit
        self._queue: deque[Frame] = deque()
        self._catch_up: list[tuple[int, str, Frame]] | None = []
        self._writer: asyncio.Task[None] | None = None
        self._close_code: int | None = None
        self._close_sent = False
        self._gone = False  # a write failed: the connection cannot be written to any more
        self._welcomed = False

    # --- producers (synchronous: called from the hub's fan-out and the consumer) ---------------

    def push(self, frame: str | Frame) -> None:
        """Send a frame to this connection alone (welcome, ack, error, presence)."""
        if self._close_code is not None or self._gone:
            return
        if isinstance(frame, str):
            frame = Frame(frame)
        direct = self._direct
        if direct is not None and not self._queue:
            if direct.buffered_bytes() > self._buffer_limit:
                self._close_code = CloseCode.TOO_SLOW
                direct.abort()
                return
            if direct.write(frame):
                return
        self._queue.append(frame)
        if len(self._queue) > self._limit:
            self._overflow()
            return
        self._start_writer()

    def welcome(self, frame: str) -> None:
        """The first frame of every connection; room notices before it are not sent."""
        self._welcomed = True
        self.push(frame)

    def notify(self, frame: str | Frame) -> None:
        """A room notice without seq (presence, status): a snapshot, sent once welcomed."""
        if self._welcomed:
            self.push(frame)

    def offer(self, seq: int, author_key: str, frame: Frame) -> None:
        """A room message, live from the hub; held back while the connection catches up."""
        if self._catch_up is not None:
            self._catch_up.append((seq, author_key, frame))
            return
        self._deliver(seq, author_key, frame)

    def replay(self, seq: int, author_key: str, frame: str | Frame) -> None:
        """A stored message sent during catch-up."""
        self._deliver(seq, author_key, frame)

    def start_after(self, seq: int) -> None:
        """The connection has seen everything up to ``seq`` (its ``since``, or the welcome's)."""
        self.last_seq = seq

    def go_live(self) -> None:
        """End the catch-up: flush live frames that arrived meanwhile, in order, once each."""
        pending, self._catch_up = self._catch_up or [], None
        for seq, author_key, frame in sorted(pending, key=lambda item: item[0]):
            self._deliver(seq, author_key, frame)

    def _deliver(self, seq: int, author_key: str, frame: str | Frame) -> None:
        if seq <= self.last_seq:
            return
        self.last_seq = seq
        if author_key in self.blocked_authors:
            return
        self.push(frame)

    def _overflow(self) -> None:
        self._queue.clear()
        self._queue.append(Frame(error_frame(ErrorCode.TOO_SLOW)))
        self._close_code = CloseCode.TOO_SLOW
        self._start_writer()

    def close_after_flush(self, code: int) -> None:
        """Send what is queued, then close the connection with ``code``."""
        if self._close_code is None:
            self._close_code = code
        self._start_writer()

    def stop(self) -> None:
        """The connection has gone: stop writing to it."""
        if self._writer is not None:
            self._writer.cancel()

    # --- the writer task ----------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._queue)

    def _start_writer(self) -> None:
        if self._writer is None and not self._close_sent and not self._gone:
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())

    async def _write_queued(self) -> None:
        """Send the queued frames, then close if asked; ends when nothing waits.

        A frame pushed while a send is awaited joins the queue this task is draining, since the
        task is only forgotten once the queue is empty.
        """
        queue = self._queue
        try:
            while queue:
                await self._send(queue.popleft().text)
            if self._close_code is not None:
                self._close_sent = True
                await self._close(self._close_code)
        except Exception as error:
            # The connection is gone (or going): nothing more can reach it, so stop queueing
            # for it rather than start a writer, and log a trace, for every later frame.
            self._queue.clear()
            self._gone = True
            logger.info("stopped writing to a websocket: %s", type(error).__name__)
        finally:
            self._writer = None
