"""``python -m bench``: run the benchmark, Hearth beside the Channels tutorial, and report.

    python -m bench                 # the full run (make bench), under 10 minutes
    python -m bench --quick         # a small run of every scenario (make bench-quick, the tests)
    python -m bench --scenarios one_room,churn --sizes 200,1000 --repeats 1

Results go to bench/results/<UTC time>/ (results.json, results.md, p99_vs_room_size.png, the
servers' logs); a full run of every scenario also rewrites the generated part of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import report
from bench.config import PROFILES, SCENARIOS
from bench.measure import GENERATOR_SATURATED
from bench.phases import Context, pool_size
from bench.scenarios import RUNNERS
from bench.servers import ROOT, RedisCpu, Services, raise_fd_limit, with_db

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/hearth_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379"
HEARTH_REDIS_DB = 13
BASELINE_REDIS_DB = 14


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    profile = parser.add_mutually_exclusive_group()
    profile.add_argument("--quick", action="store_const", const="quick", dest="profile")
    profile.add_argument("--full", action="store_const", const="full", dest="profile")
    parser.add_argument("--scenarios", help=f"comma-separated, of: {', '.join(SCENARIOS)}")
    parser.add_argument("--sizes", help="room sizes of the one-room scenario, e.g. 50,200")
    parser.add_argument("--repeats", type=int, help="runs of each one-room size and server")
    parser.add_argument("--out", type=Path, help="output folder (default bench/results/<time>)")
    parser.add_argument(
        "--database-url",
        help="an existing PostgreSQL database to migrate and use (default: create "
        "hearth_bench afresh on 127.0.0.1)",
    )
    parser.add_argument("--redis-url", help=f"Redis server (default {DEFAULT_REDIS})")
    parser.add_argument("--hearth-only", action="store_true", help="skip the baseline")
    docs = parser.add_mutually_exclusive_group()
    docs.add_argument("--docs", action="store_true", default=None, help="rewrite the docs table")
    docs.add_argument("--no-docs", action="store_false", dest="docs")
    parser.set_defaults(profile="full")
    return parser.parse_args(argv)


def build_config(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    config = PROFILES[args.profile]
    if args.scenarios:
        names = tuple(name.strip() for name in args.scenarios.split(",") if name.strip())
        unknown = set(names) - set(SCENARIOS)
        if unknown:
            raise SystemExit(f"unknown scenario(s): {', '.join(sorted(unknown))}")
        config = replace(config, scenarios=names)
    if args.sizes:
        config = replace(config, sizes=tuple(int(size) for size in args.sizes.split(",")))
    if args.repeats:
        config = replace(config, repeats=args.repeats, repeats_above={})
    if args.hearth_only:
        config = replace(config, kinds=("hearth",))
    return config


def services_of(args: argparse.Namespace) -> tuple[Services, bool]:
    redis_url = args.redis_url or os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS
    database_url = args.database_url or os.environ.get("BENCH_DATABASE_URL")
    services = Services(
        database_url=database_url or DEFAULT_DATABASE,
        hearth_redis_url=with_db(redis_url, HEARTH_REDIS_DB),
        baseline_redis_url=with_db(redis_url, BASELINE_REDIS_DB),
    )
    return services, database_url is None


def describe_machine() -> str:
    try:
        with open("/proc/meminfo") as meminfo:
            kib = int(meminfo.readline().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except OSError:
        memory = "?"
    return f"{os.cpu_count()} cores, {memory}, {platform.system()} {platform.release()}"


def git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def versions() -> dict[str, str]:
    found = {"python": platform.python_version()}
    for name in ("django", "channels", "channels-redis", "daphne", "twisted", "redis", "uvloop"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name)
    return found


BLEACH_REFERENCE = """
import json, statistics, time
import bleach
from bench.moderation_step import ordinary_messages
from moderation.evaluation import load_examples
messages = ordinary_messages([e.text for e in load_examples() if not e.labels])
timings = []
for _ in range(REPEAT):
    for message in messages:
        start = time.perf_counter_ns()
        bleach.clean(message)
        timings.append((time.perf_counter_ns() - start) / 1000)
print(json.dumps({"median_us": statistics.median(timings)}))
"""


def moderation_step(services: Services, *, repeat: int) -> dict[str, Any]:
    """The moderation step's cost per message, from ``python -m bench.moderation_step --json``.

    For reference, ``bleach.clean`` alone is timed on the same messages (the issue's 70 µs).
    """
    if not (ROOT / "bench" / "moderation_step.py").exists():
        return {"available": False, "reason": "bench/moderation_step.py does not exist"}
    env = services.hearth_env()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bench.moderation_step", "--json", "--repeat", str(repeat)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        data = json.loads(result.stdout)
        ordinary = data["ordinary_200_chars"]
    except (subprocess.SubprocessError, ValueError, KeyError, TypeError) as error:
        detail = getattr(error, "stderr", None) or str(error)
        return {"available": False, "reason": f"bench.moderation_step failed: {detail[-300:]}"}
    figures: dict[str, Any] = {
        "available": True,
        "median_us": ordinary["median_us"],
        "p99_us": ordinary.get("p99_us"),
        "detail": (
            f"{ordinary.get('messages')} ordinary messages of about "
            f"{ordinary.get('mean_chars')} characters, {ordinary.get('calls')} timed calls; "
            f"p99 {ordinary.get('p99_us')} µs; labelled corpus median "
            f"{data.get('labelled_corpus', {}).get('median_us')} µs"
        ),
        "raw": data,
    }
    with contextlib.suppress(subprocess.SubprocessError, ValueError, KeyError):
        reference = subprocess.run(
            [sys.executable, "-c", BLEACH_REFERENCE.replace("REPEAT", str(repeat))],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        figures["bleach_clean_median_us"] = json.loads(reference.stdout)["median_us"]
    return figures


def collect(results: dict[str, Any]) -> None:
    """Phases where the generator was near a full core, and the most outside load seen."""
    saturated: list[str] = []
    other = 0.0

    def walk(node: object, where: str) -> None:
        nonlocal other
        if isinstance(node, dict):
            share = node.get("generator_core_share")
            if isinstance(share, float) and share > GENERATOR_SATURATED and "wall_s" in node:
                saturated.append(f"{where} ({share * 100:.0f}%)")
            if isinstance(node.get("other_core_share"), float):
                other = max(other, node["other_core_share"])
            label = where
            if "kind" in node and "size" in node:
                label = f"one_room {node['kind']} N={node['size']}"
            for key, value in node.items():
                if key != "summary":
                    walk(value, f"{label}/{key}" if key not in ("runs",) else label)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    walk(results["scenarios"], "")
    results["generator_saturated_phases"] = [name.strip("/") for name in saturated]
    results["max_other_core_share"] = other


async def run(args: argparse.Namespace) -> Path:
    config = build_config(args)
    services, create = services_of(args)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = args.out or ROOT / "bench" / "results" / stamp
    log_dir = out / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    raise_fd_limit()
    token = secrets.token_hex(3)
    ctx = Context(
        services=services, config=config, log_dir=log_dir, token=token,
        redis=RedisCpu(services.hearth_redis_url),
    )  # fmt: skip
    started_wall = time.monotonic()
    load = os.getloadavg()
    ctx.progress(f"preparing the database ({services.database_url.rsplit('/', 1)[-1]})")
    await asyncio.to_thread(services.prepare_database, recreate=create)
    ctx.hearth_rooms = [f"bench_{token}_{i}" for i in range(pool_size(config))]
    await asyncio.to_thread(services.create_rooms, [ctx.warm_room, *ctx.hearth_rooms])
    results: dict[str, Any] = {
        "meta": {
            "started": stamp,
            "profile": config.profile,
            "config": config.as_dict(),
            "machine": describe_machine(),
            "cores": os.cpu_count() or 1,
            "load_average_at_start": load,
            "versions": versions(),
            "commit": git("rev-parse", "--short", "HEAD") or "?",
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
            "generator_loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
        },
        "scenarios": {},
    }
    try:
        for name in config.scenarios:
            if name == "two_processes" and "hearth" not in config.kinds:
                continue
            results["scenarios"][name] = await RUNNERS[name](ctx)
    finally:
        await asyncio.to_thread(services.forget_redis_state, token)
    ctx.progress("moderation step")
    results["moderation"] = await asyncio.to_thread(
        moderation_step, services, repeat=config.moderation_repeat
    )
    results["meta"]["duration_s"] = time.monotonic() - started_wall
    collect(results)
    paths = report.write(results, out)
    full = config.profile == "full" and set(config.scenarios) == set(SCENARIOS)
    if args.docs or (args.docs is None and full):
        report.write_docs(results, out)
        paths["docs"] = report.DOCS
    ctx.progress("wrote " + ", ".join(str(path) for path in paths.values()))
    return out


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    try:
        import uvloop
    except ImportError:
        asyncio.run(run(args))
    else:
        uvloop.run(run(args))


if __name__ == "__main__":
    main()
