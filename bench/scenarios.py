"""The five scenarios of the benchmark. Each returns plain data for the report.

1. ``one_room``: one room of N people: connect time, memory, saturation, then 20 msg/s for 8 s.
2. ``many_rooms``: 100 rooms of 20 people, one message a second in each.
3. ``slow_client``: one person stops reading for 10 s while the room talks at 20 msg/s.
4. ``churn``: 20 connects and disconnects a second while the room talks at 20 msg/s.
5. ``two_processes``: Hearth's saturation with one process, then two sharing Redis and PostgreSQL.

Hearth and the baseline run the same scenarios, one after the other, each on a fresh process.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from statistics import median
from typing import Any

from bench.connecting import close_all, connect_one
from bench.loadgen import HEARTH, Client, Generator, Target
from bench.measure import quiesce
from bench.phases import Context, fill, fixed_rate, medians, saturation, serving
from bench.servers import Server

ONE_ROOM_FIGURES = {
    "connect_s": ("connect", "seconds"),
    "connect_server_cpu_ms": ("connect", "server_cpu_ms_per_connection"),
    "presence_frames": ("connect", "presence_frames"),
    "kib_per_connection": ("connect", "kib_per_connection"),
    "deliveries_per_s": ("saturation", "deliveries_per_s"),
    "cpu_us_per_delivery": ("saturation", "server_cpu_us_per_delivery"),
    "p50_ms": ("fixed", "p50_ms"),
    "p90_ms": ("fixed", "p90_ms"),
    "p99_ms": ("fixed", "p99_ms"),
    "max_ms": ("fixed", "max_ms"),
    "delivered_fraction": ("fixed", "delivered_fraction"),
    "silent_drops": ("fixed", "silent_drops"),
    "still_queued": ("fixed", "still_queued"),
    "within_1s": ("fixed", "within_1s"),
    "generator_core_share": ("saturation", "generator_core_share"),
    "redis_core_share": ("saturation", "redis_core_share"),
}


async def one_room(ctx: Context) -> dict[str, object]:
    cfg = ctx.config
    runs: list[dict[str, object]] = []
    # A server that could not keep up at the fixed rate with 1,000 people is not run at it with
    # more (the wait for a backlog it cannot clear would cost minutes and say nothing new).
    hopeless: dict[str, int] = {}
    for size in cfg.sizes:
        runs.extend(await _one_room_size(ctx, size, hopeless))
    return {"runs": runs, "summary": one_room_summary(runs)}


def one_room_summary(runs: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Medians per server and room size over the runs that measured each figure."""
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for run in runs:
        summary.setdefault(run["kind"], {}).setdefault(str(run["size"]), {})
    for kind, sizes in summary.items():
        for size in sizes:
            mine = [run for run in runs if run["kind"] == kind and str(run["size"]) == size]
            figures: dict[str, Any] = {
                name: medians(mine, path) for name, path in ONE_ROOM_FIGURES.items()
            }
            figures["runs"] = len([run for run in mine if "fixed" in run])
            skipped = [run["fixed_skipped"] for run in mine if "fixed_skipped" in run]
            if skipped and not figures["runs"]:
                figures["fixed_skipped"] = skipped[0]
            connects = [run["connect"] for run in mine if "connect" in run]
            figures["connected"] = connects[0]["connected"] if connects else 0
            sizes[size] = figures
    return summary


async def _one_room_size(
    ctx: Context, size: int, hopeless: dict[str, int]
) -> list[dict[str, object]]:
    """Both servers up at once with a room of ``size`` each; repeats alternate between them.

    Each server is filled once (connect time and memory are measured then); the saturation and
    fixed-rate phases are then repeated, Hearth and baseline in turn, each after the other
    server has gone idle. A server that could not deliver everything at the fixed rate is not
    run at that rate again: its backlog would spill into the next repeat.
    """
    cfg = ctx.config
    repeats = cfg.repeats_for(size)
    runs: list[dict[str, object]] = []
    async with contextlib.AsyncExitStack() as stack:
        sides: dict[str, tuple[list[Server], Generator, list[Client]]] = {}
        for kind in cfg.kinds:
            servers = await stack.enter_async_context(serving(ctx, kind))
            gen = Generator()
            ctx.progress(f"one room: {kind} N={size}: connecting")
            clients, connect = await fill(ctx, gen, servers, kind, [ctx.take_room(kind)], size)
            if len(clients) < size:
                ctx.progress(f"  only {len(clients)} of {size} connected: {connect['failures']}")
            sides[kind] = (servers, gen, clients)
            for repeat in range(repeats):
                run: dict[str, object] = {"kind": kind, "size": size, "repeat": repeat}
                if repeat == 0:
                    run["connect"] = connect
                runs.append(run)
        every_server = [server for servers, _, _ in sides.values() for server in servers]
        overloaded: set[str] = {kind for kind, at in hopeless.items() if at < size}
        for kind in overloaded:
            for run in runs:
                if run["kind"] == kind:
                    run["fixed_skipped"] = f"could not keep up with N = {hopeless[kind]:,}"
        for phase_name in ("saturation", "fixed"):
            for repeat in range(repeats):
                for kind, (servers, gen, clients) in sides.items():
                    run = next(r for r in runs if r["kind"] == kind and r["repeat"] == repeat)
                    if not clients or (phase_name == "fixed" and kind in overloaded):
                        continue
                    ctx.progress(f"one room: {kind} N={size} {phase_name} run {repeat + 1}")
                    run[f"settle_before_{phase_name}_s"] = (
                        await quiesce(gen, every_server, within=cfg.quiesce_timeout)
                    )[0]
                    acks = kind == HEARTH
                    if phase_name == "saturation":
                        run["saturation"] = await saturation(
                            ctx, gen, servers, clients[: cfg.sat_senders], clients, acks=acks
                        )
                    else:
                        run["fixed"] = fixed = await fixed_rate(
                            ctx, gen, servers, clients[: cfg.fixed_senders], clients,
                            acks=acks, rate=cfg.rate, seconds=cfg.fixed_seconds,
                        )  # fmt: skip
                        if fixed["delivered_fraction"] != 1.0:
                            overloaded.add(kind)
                            if size >= 1000:
                                hopeless.setdefault(kind, size)
        for kind, (servers, _, clients) in sides.items():
            runs_of_kind = [run for run in runs if run["kind"] == kind]
            runs_of_kind[0]["server_log_tail"] = _errors_in(servers[0].log)
            await close_all(clients)
    return runs


async def many_rooms(ctx: Context) -> dict[str, object]:
    cfg = ctx.config
    result: dict[str, object] = {}
    for kind in cfg.kinds:
        ctx.progress(f"many rooms: {kind} {cfg.many_rooms} x {cfg.many_room_size}")
        rooms = [ctx.take_room(kind) for _ in range(cfg.many_rooms)]
        async with serving(ctx, kind) as servers:
            gen = Generator()
            clients, connect = await fill(ctx, gen, servers, kind, rooms, cfg.many_room_size)
            senders = list({client.room: client for client in reversed(clients)}.values())
            fixed = await fixed_rate(
                ctx, gen, servers, senders, clients, acks=kind == HEARTH,
                rate=cfg.many_rate_per_room * len(senders), seconds=cfg.many_seconds,
            )  # fmt: skip
            await close_all(clients)
        result[kind] = {"connect": connect, "fixed": fixed}
    return result


async def slow_client(ctx: Context) -> dict[str, object]:
    cfg = ctx.config
    result: dict[str, object] = {}
    for kind in cfg.kinds:
        ctx.progress(f"slow client: {kind} N={cfg.slow_size}, paused {cfg.slow_pause:g}s")
        result[kind] = await _slow_client_run(ctx, kind)
    return result


async def _slow_client_run(ctx: Context, kind: str) -> dict[str, object]:
    cfg = ctx.config
    room = ctx.take_room(kind)
    async with serving(ctx, kind) as servers:
        server = servers[0]
        gen = Generator()
        clients, connect = await fill(ctx, gen, servers, kind, [room], cfg.slow_size)
        slow = await connect_one(
            gen, Target(kind, server.port), room, 999_999, within=10, rcvbuf=cfg.slow_rcvbuf
        )
        slow.measured = False
        marks: dict[str, int] = {}
        rss: list[tuple[float, int]] = []

        async def pause_and_resume() -> None:
            await asyncio.sleep(cfg.slow_before)
            slow.pause()
            marks["paused"] = gen.phase.sent  # type: ignore[union-attr]
            await asyncio.sleep(cfg.slow_pause)
            slow.resume()
            marks["resumed"] = gen.phase.sent  # type: ignore[union-attr]

        async def sample_rss() -> None:
            started = time.monotonic()
            while True:
                rss.append((time.monotonic() - started, server.rss()))
                await asyncio.sleep(0.25)

        slow.got = 0
        tasks = [asyncio.create_task(pause_and_resume()), asyncio.create_task(sample_rss())]
        seconds = cfg.slow_before + cfg.slow_pause + cfg.slow_after
        try:
            fixed = await fixed_rate(
                ctx, gen, servers, clients[: cfg.fixed_senders], clients, acks=kind == HEARTH,
                rate=cfg.rate, seconds=seconds, marks=marks,
            )  # fmt: skip
            owed = int(fixed["messages_sent"]) - int(fixed["refused"])  # type: ignore[call-overload]
            for _ in range(int(cfg.drain_seconds / 0.05)):
                if slow.got >= owed or slow.closed.done():
                    break
                await asyncio.sleep(0.05)
        finally:
            for task in tasks:
                task.cancel()
        paused = [kib for at, kib in rss if cfg.slow_before <= at < seconds - cfg.slow_after]
        before = median([kib for at, kib in rss if at < cfg.slow_before] or [rss[0][1]])
        await close_all([*clients, slow])
    return {
        "connect": connect,
        "fixed": fixed,
        "slow_client": {
            "owed": owed,
            "got": slow.got,
            "close_code": slow.close_code,
            "errors": dict(slow.error_codes),
            "caught_up": slow.got >= owed,
        },
        "rss_before_kib": before,
        "rss_max_paused_kib": max(paused, default=None),
        "rss_growth_kib": (max(paused) - before) if paused else None,
    }


async def churn(ctx: Context) -> dict[str, object]:
    cfg = ctx.config
    result: dict[str, object] = {}
    for kind in cfg.kinds:
        ctx.progress(f"churn: {kind} N={cfg.churn_size}, {cfg.churn_per_second:g} joins/s")
        result[kind] = await _churn_run(ctx, kind)
    return result


async def _churn_run(ctx: Context, kind: str) -> dict[str, object]:
    cfg = ctx.config
    room = ctx.take_room(kind)
    async with serving(ctx, kind) as servers:
        gen = Generator()
        clients, connect = await fill(ctx, gen, servers, kind, [room], cfg.churn_size)
        target = Target(kind, servers[0].port)
        joins: list[float] = []
        failures: dict[str, int] = {}
        pending: set[asyncio.Task[None]] = set()

        async def churner(idx: int) -> None:
            started = time.monotonic()
            try:
                client = await connect_one(gen, target, room, idx, within=10)
            except (TimeoutError, ConnectionError, OSError) as error:
                key = type(error).__name__
                failures[key] = failures.get(key, 0) + 1
                return
            client.measured = False
            joins.append((time.monotonic() - started) * 1000)
            await asyncio.sleep(cfg.churn_lifetime)
            await close_all([client], within=3)

        async def churning() -> None:
            idx = 2_000_000
            while True:
                task = asyncio.create_task(churner(idx))
                pending.add(task)
                task.add_done_callback(pending.discard)
                idx += 1
                await asyncio.sleep(1 / cfg.churn_per_second)

        driver = asyncio.create_task(churning())
        try:
            fixed = await fixed_rate(
                ctx, gen, servers, clients[: cfg.fixed_senders], clients, acks=kind == HEARTH,
                rate=cfg.rate, seconds=cfg.churn_seconds,
            )  # fmt: skip
        finally:
            driver.cancel()
        if pending:
            await asyncio.wait(pending, timeout=15)
        await close_all(clients)
    joins.sort()
    return {
        "connect": connect,
        "fixed": fixed,
        "churn": {
            "joined": len(joins),
            "failures": failures,
            "join_p50_ms": joins[len(joins) // 2] if joins else None,
            "join_p99_ms": joins[min(len(joins) - 1, int(len(joins) * 0.99))] if joins else None,
        },
    }


async def two_processes(ctx: Context) -> dict[str, object]:
    """Hearth only: the same room and load on one process, then on two sharing Redis and PG.

    The pairs of runs alternate (one, two, one, two, ...) and the speedup is the ratio of the
    medians: on a shared machine one run's figure moves with whatever else is running.
    """
    cfg = ctx.config
    runs: dict[int, list[dict[str, object]]] = {1: [], 2: []}
    for repeat in range(cfg.two_repeats):
        for count in (1, 2):
            ctx.progress(
                f"two processes: hearth x{count}, N={cfg.two_size} ({repeat + 1}/{cfg.two_repeats})"
            )
            # Latency at the fixed rate is measured in the first pair only: the repeats are for
            # the saturation ratio, and the whole run must stay under 10 minutes.
            runs[count].append(await _processes_run(ctx, count, fixed=repeat == 0))
    result: dict[str, object] = {}
    for count, measured in runs.items():
        ordered = sorted(measured, key=_saturation_rate)
        median_run = dict(ordered[len(ordered) // 2])
        median_run["fixed"] = measured[0]["fixed"]
        median_run["saturation_runs"] = [_saturation_rate(run) for run in measured]
        # Errors in any run reach the report, not only the median run's.
        median_run["server_log_tail"] = [
            line for run in measured for line in run["server_log_tail"]
        ]
        result[f"processes_{count}"] = median_run
    one = _saturation_rate(result["processes_1"])  # type: ignore[arg-type]
    two = _saturation_rate(result["processes_2"])  # type: ignore[arg-type]
    result["speedup"] = two / one if one else None
    return result


async def _processes_run(ctx: Context, count: int, *, fixed: bool) -> dict[str, object]:
    cfg = ctx.config
    room = ctx.take_room(HEARTH)
    async with serving(ctx, HEARTH, count) as servers:
        gen = Generator()
        clients, connect = await fill(ctx, gen, servers, HEARTH, [room], cfg.two_size)
        senders = _spread(clients, cfg.sat_senders)
        sat = await saturation(ctx, gen, servers, senders, clients, acks=True)
        latency = None
        if fixed:
            await _settle(ctx, gen, servers)
            latency = await fixed_rate(
                ctx, gen, servers, _spread(clients, cfg.fixed_senders), clients,
                acks=True, rate=cfg.rate, seconds=cfg.fixed_seconds,
            )  # fmt: skip
        await close_all(clients)
        return {
            "connect": connect,
            "saturation": sat,
            "fixed": latency,
            "server_log_tail": _errors_in(servers[-1].log),
        }


def _saturation_rate(run: dict[str, object]) -> float:
    return run["saturation"]["deliveries_per_s"]  # type: ignore[index,no-any-return]


def _spread(clients: list[Client], count: int) -> list[Client]:
    """``count`` senders taken alternately from each server's clients."""
    by_server: dict[int, list[Client]] = {}
    for client in clients:
        by_server.setdefault(client.target.port, []).append(client)
    groups = list(by_server.values())
    chosen: list[Client] = []
    for i in range(count):
        group = groups[i % len(groups)]
        if i // len(groups) < len(group):
            chosen.append(group[i // len(groups)])
    return chosen


async def _settle(ctx: Context, gen: Generator, servers: list[Server]) -> float:
    return (await quiesce(gen, servers, within=ctx.config.quiesce_timeout))[0]


def _errors_in(log: object) -> list[str]:
    """The last error lines a server logged (there should be none)."""
    try:
        text = log.read_text(errors="replace")  # type: ignore[attr-defined]
    except OSError:
        return []
    lines = [line for line in text.splitlines() if "ERROR" in line or "Error" in line]
    return lines[-5:]


RUNNERS = {
    "one_room": one_room,
    "many_rooms": many_rooms,
    "slow_client": slow_client,
    "churn": churn,
    "two_processes": two_processes,
}
