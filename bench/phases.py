"""The building blocks every scenario is made of: serve, fill a room, fixed rate, saturation."""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from bench.config import Config
from bench.connecting import ConnectResult, close_all, connect_many, connect_one
from bench.counting import counting
from bench.loadgen import HEARTH, Client, Generator, Phase, Target
from bench.measure import Window, drain, phase_summary, quiesce
from bench.servers import RedisCpu, Server, Services


@dataclass
class Context:
    services: Services
    config: Config
    log_dir: Path
    token: str
    redis: RedisCpu
    hearth_rooms: list[str] = field(default_factory=list)
    baseline_rooms: int = 0
    started: float = field(default_factory=time.monotonic)

    @property
    def warm_room(self) -> str:
        return f"bench_{self.token}_warm"

    def take_room(self, kind: str) -> str:
        """A fresh room for one run: Hearth's were created up front, the baseline's need none."""
        if kind == HEARTH:
            return self.hearth_rooms.pop(0)
        self.baseline_rooms += 1
        return f"bench_{self.token}_b{self.baseline_rooms}"

    def progress(self, message: str) -> None:
        print(f"[bench {time.monotonic() - self.started:6.1f}s] {message}", file=sys.stderr)


def pool_size(config: Config) -> int:
    """How many Hearth rooms a run of this configuration takes (with room to spare)."""
    rooms = sum(config.repeats_for(size) for size in config.sizes) + config.many_rooms
    return rooms + 2 * config.two_repeats + 10


@contextlib.asynccontextmanager
async def serving(ctx: Context, kind: str, count: int = 1) -> AsyncIterator[list[Server]]:
    """Fresh server processes for one run, warmed up (first connection and message served)."""
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(await asyncio.to_thread(ctx.services.start, kind, ctx.log_dir))
        gen = Generator()
        warm = ctx.warm_room if kind == HEARTH else f"bench_{ctx.token}_warm"
        for server in servers:
            client = await connect_one(gen, Target(kind, server.port), warm, 0, within=20)
            gen.begin("warm-up")
            client.send_message()
            await drain(gen, gen.phase, 1, acks=False, within=5)  # type: ignore[arg-type]
            await close_all([client])
        await quiesce(gen, servers, within=3)
        for server in servers:
            server.idle_rss_kib = server.rss()
        yield servers
    finally:
        for server in servers:
            await asyncio.to_thread(server.stop)
        if kind != HEARTH:
            await asyncio.to_thread(ctx.services.forget_redis_state, ctx.token)


def connect_figures(result: ConnectResult, wanted: int, window: Window) -> dict[str, object]:
    per = sorted(result.per_client_ms)
    return {
        "wanted": wanted,
        "connected": len(result.clients),
        "failures": dict(result.failures),
        "seconds": result.seconds,
        "per_second": len(result.clients) / result.seconds if result.seconds else None,
        "p50_ms": per[len(per) // 2] if per else None,
        "p99_ms": per[min(len(per) - 1, int(len(per) * 0.99))] if per else None,
        "server_cpu_s": window.result["server_cpu_s"],
        "server_cpu_ms_per_connection": (
            window.result["server_cpu_s"] * 1000 / len(result.clients) if result.clients else None
        ),
        "generator_core_share": window.result["generator_core_share"],
    }


async def fill(
    ctx: Context, gen: Generator, servers: list[Server], kind: str, rooms: list[str], per_room: int
) -> tuple[list[Client], dict[str, object]]:
    """Connect ``per_room`` clients to each room, spread over the servers; then let it settle."""
    cfg = ctx.config
    presence0 = gen.presence_frames
    clients: list[Client] = []
    results = []
    with Window(servers, ctx.redis) as window:
        jobs = []
        for index, server in enumerate(servers):
            share = per_room // len(servers) + (1 if index < per_room % len(servers) else 0)
            jobs.append(
                connect_many(
                    gen, Target(kind, server.port), rooms,
                    per_room=share, concurrency=max(1, cfg.connect_concurrency // len(servers)),
                    within=cfg.connect_timeout, first_idx=index * 1_000_000,
                )
            )  # fmt: skip
        results = await asyncio.gather(*jobs)
    for result in results:
        clients.extend(result.clients)
    merged = ConnectResult(
        clients=clients,
        seconds=max(result.seconds for result in results),
        per_client_ms=[ms for result in results for ms in result.per_client_ms],
        failures=sum((result.failures for result in results), start=Counter()),
    )
    figures = connect_figures(merged, per_room * len(rooms), window)
    figures["settle_s"], figures["settled"] = await quiesce(
        gen, servers, within=cfg.quiesce_timeout
    )
    figures["presence_frames"] = gen.presence_frames - presence0
    rss = [server.rss() for server in servers]
    connected = max(1, len(clients))
    figures["rss_kib"] = sum(rss)
    figures["idle_rss_kib"] = sum(server.idle_rss_kib for server in servers)
    figures["kib_per_connection"] = (sum(rss) - figures["idle_rss_kib"]) / connected  # type: ignore[operator]
    return clients, figures


async def fixed_rate(
    ctx: Context,
    gen: Generator,
    servers: list[Server],
    senders: list[Client],
    receivers: list[Client],
    *,
    acks: bool,
    rate: float,
    seconds: float,
    marks: dict[str, int] | None = None,
) -> dict[str, object]:
    """Send ``rate`` messages a second, round robin over ``senders``, then wait for them all."""
    phase = gen.begin("fixed")
    for client in receivers:
        client.got = 0
    loop = asyncio.get_running_loop()
    count = round(rate * seconds)
    lag = 0.0
    with Window(servers, ctx.redis) as window:
        start = loop.time()
        for k in range(count):
            delay = start + k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lag = max(lag, -delay)
            senders[k % len(senders)].send_message()
    size: dict[str, int] = {}
    for client in receivers:
        size[client.room] = size.get(client.room, 0) + 1
    owed = sum(size.get(senders[k % len(senders)].room, 0) for k in range(count))
    drained, resolved = await finish(ctx, gen, servers, phase, owed, acks=acks)
    summary = phase_summary(phase, receivers, acks=acks, resolved=resolved)
    summary.update(
        rate=rate,
        seconds=seconds,
        drain_s=drained,
        send_lag_max_ms=lag * 1000,
        **window.result,
    )
    if marks:
        summary["windows"] = {
            name: phase_summary(
                phase, receivers, acks=acks, ks=range(start_k, end_k), resolved=resolved
            )
            for name, (start_k, end_k) in _windows(marks, phase.sent).items()
        }
    return summary


async def finish(
    ctx: Context, gen: Generator, servers: list[Server], phase: Phase, owed: int, *, acks: bool
) -> tuple[float, bool]:
    """Wait for the phase's deliveries; if some are missing, for the servers to go idle.

    Returns the seconds waited and whether every delivery is accounted for: all arrived, or the
    servers went idle without sending the rest (so whatever is missing will never come).
    """
    cfg = ctx.config
    waited = await drain(gen, phase, owed, acks=acks, within=cfg.drain_seconds)
    if phase.deliveries >= owed:
        return waited, True
    settled, idle = await quiesce(gen, servers, within=cfg.settle_seconds, quiet_windows=3)
    # A send Hearth has not answered yet is still on its way through the server (an idle CPU
    # may only mean it waits for PostgreSQL): nothing is known to be lost while one is left.
    answered = not acks or all(phase.answered[k] or phase.per_msg[k] for k in range(phase.sent))
    return waited + settled, idle and answered


def _windows(marks: dict[str, int], total: int) -> dict[str, tuple[int, int]]:
    names = sorted(marks, key=marks.__getitem__)
    bounds = [0, *[marks[name] for name in names], total]
    labels = ["before", *names]
    return {labels[i]: (bounds[i], bounds[i + 1]) for i in range(len(labels))}


async def saturation(
    ctx: Context,
    gen: Generator,
    servers: list[Server],
    senders: list[Client],
    receivers: list[Client],
    *,
    acks: bool,
) -> dict[str, object]:
    """Closed loop: the senders keep a few messages in flight, each until its sender sees it.

    The number in flight shrinks as rooms grow (about ``sat_in_flight`` deliveries, between 4 and
    32 messages), so the server always has work queued but a stop drains in a few seconds. Only
    the count of deliveries matters here: the receivers that do not send count them in bulk
    (bench.counting), so the generator's CPU goes to the servers, not to timing each frame.
    """
    cfg = ctx.config
    in_flight = max(4, min(32, cfg.sat_in_flight // max(1, len(receivers))))
    senders = senders[: min(len(senders), in_flight)]
    window_per_sender = max(1, in_flight // max(1, len(senders)))
    phase = gen.begin("saturation")
    for client in receivers:
        client.got = 0
    running = True
    expired = 0

    def send(client: Client) -> None:
        m = client.send_message()
        client.outstanding[m] = time.monotonic_ns()

    def on_own(client: Client) -> None:
        if running:
            send(client)

    async def reap() -> None:
        nonlocal expired
        while True:
            await asyncio.sleep(0.5)
            limit = time.monotonic_ns() - 5_000_000_000
            for client in senders:
                for m, sent in list(client.outstanding.items()):
                    if sent < limit:
                        del client.outstanding[m]
                        expired += 1
                        if running:
                            send(client)

    sending = set(map(id, senders))
    with counting([client for client in receivers if id(client) not in sending]) as reading:
        for client in senders:
            client.on_own = on_own
            for _ in range(window_per_sender):
                send(client)
        reaper = asyncio.create_task(reap())
        try:
            # The window opens and closes just after a tick has read every counting socket, so
            # what it counts arrived within it.
            await asyncio.sleep(cfg.sat_warmup)
            await reading.next_tick()
            before = gen.deliveries
            sent_before = phase.sent
            with Window(servers, ctx.redis) as window:
                await asyncio.sleep(cfg.sat_seconds - reading.period / 2)
                await reading.next_tick()
                deliveries = gen.deliveries - before
                messages = phase.sent - sent_before
        finally:
            running = False
            reaper.cancel()
        owed = phase.sent * len(receivers)
        drained, resolved = await finish(ctx, gen, servers, phase, owed, acks=acks)
    for client in senders:
        client.on_own = None
        client.outstanding.clear()
    wall = window.result["wall_s"]
    summary = phase_summary(phase, receivers, acks=acks, resolved=resolved)
    summary.update(
        in_flight_messages=len(senders) * window_per_sender,
        deliveries_per_s=deliveries / wall,
        messages_per_s=messages / wall,
        server_cpu_us_per_delivery=(
            window.result["server_cpu_s"] / deliveries * 1e6 if deliveries else None
        ),
        expired_in_flight=expired,
        drain_s=drained,
        **window.result,
    )
    return summary


def medians(runs: list[dict[str, object]], path: tuple[str, ...]) -> float | None:
    """Median of a figure over the runs that measured it (None if one of them lost it)."""
    values = []
    for run in runs:
        if path[0] not in run:
            continue
        value: object = run
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is None:
            return None
        values.append(float(value))  # type: ignore[arg-type]
    return median(values) if values else None
