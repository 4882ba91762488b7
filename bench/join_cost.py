"""``python -m bench.join_cost``: a Hearth server's CPU per join and per leave, tree against tree.

    python -m bench.join_cost --size 500 --rounds 5 --tree /tmp/hearth-main --tree .
    python -m bench.join_cost --cookies first    # every client a browser session, new to the room

Each source tree (a checkout of Hearth; default: this one) gets one daphne process
(``python -m server.serve`` run from that tree, with the benchmark's settings). The rounds take
the servers in turn, so that a slow spell of the machine falls on all of them: in each round,
``--size`` people join a fresh room, 64 handshakes at a time (as scenario 1 of ``python -m
bench``), each until its welcome, then all leave. The figures are the server process's CPU (user
+ system, all threads, from /proc) per join and per leave, from the first handshake until the
server is idle again, and the wall time of the filling. CPU time is far steadier than wall time
on a shared machine, but still repeat and alternate before concluding anything.

``--cookies``: ``none`` (as the benchmark's clients: no session, a new identity each time),
``first`` (each client has a browser session that has not been in the room: its first visit
is recorded in the session) or ``returning`` (a session that has been in the room before).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from statistics import median

from bench.connecting import close_all, connect_many, connect_one
from bench.loadgen import HEARTH, Generator, Target
from bench.measure import drain, quiesce
from bench.servers import ROOT, Server, Services, free_port, listening, raise_fd_limit

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/hearth_join_cost"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"


@dataclass
class Round:
    tree: str
    joined: int
    failures: dict[str, int]
    fill_s: float
    join_cpu_ms: float
    leave_cpu_ms: float
    presence_frames: int


def start(services: Services, tree: Path, log: Path) -> Server:
    """Hearth from ``tree`` under daphne, as the benchmark runs it."""
    port = free_port()
    process = subprocess.Popen(
        [services.python, "-m", "server.serve", "-b", "127.0.0.1", "-p", str(port)],
        cwd=tree, env=services.hearth_env(), stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    return listening(Server(kind=HEARTH, port=port, process=process, log=log), name=str(tree))


def make_sessions(
    services: Services, count: int, rooms: list[str], *, returning: bool
) -> list[str]:
    """``count`` browser sessions with an identity each (the cookie header values)."""
    code = (
        "import os\n"
        "from django.contrib.sessions.backends.db import SessionStore\n"
        "from rooms.identity import ROOMS_SEEN_KEY, SESSION_KEY, new_identity\n"
        "rooms = os.environ['BENCH_SEEN'].split(',') if os.environ['BENCH_SEEN'] else []\n"
        "for _ in range(int(os.environ['BENCH_COUNT'])):\n"
        "    s = SessionStore()\n"
        "    s[SESSION_KEY] = new_identity().token\n"
        "    s[ROOMS_SEEN_KEY] = {room: 0 for room in rooms}\n"
        "    s.save()\n"
        "    print(s.session_key)\n"
    )
    env = services.hearth_env() | {
        "BENCH_COUNT": str(count),
        "BENCH_SEEN": ",".join(rooms) if returning else "",
    }
    result = subprocess.run(
        [services.python, "manage.py", "shell", "-c", code],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True,
    )  # fmt: skip
    return [f"hearth_session={key}" for key in result.stdout.split()]


async def one_round(
    gen: Generator, server: Server, tree: str, room: str, args: argparse.Namespace
) -> Round:
    await quiesce(gen, [server], within=15)
    presence0 = gen.presence_frames
    cpu0 = server.cpu()
    result = await connect_many(
        gen, Target(HEARTH, server.port), [room],
        per_room=args.size, concurrency=args.concurrency, within=120, first_idx=1_000_000,
    )  # fmt: skip
    await quiesce(gen, [server], within=15)
    cpu1 = server.cpu()
    await close_all(result.clients)
    await quiesce(gen, [server], within=15)
    cpu2 = server.cpu()
    joined = max(1, len(result.clients))
    return Round(
        tree=tree,
        joined=len(result.clients),
        failures=dict(result.failures),
        fill_s=result.seconds,
        join_cpu_ms=(cpu1 - cpu0) * 1000 / joined,
        leave_cpu_ms=(cpu2 - cpu1) * 1000 / joined,
        presence_frames=gen.presence_frames - presence0,
    )


async def measure(
    servers: list[Server],
    trees: list[Path],
    rooms: list[str],
    gen: Generator,
    args: argparse.Namespace,
) -> list[Round]:
    """Warm each server up, then the rounds, the servers in turn."""
    for server in servers:  # the first connection and message of each process
        client = await connect_one(gen, Target(HEARTH, server.port), rooms[-1], 0, within=20)
        gen.begin("warm-up")
        client.send_message()
        await drain(gen, gen.phase, 1, acks=False, within=5)  # type: ignore[arg-type]
        await close_all([client])
    rounds: list[Round] = []
    next_room = iter(rooms)
    for number in range(args.rounds):
        for tree, server in zip(trees, servers, strict=True):
            done = await one_round(gen, server, str(tree), next(next_room), args)
            rounds.append(done)
            print(f"round {number + 1} {done}", file=sys.stderr, flush=True)
    return rounds


def summary(rounds: list[Round]) -> str:
    lines = []
    for tree in dict.fromkeys(r.tree for r in rounds):
        mine = [r for r in rounds if r.tree == tree]
        joins = sorted(round(r.join_cpu_ms, 2) for r in mine)
        leave = median(r.leave_cpu_ms for r in mine)
        fill = median(r.fill_s for r in mine)
        presence = median(r.presence_frames for r in mine)
        lines.append(
            f"{tree}: CPU per join {median(joins):.2f} ms (runs {joins}), per leave {leave:.2f} ms;"
            f" filling {fill:.2f} s for {mine[0].joined} people; presence frames {presence:.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.join_cost", description=__doc__)
    parser.add_argument("--tree", action="append", help="a Hearth source tree (repeatable)")
    parser.add_argument("--size", type=int, default=500, help="people joining each round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--cookies", choices=("none", "first", "returning"), default="none")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_JOIN_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_JOIN_REDIS_URL", DEFAULT_REDIS)
    )
    parser.add_argument("--log-dir", default="/tmp/hearth-join-cost")
    args = parser.parse_args(argv)

    raise_fd_limit()
    trees = [Path(tree).resolve() for tree in args.tree or [str(ROOT)]]
    services = Services(
        database_url=args.database_url, hearth_redis_url=args.redis_url, baseline_redis_url=""
    )
    token = secrets.token_hex(3)
    rooms = [f"join_{token}_{n}" for n in range(len(trees) * args.rounds + 1)]
    services.prepare_database(recreate=True)
    services.create_rooms(rooms)
    gen = Generator()
    if args.cookies != "none":
        count = len(trees) * args.rounds * args.size + len(trees)
        gen.session_cookies = make_sessions(
            services, count, rooms, returning=args.cookies == "returning"
        )
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    servers: list[Server] = []
    try:
        for number, tree in enumerate(trees):
            servers.append(start(services, tree, log_dir / f"server-{number}.log"))
        rounds = asyncio.run(measure(servers, trees, rooms, gen, args))
    finally:
        for server in servers:
            server.stop()
    print(summary(rounds))


if __name__ == "__main__":
    main()
