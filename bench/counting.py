"""Receiving in bulk at saturation: chat frames counted over whole reads, read once per tick.

At saturation only the number of deliveries matters, and timing every frame (a wake-up, a read
and a parse per frame) cost the generator about as much CPU as the servers' sending: on two cores
it took the CPU a second server needed. So during a saturation phase the receivers that are not
senders switch to counting: their transports are paused, and a periodic tick reads each socket
directly (one ``read`` of whatever arrived since the last tick, no event-loop wake-up per frame)
and counts the chat frames in it with one ``bytes.count`` of the marker every chat message carries
(``~m``) over the whole frames of the read.

What stays exact: every chat frame is counted once, when it is whole (a frame or a marker cut
across reads waits in the client's buffer for the rest); control frames are found by walking the
frame headers, so pings are still answered, a close is still honoured, and a marker inside one of
them is not counted. Ticks keep to a fixed grid, and a saturation window opens and closes just
after a tick's reads, so the deliveries it counts are those that arrived within it. What is given
up: which message a counted frame carried and when it came, so a phase with counted deliveries
has no latency figures; the senders keep timing their frames (their closed loop needs to see
their own messages), and the fixed-rate phases time every frame as before.

This relies on what the servers send: the body of a chat message once per frame, and the marker in
nothing else a receiver gets (welcome, presence and ack frames carry no body).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.loadgen import Client

TEXT = 0x1

# Each counting socket is read once per tick: the cost is per read, so a read should hold several
# frames (at N = 1,000 a client gets some 50 a second), while what waits in a socket stays far
# below its receive buffer (a few KiB at the rates measured here, against 128 KiB or more), so no
# server finds a window closed (each phase records TcpExt PruneCalled and TCPToZeroWindowAdv).
READ_PERIOD_S = 0.1


def whole_frames(buf: bytes) -> tuple[int, list[tuple[int, int, int]]]:
    """Where the last whole frame of ``buf`` ends, and (opcode, payload start, payload end) of
    each whole frame in it that is not a text frame (server frames are unmasked)."""
    n = len(buf)
    i = 0
    others: list[tuple[int, int, int]] = []
    while n - i >= 2:
        length = buf[i + 1] & 0x7F
        if length < 126:
            start = i + 2
        elif length == 126:
            if n - i < 4:
                break
            length = (buf[i + 2] << 8) | buf[i + 3]
            start = i + 4
        else:
            if n - i < 10:
                break
            length = int.from_bytes(buf[i + 2 : i + 10], "big")
            start = i + 10
        end = start + length
        if end > n:
            break
        if buf[i] & 0x0F != TEXT:
            others.append((buf[i] & 0x0F, start, end))
        i = end
    return i, others


class BulkReading:
    """``clients`` count in bulk, each read once per tick of a fixed grid of ``period`` seconds."""

    def __init__(self, clients: list[Client], *, period: float = READ_PERIOD_S) -> None:
        self.clients = clients
        self.period = period
        self.ticks = 0
        self._timer: asyncio.TimerHandle | None = None
        self._waiting: list[asyncio.Future[None]] = []
        self._loop = asyncio.get_running_loop()
        self._first = 0.0

    def start(self) -> None:
        for client in self.clients:
            client.count_in_bulk(True)
        self._first = self._loop.time() + self.period
        self._timer = self._loop.call_at(self._first, self._tick)

    def stop(self) -> None:
        """Back to timing every frame; whatever waits is read by the transports, and timed."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for client in self.clients:
            client.count_in_bulk(False)
        for waiter in self._waiting:
            if not waiter.done():
                waiter.cancel()

    async def next_tick(self) -> None:
        """Return just after the next tick has read every socket."""
        waiter = self._loop.create_future()
        self._waiting.append(waiter)
        await waiter

    def _tick(self) -> None:
        for client in self.clients:
            client.read_waiting()
        self.ticks += 1
        waiting, self._waiting = self._waiting, []
        for waiter in waiting:
            if not waiter.done():
                waiter.set_result(None)
        # The next point of the grid still ahead: a late tick is not followed by a hurried one.
        behind = (self._loop.time() - self._first) // self.period + 1
        self._timer = self._loop.call_at(self._first + behind * self.period, self._tick)


@contextmanager
def counting(clients: list[Client], *, period: float = READ_PERIOD_S) -> Iterator[BulkReading]:
    """``clients`` count in bulk inside the block, and time every frame again after it."""
    reading = BulkReading(clients, period=period)
    reading.start()
    try:
        yield reading
    finally:
        reading.stop()
