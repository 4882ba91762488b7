"""Measuring a phase: CPU of the servers, Redis and the generator, and the figures of a Phase.

Latency percentiles are taken over every delivery that was owed, not only those that arrived: a
delivery still missing when the drain ends counts as slower than any that came, so a percentile
that falls among them is reported as ``None`` (shown as "lost").
"""

from __future__ import annotations

import asyncio
import math
import resource
import time
from dataclasses import dataclass, field

from bench.loadgen import Client, Generator, Phase
from bench.servers import RedisCpu, Server, machine_busy_seconds

GENERATOR_SATURATED = 0.9  # share of one core above which the generator may be the bottleneck


# TcpExt counters (all of the machine's TCP) that rise when a receiver falls behind its sender: a
# receive queue that outgrew its buffer, a zero window advertised. Bulk counting (bench.counting)
# leaves data waiting in the generator's sockets between reads; these show it never got that far.
TCP_PRESSURE = {"PruneCalled": "tcp_prune_calls", "TCPToZeroWindowAdv": "tcp_zero_windows"}


def tcp_pressure() -> dict[str, int]:
    try:
        with open("/proc/net/netstat") as netstat:
            lines = netstat.read().splitlines()
    except OSError:
        return {}
    counters: dict[str, int] = {}
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            counters = dict(zip(names.split()[1:], map(int, values.split()[1:]), strict=False))
    return {label: counters[name] for name, label in TCP_PRESSURE.items() if name in counters}


def generator_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Window:
    """CPU use of every party over a stretch of wall time."""

    servers: list[Server]
    redis: RedisCpu
    started: float = 0.0
    server_cpu0: list[float] = field(default_factory=list)
    redis_cpu0: float = 0.0
    gen_cpu0: float = 0.0
    machine0: float = 0.0
    tcp0: dict[str, int] = field(default_factory=dict)
    result: dict[str, float] = field(default_factory=dict)

    def __enter__(self) -> Window:
        self.started = time.monotonic()
        self.server_cpu0 = [server.cpu() for server in self.servers]
        self.redis_cpu0 = self.redis.seconds()
        self.gen_cpu0 = generator_cpu()
        self.machine0 = machine_busy_seconds()
        self.tcp0 = tcp_pressure()
        return self

    def __exit__(self, *exc: object) -> None:
        wall = max(time.monotonic() - self.started, 1e-6)
        server_cpu = sum(
            server.cpu() - cpu0
            for server, cpu0 in zip(self.servers, self.server_cpu0, strict=True)
            if server.alive()
        )
        redis_cpu = self.redis.seconds() - self.redis_cpu0
        gen_cpu = generator_cpu() - self.gen_cpu0
        machine = machine_busy_seconds() - self.machine0
        self.result = {
            "wall_s": wall,
            "server_cpu_s": server_cpu,
            "server_core_share": server_cpu / wall,
            "redis_cpu_s": redis_cpu,
            "redis_core_share": redis_cpu / wall,
            "generator_cpu_s": gen_cpu,
            "generator_core_share": gen_cpu / wall,
            "generator_saturated": gen_cpu / wall > GENERATOR_SATURATED,
            # Everything else that ran meanwhile (PostgreSQL, other people's jobs), in cores.
            "other_core_share": max(0.0, (machine - server_cpu - redis_cpu - gen_cpu) / wall),
        }
        tcp = tcp_pressure()
        self.result.update(
            {label: tcp[label] - self.tcp0[label] for label in tcp if label in self.tcp0}
        )


def percentile_ms(ordered: list[int], owed: int, share: float) -> float | None:
    """The ``share`` percentile of latency over ``owed`` deliveries (missing ones are slowest)."""
    if owed <= 0:
        return None
    index = max(0, math.ceil(share * owed) - 1)
    if index >= len(ordered):
        return None
    return ordered[index] / 1e6


def latency_summary(latencies: list[int], owed: int) -> dict[str, float | None]:
    ordered = sorted(latencies)
    return {
        "p50_ms": percentile_ms(ordered, owed, 0.50),
        "p90_ms": percentile_ms(ordered, owed, 0.90),
        "p99_ms": percentile_ms(ordered, owed, 0.99),
        "max_ms": (ordered[-1] / 1e6 if len(ordered) >= owed else None) if ordered else None,
        "within_1s": sum(1 for value in ordered if value <= 1_000_000_000) / owed if owed else None,
    }


def accepted(phase: Phase, k: int, *, acks: bool) -> bool:
    """A message the server took on: acked (Hearth), or seen by anyone, or sent (baseline)."""
    if not acks:
        return True
    return phase.answered[k] == 1 or (phase.answered[k] == 0 and phase.per_msg[k] > 0)


def phase_summary(
    phase: Phase,
    receivers: list[Client],
    *,
    acks: bool,
    ks: range | None = None,
    resolved: bool = True,
) -> dict[str, object]:
    """Delivery and latency figures of a phase, over the measured ``receivers``.

    A receiver that the server disconnected (with a close frame or without, as Hearth drops a
    socket that stopped reading) or told ``too_slow`` knows it missed something: it reconnects
    with ``since``. Anything else a measured receiver did not get is a silent drop if the server
    had gone idle (``resolved``), and ``still_queued`` if it was still working when the wait ended.
    """
    ks = ks if ks is not None else range(phase.sent)
    room_of = {client.idx: client.room for client in receivers}
    size: dict[str, int] = {}
    for client in receivers:
        size[client.room] = size.get(client.room, 0) + 1
    owed_per_room: dict[str, int] = {}
    owed_total = 0
    unanswered = refused = 0
    for k in ks:
        if acks and phase.answered[k] == 2:
            refused += 1
            continue
        if not accepted(phase, k, acks=acks):
            unanswered += 1
        room = room_of.get(phase.sent_by[k])
        if room is None:
            continue
        owed_per_room[room] = owed_per_room.get(room, 0) + 1
        owed_total += size[room]
    whole = ks == range(phase.sent)
    if phase.counted and not whole:
        raise ValueError("deliveries counted in bulk cannot be split into windows of a phase")
    delivered = sum(phase.per_msg[k] for k in ks) + phase.counted
    told = silent = 0
    for client in receivers:
        missing = max(0, owed_per_room.get(client.room, 0) - client.got)
        if client.dropped or client.error_codes.get("too_slow"):
            told += missing
        else:
            silent += missing
    if whole:
        latencies = list(phase.lat)
    else:
        wanted = set(ks)
        latencies = [lat for lat, k in zip(phase.lat, phase.lat_k, strict=True) if k in wanted]
    queued = 0 if resolved else silent
    silent = silent if resolved else 0
    if not whole:
        # Receivers count what they got over the whole phase, so a window of it cannot say
        # who missed what: only its phase can.
        silent = queued = told = None  # type: ignore[assignment]
    summary: dict[str, object] = {
        "messages_sent": len(ks),
        "refused": refused,
        "refusal_codes": dict(phase.refusals),
        "unanswered": unanswered,
        "owed_deliveries": owed_total,
        "delivered": delivered,
        "delivered_fraction": delivered / owed_total if owed_total else None,
        "silent_drops": silent,
        "still_queued": queued,
        "dropped_with_notice": told,
        "late_from_earlier_phase": phase.late_from_earlier,
        "counted_in_bulk": phase.counted,
    }
    latency = latency_summary(latencies, owed_total)
    if phase.counted:
        # Deliveries counted in bulk were not timed, and latency over the rest alone would
        # describe only the senders: a phase with any has no latency figures.
        latency = dict.fromkeys(latency)
    summary.update(latency)
    return summary


async def drain(gen: Generator, phase: Phase, owed: int, *, acks: bool, within: float) -> float:
    """Wait until every owed delivery (and every ack) is in, or ``within`` s; seconds waited."""
    started = time.monotonic()
    deadline = started + within
    while time.monotonic() < deadline:
        answered = not acks or all(phase.answered)
        if phase.deliveries >= owed and answered:
            break
        await asyncio.sleep(0.05)
    return time.monotonic() - started


async def quiesce(
    gen: Generator, servers: list[Server], *, within: float, quiet_windows: int = 1
) -> tuple[float, bool]:
    """Wait until nothing arrives and the servers are idle for ``quiet_windows`` x 0.3 s.

    Returns the seconds waited and whether the servers did go idle within ``within`` seconds.
    """
    started = time.monotonic()
    deadline = started + within
    quiet = 0
    while time.monotonic() < deadline:
        frames = gen.deliveries + gen.presence_frames + gen.other_frames
        cpu = sum(server.cpu() for server in servers if server.alive())
        await asyncio.sleep(0.3)
        busy = sum(server.cpu() for server in servers if server.alive()) - cpu
        if gen.deliveries + gen.presence_frames + gen.other_frames == frames and busy < 0.03:
            quiet += 1
            if quiet >= quiet_windows:
                return time.monotonic() - started, True
        else:
            quiet = 0
    return time.monotonic() - started, False
