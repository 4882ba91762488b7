"""Counting deliveries in bulk (bench.counting): exact counts however the server's stream is cut.

A counting client must count every chat frame once, whether frames or markers are cut across reads,
and must not count the marker where it is not a chat message's (a ping's payload); it must still
answer pings, honour a close, and hand a clean frame boundary back to the timing path. The client
reads a real socket (one end of a socket pair); the test writes the server's side.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.counting import BulkReading, whole_frames
from bench.loadgen import HEARTH, Client, Generator, Target, body_for
from bench.measure import phase_summary


class FakeTransport:
    """Records what the client writes and whether its transport reads; holds the client's socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.written: list[bytes] = []
        self.paused = False
        self.closed = False

    def get_extra_info(self, name: str) -> object:
        return self.sock if name == "socket" else None

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


def server_frame(opcode: int, payload: bytes) -> bytes:
    """An unmasked frame, as a server sends it, with the shortest length encoding."""
    length = len(payload)
    if length < 126:
        header = bytes((0x80 | opcode, length))
    elif length < 65536:
        header = bytes((0x80 | opcode, 126)) + length.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 127)) + length.to_bytes(8, "big")
    return header + payload


def chat(m: int, extra: int = 0) -> bytes:
    body = body_for(m, 1_700_000_000_000_000_000 + m) + "x" * extra
    frame = {"type": "message", "seq": m, "alias": "Quiet Otter", "body": body, "sent_at": "t"}
    return server_frame(0x1, json.dumps(frame, separators=(",", ":")).encode())


PRESENCE = server_frame(0x1, b'{"type":"presence","participants":7}')
PING = server_frame(0x9, b"~m~m")  # a payload that looks like markers must not count


def stream(count: int) -> tuple[bytes, int]:
    """``count`` chat frames of every length encoding, with presence frames and pings between."""
    frames = []
    for m in range(count):
        frames.append(chat(m, extra=(0, 70_000, 10)[m % 3] if m % 5 == 4 else 0))
        if m % 3 == 0:
            frames.append(PRESENCE)
        if m % 4 == 1:
            frames.append(PING)
    return b"".join(frames), count


@contextmanager
def counting_client() -> Iterator[tuple[Generator, Client, FakeTransport, socket.socket]]:
    """A client of a saturation phase, counting in bulk, and the server's end of its socket."""
    ours, server = socket.socketpair()
    ours.setblocking(False)
    gen = Generator()
    gen.begin("saturation")
    client = Client(gen, Target(HEARTH, 1), "room", 0, origin="http://127.0.0.1")
    transport = FakeTransport(ours)
    client.transport = transport  # type: ignore[assignment]
    client.open = True
    client.count_in_bulk(True)
    try:
        yield gen, client, transport, server
    finally:
        ours.close()
        server.close()


def send(server: socket.socket, client: Client, data: bytes) -> None:
    """The server writes ``data`` (in pieces the socket can hold); the client reads it on ticks."""
    for start in range(0, len(data), 100_000):
        server.sendall(data[start : start + 100_000])
        client.read_waiting()


def feed(server: socket.socket, client: Client, data: bytes, cuts: list[int]) -> None:
    edges = [0, *sorted({cut for cut in cuts if 0 < cut < len(data)}), len(data)]
    for start, end in itertools.pairwise(edges):
        send(server, client, data[start:end])


async def test_whole_frames_ends_at_the_last_whole_frame_and_lists_control_frames() -> None:
    data = chat(0) + PING + chat(1)
    end, others = whole_frames(data + chat(2)[:-1])
    assert end == len(data)
    ping_start = len(chat(0)) + 2
    assert others == [(0x9, ping_start, ping_start + 4)]


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=10_000), max_size=40))
def test_every_chat_frame_is_counted_once_however_the_stream_is_cut(cuts: list[int]) -> None:
    async def run() -> None:
        data, chats = stream(24)
        # Cuts also land deep in the long frames, and in the middle of every third marker.
        marker_middles = [i + 1 for i in range(len(data)) if data[i : i + 2] == b"~m"]
        with counting_client() as (gen, client, transport, server):
            feed(server, client, data, [*cuts, *(cut * 37 for cut in cuts), *marker_middles[::3]])
            phase = gen.phase
            assert phase is not None
            assert (gen.deliveries, client.got, phase.deliveries, phase.counted) == (chats,) * 4
            assert client.buf == b""
            pongs = [frame for frame in transport.written if frame[0] == 0x8A]
            assert len(pongs) == data.count(PING)

    asyncio.run(run())


async def test_a_marker_cut_between_its_two_bytes_is_counted_once_when_its_frame_is_whole() -> None:
    data = chat(5)
    middle = data.index(b"~m") + 1
    with counting_client() as (gen, client, _, server):
        send(server, client, data[:middle])
        assert gen.deliveries == 0
        send(server, client, data[middle:])
        assert gen.deliveries == 1


async def test_a_tick_reads_all_that_waits_not_one_read_of_it() -> None:
    data = chat(0, extra=150_000) + chat(1)
    with counting_client() as (gen, client, _, server):
        send(server, client, data)
        assert gen.deliveries == 2


async def test_frames_that_are_not_chat_messages_are_not_counted() -> None:
    ack = server_frame(0x1, b'{"type":"ack","client_id":"bq"}')
    with counting_client() as (gen, client, transport, server):
        send(server, client, PRESENCE + PING + ack)
        assert gen.deliveries == 0 and client.got == 0
        assert transport.written[-1][0] == 0x8A  # the ping was answered


async def test_a_close_frame_is_honoured_while_counting() -> None:
    with counting_client() as (gen, client, transport, server):
        send(server, client, chat(0) + server_frame(0x8, (4408).to_bytes(2, "big")))
        assert gen.deliveries == 1
        assert client.close_code == 4408 and transport.closed
        server.sendall(chat(1))
        client.read_waiting()  # a closing transport's socket is not read any more
        assert gen.deliveries == 1


async def test_the_end_of_the_stream_hands_the_socket_back_to_its_transport() -> None:
    with counting_client() as (gen, client, transport, server):
        send(server, client, chat(0))
        server.shutdown(socket.SHUT_WR)
        client.read_waiting()
        assert not client.counting and not transport.paused
        assert gen.deliveries == 1


async def test_timing_resumes_at_the_frame_boundary_counting_left() -> None:
    with counting_client() as (gen, client, transport, server):
        for _ in range(3):
            gen.allocate(client, 0)
        data = chat(0) + chat(1) + chat(2)
        send(server, client, data[: len(chat(0)) + 10])
        client.count_in_bulk(False)
        assert not transport.paused
        client.data_received(data[len(chat(0)) + 10 :])  # as the transport would
        phase = gen.phase
        assert phase is not None
        assert (phase.counted, list(phase.per_msg), phase.deliveries) == (1, [0, 1, 1], 3)
        summary = phase_summary(phase, [client], acks=False)
        assert summary["delivered"] == 3 and summary["owed_deliveries"] == 3
        assert summary["p50_ms"] is None  # counted deliveries were not timed
        with pytest.raises(ValueError):
            phase_summary(phase, [client], acks=False, ks=range(1))


async def test_counting_clients_are_read_on_the_ticks_only() -> None:
    with counting_client() as (gen, client, transport, server):
        client.count_in_bulk(False)
        reading = BulkReading([client], period=0.05)
        reading.start()
        assert transport.paused
        server.sendall(chat(0))
        await asyncio.sleep(0)
        assert gen.deliveries == 0  # not before the tick
        await reading.next_tick()
        assert gen.deliveries == 1 and reading.ticks == 1
        reading.stop()
        assert not client.counting and not transport.paused
