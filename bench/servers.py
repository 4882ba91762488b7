"""Start and stop the servers under test, prepare their databases, and read their resource use.

Hearth runs as ``python -m server.serve`` (daphne) against its own benchmark database and a Redis
database of its own; the baseline, the Channels tutorial chat in ``bench/baseline``, runs under
daphne with its RedisChannelLayer on another Redis database. Every measured run gets a fresh server
process, so one run's backlog cannot leak into the next.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import redis

ROOT = Path(__file__).resolve().parents[1]
BASELINE_DIR = ROOT / "bench" / "baseline"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024
BENCH_SECRET = "hearth-bench-only-secret-key-0123456789-abcdefghijklmnopqrst"
# Benchmark clients all come from 127.0.0.1 and its senders post far faster than a person may:
# the per-identity message rate, the per-address connection and handshake limits and the
# per-connection frame rate are lifted for the benchmark (docs/performance.md says so).
BENCH_LIMITS_ENV = {
    "HEARTH_RATE_BURST": "100000",
    "HEARTH_RATE_REFILL_SECONDS": "0.001",
    "HEARTH_MAX_CONNECTIONS_PER_ADDRESS": "1000000",
    "HEARTH_HANDSHAKE_BURST": "1000000",
    "HEARTH_HANDSHAKE_REFILL_SECONDS": "0.001",
    "HEARTH_FRAME_RATE": "1000000",
    "HEARTH_FRAME_BURST": "1000000",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_fd_limit() -> None:
    """Thousands of sockets per process: lift the soft limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def with_db(url: str, db: int | str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{db}"))


# --- resource use of a process ---------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all its threads), in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * PAGE_KIB


class RedisCpu:
    """CPU seconds the Redis server used (INFO cpu), for deltas around a phase."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2)

    def seconds(self) -> float:
        try:
            info = self.client.info("cpu")
        except redis.RedisError:
            return float("nan")
        return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine spent busy (for spotting outside load)."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / CLOCK_TICKS


def _profile_if_asked(server: Server) -> None:
    """With BENCH_PY_SPY_DIR set, py-spy samples each server for its whole life (raw stacks,
    all threads, one file per server) so a slow figure can be traced to code; off by default,
    since sampling costs the server some CPU."""
    folder = os.environ.get("BENCH_PY_SPY_DIR")
    if not folder:
        return
    out = Path(folder) / f"{server.kind}-{server.port}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    py_spy = str(Path(sys.executable).with_name("py-spy"))
    subprocess.Popen(
        [py_spy, "record", "--pid", str(server.pid), "--rate", "250", "--threads",
         "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


# --- the servers --------------------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    idle_rss_kib: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_kib(self.pid)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 3 s: a measured server need not close sockets politely."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(3)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def listening(server: Server, *, name: str, within: float = 30) -> Server:
    """``server`` once it accepts connections; stopped, with its log's tail, if it never does."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{server.log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", server.port), 0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(
        f"{name} did not listen within {within:g} s:\n{server.log.read_text()[-3000:]}"
    )


@dataclass
class Services:
    """Where the benchmark's stores are: Hearth's database and Redis, the baseline's Redis."""

    database_url: str
    hearth_redis_url: str
    baseline_redis_url: str
    python: str = sys.executable

    def hearth_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="server.settings",
            DJANGO_ENV="development",
            DEBUG="0",
            SECRET_KEY=BENCH_SECRET,
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.hearth_redis_url,
            HEARTH_LOG_LEVEL="WARNING",
            PYTHONUNBUFFERED="1",
            **BENCH_LIMITS_ENV,
        )
        return env

    def baseline_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DJANGO_SETTINGS_MODULE="mysite.settings",
            PYTHONPATH=str(BASELINE_DIR),
            BASELINE_REDIS_URL=self.baseline_redis_url,
            PYTHONUNBUFFERED="1",
        )
        return env

    def start(self, kind: str, log_dir: Path) -> Server:
        port = free_port()
        log = log_dir / f"{kind}-{port}.log"
        if kind == "hearth":
            command = [self.python, "-m", "server.serve", "-b", "127.0.0.1", "-p", str(port)]
            env, cwd = self.hearth_env(), ROOT
        else:
            command = [
                self.python, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
                "--access-log", os.devnull, "mysite.asgi:application",
            ]  # fmt: skip
            env, cwd = self.baseline_env(), BASELINE_DIR
        process = subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )
        server = Server(kind=kind, port=port, process=process, log=log)
        _profile_if_asked(server)
        return listening(server, name=kind)

    # --- stores ---------------------------------------------------------------------------------

    def prepare_database(self, *, recreate: bool) -> None:
        """Migrate the benchmark database; with ``recreate``, drop and create it first.

        Recreating costs a few seconds and means a run never inherits an earlier run's rows or
        a migration that was edited since.
        """
        if recreate:
            import psycopg

            parsed = urlparse(self.database_url)
            name = parsed.path.lstrip("/")
            admin = urlunparse(parsed._replace(path="/postgres"))
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                connection.execute(f'CREATE DATABASE "{name}"')
        self._manage("migrate", "--no-input")

    def create_rooms(self, slugs: list[str]) -> None:
        """Create the rooms of this run (open, capacity far above any room size here)."""
        code = (
            "import os\n"
            "from rooms.models import Room\n"
            "Room.objects.bulk_create([Room(slug=s, title=s, capacity=100000)"
            " for s in os.environ['BENCH_ROOMS'].split(',')])\n"
        )
        self._manage("shell", "-c", code, BENCH_ROOMS=",".join(slugs))

    def _manage(self, *args: str, **extra_env: str) -> None:
        env = self.hearth_env() | extra_env
        result = subprocess.run(
            [self.python, "manage.py", *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")

    def forget_redis_state(self, room_prefix: str) -> None:
        """Drop what the runs left in Redis: the baseline layer's keys and Hearth's room keys."""
        for url, pattern in (
            (self.baseline_redis_url, "asgi*"),
            (self.hearth_redis_url, f"hearth:*{room_prefix}*"),
        ):
            client = redis.Redis.from_url(url, socket_timeout=5)
            try:
                keys = list(client.scan_iter(match=pattern, count=1000))
                for start in range(0, len(keys), 500):
                    client.delete(*keys[start : start + 500])
            except redis.RedisError:
                pass
            finally:
                client.close()
