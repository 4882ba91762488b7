"""The load generator: light websocket clients on raw asyncio transports, and what they record.

Each client is an ``asyncio.Protocol`` that does a minimal RFC 6455 handshake and parses server
frames (unmasked) straight from the bytes it receives, with no JSON parse for chat messages: a
message carries ``~m<index>~`` in its body, and the receiver finds that marker in the raw frame.
The index points into the current ``Phase``, which holds the real send time of every message
(taken just before the frame is written), so latency is receive time minus send time, both from
``time.monotonic_ns`` on this machine. Client frames are masked as the RFC requires.

During a saturation phase the receivers that do not send count chat frames in bulk instead of
timing each one (``bench.counting``): the phase then records how many arrived, not when.

The same client speaks both servers: Hearth (``/ws/rooms/<slug>/``, ``send`` frames, ``welcome``
and ``ack``) and the Channels tutorial baseline (``/ws/chat/<room>/``, ``{"message": ...}``).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field

from bench.counting import whole_frames

HEARTH = "hearth"
BASELINE = "baseline"

MARK = b"~m"
BULK_READ = 65536  # bytes a counting client reads at once (a tick's worth is a few KiB)
# Numbers in bodies are written with the letters a-p (hex digits shifted), so that no moderation
# rule ever mistakes a benchmark message for a phone number.
_TO_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")
_FROM_LETTERS = bytes.maketrans(b"abcdefghijklmnop", b"0123456789abcdef")
PADDING = (
    "I finally told my sister what has been happening at home, and she listened without "
    "judging me. It felt strange to say it out loud, but lighter too. Thank you all for being "
    "here tonight."
)


def letters(number: int) -> str:
    return format(number, "x").translate(_TO_LETTERS)


def body_for(m: int, sent_ns: int) -> str:
    """An ordinary message of about 200 characters that carries its index and send time."""
    return f"~m{letters(m)}~t{letters(sent_ns)}~ {PADDING}"


@dataclass(frozen=True)
class Target:
    """One server to load: which protocol it speaks and where it listens."""

    kind: str
    port: int
    host: str = "127.0.0.1"

    def path(self, room: str) -> str:
        return f"/ws/rooms/{room}/" if self.kind == HEARTH else f"/ws/chat/{room}/"

    def send_payload(self, body: str, m: int) -> bytes:
        if self.kind == HEARTH:
            frame = {"type": "send", "body": body, "client_id": "b" + letters(m)}
        else:
            frame = {"message": body}
        return json.dumps(frame, separators=(",", ":")).encode()


@dataclass
class Phase:
    """What one measured phase sent and what arrived, message by message."""

    name: str
    m0: int
    sent_ns: list[int] = field(default_factory=list)
    sent_by: list[int] = field(default_factory=list)
    answered: bytearray = field(default_factory=bytearray)  # 1 acked, 2 refused
    per_msg: array = field(default_factory=lambda: array("i"))
    lat: array = field(default_factory=lambda: array("q"))
    lat_k: array = field(default_factory=lambda: array("i"))
    refusals: Counter = field(default_factory=Counter)
    deliveries: int = 0
    # Of ``deliveries``, those counted in bulk (bench.counting): in no per_msg, lat or lat_k.
    counted: int = 0
    late_from_earlier: int = 0

    @property
    def sent(self) -> int:
        return len(self.sent_ns)


class Generator:
    """Shared state of all clients: the current phase and counters the hot path updates."""

    def __init__(self) -> None:
        self.next_m = 0
        self.phase: Phase | None = None
        self.deliveries = 0  # every marked frame, any phase (saturation windows count these)
        self.presence_frames = 0
        self.other_frames = 0
        self.pings = 0
        # Cookie header values handed to new clients, one each (bench.join_cost); none: none.
        self.session_cookies: list[str] = []

    def begin(self, name: str) -> Phase:
        self.phase = Phase(name=name, m0=self.next_m)
        return self.phase

    def allocate(self, client: Client, now: int) -> int:
        phase = self.phase
        assert phase is not None
        m = self.next_m
        self.next_m += 1
        phase.sent_ns.append(now)
        phase.sent_by.append(client.idx)
        phase.answered.append(0)
        phase.per_msg.append(0)
        return m


class Client(asyncio.Protocol):
    """One websocket connection; everything on the receive path is synchronous and light."""

    def __init__(self, gen: Generator, target: Target, room: str, idx: int, *, origin: str) -> None:
        self.gen = gen
        self.target = target
        self.room = room
        self.idx = idx
        self.origin = origin
        self.transport: asyncio.Transport | None = None
        self.key = base64.b64encode(os.urandom(16)).decode()
        self.open = False
        self.buf = b""
        loop = asyncio.get_running_loop()
        self.ready: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()
        self.close_code: int | None = None
        self.closing = False  # this side started closing
        self.dropped = False  # the server ended the connection (close frame or not)
        self.error_codes: Counter = Counter()
        self.got = 0
        self.measured = True  # False for churners and the slow client: kept out of the figures
        self.started_ns = time.monotonic_ns()
        self.ready_ns = 0
        # Closed-loop sending (saturation): messages of this client not yet seen back.
        self.window = 0
        self.outstanding: dict[int, int] = {}
        self.on_own: object = None
        # Counting chat frames in bulk, reading the socket once per tick of bench.counting.
        self.counting = False
        self.fd = -1

    # --- asyncio.Protocol ----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  (uvloop's is not a subclass)
        request = (
            f"GET {self.target.path(self.room)} HTTP/1.1\r\n"
            f"Host: {self.target.host}:{self.target.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {self.key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {self.origin}\r\n"
        )
        if self.gen.session_cookies:
            request += f"Cookie: {self.gen.session_cookies.pop()}\r\n"
        request += "\r\n"
        transport.write(request.encode())

    def connection_lost(self, exc: Exception | None) -> None:
        self.open = False
        self.counting = False
        if not self.closing:
            self.dropped = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before ready ({self.close_code})"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        if self.counting:  # paused then; should the transport still hand over bytes, count them
            self._count_in_bulk(data)
            return
        now = time.monotonic_ns()
        if not self.open:
            data = self._handshake(data)
            if not data:
                return
        buf = self.buf + data if self.buf else data
        n = len(buf)
        i = 0
        gen = self.gen
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
            opcode = buf[i] & 0x0F
            i = end
            if opcode == 1:
                p = buf.find(MARK, start, end)
                if p < 0:
                    self._other_frame(buf[start:end])
                    continue
                q = buf.find(b"~", p + 2, end)
                m = int(buf[p + 2 : q].translate(_FROM_LETTERS), 16)
                gen.deliveries += 1
                phase = gen.phase
                if phase is None or m < phase.m0:
                    if phase is not None:
                        phase.late_from_earlier += 1
                    continue
                self.got += 1
                if self.measured:
                    k = m - phase.m0
                    phase.per_msg[k] += 1
                    phase.lat.append(now - phase.sent_ns[k])
                    phase.lat_k.append(k)
                    phase.deliveries += 1
                if self.outstanding and m in self.outstanding:
                    del self.outstanding[m]
                    if self.on_own is not None:
                        self.on_own(self)  # type: ignore[operator]
            else:
                self._control_frame(opcode, buf[start:end])
        self.buf = buf[i:] if i < n else b""

    # --- counting in bulk (saturation) ---------------------------------------------------------

    def count_in_bulk(self, on: bool) -> None:
        """Count chat frames in bulk (``on``): the transport is paused and ``read_waiting`` reads
        the socket itself, once a tick. Off: the transport reads and every frame is timed again."""
        sock = self.transport.get_extra_info("socket") if self.transport is not None else None
        self.counting = on and self.open and sock is not None
        if self.counting:
            self.fd = sock.fileno()  # type: ignore[union-attr]
            self.pause()
        else:
            self.resume()

    def read_waiting(self) -> None:
        """Read and count whatever waits in the socket, without waiting for more."""
        # A closing transport may close its socket at any turn of the loop, and the descriptor be
        # reused: it is not read any more.
        while self.counting and self.transport is not None and not self.transport.is_closing():
            try:
                data = os.read(self.fd, BULK_READ)
            except BlockingIOError:
                return
            except OSError:
                data = b""
            if not data:
                # The end of the stream, or an error: the transport, reading again, meets it too
                # and closes as it always does.
                self.count_in_bulk(False)
                return
            self._count_in_bulk(data)
            if len(data) < BULK_READ:
                return

    def _count_in_bulk(self, data: bytes) -> None:
        """Count the chat frames among the whole frames received so far. Frames are walked by their
        headers only; a marker is counted once its frame is whole, and one inside a frame that is
        not text (a ping's payload, say) is not counted."""
        buf = self.buf + data if self.buf else data
        end, others = whole_frames(buf)
        marks = buf.count(MARK, 0, end)
        for opcode, start, stop in others:
            marks -= buf.count(MARK, start, stop)
            self._control_frame(opcode, buf[start:stop])
        self.buf = buf[end:]
        if marks:
            self._counted(marks)

    def _counted(self, marks: int) -> None:
        gen = self.gen
        gen.deliveries += marks
        phase = gen.phase
        if phase is None:
            return
        self.got += marks
        if self.measured:
            phase.deliveries += marks
            phase.counted += marks

    # --- frames that are not chat messages -----------------------------------------------------

    def _control_frame(self, opcode: int, payload: bytes) -> None:
        if opcode == 9:
            self.gen.pings += 1
            self._write_frame(0xA, payload)
        elif opcode == 8:
            self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
            if self.transport is not None:
                self.transport.close()

    def _handshake(self, data: bytes) -> bytes:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return b""
        head, rest = self.buf[:end], self.buf[end + 4 :]
        self.buf = b""
        if not head.startswith((b"HTTP/1.1 101", b"HTTP/1.0 101")):
            status = head.split(b"\r\n", 1)[0].decode(errors="replace")
            if not self.ready.done():
                self.ready.set_exception(ConnectionError(f"handshake refused: {status}"))
            if self.transport is not None:
                self.transport.close()
            return b""
        self.open = True
        if self.target.kind == BASELINE:
            self._mark_ready()
        return rest

    def _mark_ready(self) -> None:
        if not self.ready.done():
            self.ready_ns = time.monotonic_ns()
            self.ready.set_result(None)

    def _other_frame(self, payload: bytes) -> None:
        gen = self.gen
        if payload.startswith(b'{"type":"presence"'):
            gen.presence_frames += 1
            return
        gen.other_frames += 1
        try:
            frame = json.loads(payload)
        except ValueError:
            return
        kind = frame.get("type")
        if kind == "welcome":
            self._mark_ready()
        elif kind in ("ack", "error"):
            client_id = frame.get("client_id")
            if kind == "error":
                self.error_codes[frame.get("code")] += 1
            if isinstance(client_id, str) and client_id.startswith("b"):
                self._answered(int(client_id[1:].encode().translate(_FROM_LETTERS), 16), frame)

    def _answered(self, m: int, frame: dict) -> None:
        phase = self.gen.phase
        if phase is None or m < phase.m0:
            return
        k = m - phase.m0
        if frame["type"] == "ack":
            phase.answered[k] = phase.answered[k] or 1
            return
        phase.answered[k] = 2
        phase.refusals[frame.get("code")] += 1
        if m in self.outstanding:
            del self.outstanding[m]
            if self.on_own is not None:
                self.on_own(self)  # type: ignore[operator]

    # --- writing -------------------------------------------------------------------------------

    def _write_frame(self, opcode: int, payload: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        length = len(payload)
        if length < 126:
            header = bytes((0x80 | opcode, 0x80 | length))
        elif length < 65536:
            header = bytes((0x80 | opcode, 0xFE)) + length.to_bytes(2, "big")
        else:
            header = bytes((0x80 | opcode, 0xFF)) + length.to_bytes(8, "big")
        mask = os.urandom(4)
        if length:
            key = int.from_bytes((mask * (length // 4 + 1))[:length], "big")
            payload = (int.from_bytes(payload, "big") ^ key).to_bytes(length, "big")
        transport.write(header + mask + payload)

    def send_message(self) -> int:
        """Send one benchmark message now; returns its index."""
        now = time.monotonic_ns()
        m = self.gen.allocate(self, now)
        payload = self.target.send_payload(body_for(m, now), m)
        # The send time is taken again just before the write: framing is part of the client.
        self.gen.phase.sent_ns[m - self.gen.phase.m0] = time.monotonic_ns()  # type: ignore[union-attr]
        self._write_frame(0x1, payload)
        return m

    def close(self, code: int = 1000) -> None:
        """Start the closing handshake; the transport is dropped if the server does not answer."""
        self.closing = True
        if self.transport is None or self.transport.is_closing():
            return
        self._write_frame(0x8, code.to_bytes(2, "big"))
        transport = self.transport
        asyncio.get_running_loop().call_later(2.0, transport.close)

    def abort(self) -> None:
        self.closing = True
        if self.transport is not None:
            self.transport.abort()

    def pause(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.pause_reading()

    def resume(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()
