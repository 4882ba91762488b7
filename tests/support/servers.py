"""Real daphne processes for tests that cross process boundaries.

Each server serves ``server.asgi:application`` on a free loopback port, against the test run's
own database (the one pytest-django created) and the given environment.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_database_url() -> str:
    """DATABASE_URL of the database this test run uses (pytest-django's test database)."""
    base = os.environ["DATABASE_URL"]
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path="/" + str(connection.settings_dict["NAME"])))


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_server(env: dict[str, str], log_dir: Path, port: int | None = None) -> Server:
    """Start daphne on ``port`` (a free one if None: pass a port to restart a stopped server)."""
    port = port or free_port()
    log = log_dir / f"daphne-{port}.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "server.serve", "-b", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    server = Server(port=port, process=process, log=log)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"daphne exited early:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"daphne did not listen within 20 s:\n{log.read_text()}")


def server_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="server.settings",
        DATABASE_URL=test_database_url(),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


@contextmanager
def running_servers(count: int, log_dir: Path, **overrides: str) -> Iterator[list[Server]]:
    env = server_env(**overrides)
    servers: list[Server] = []
    try:
        for _ in range(count):
            servers.append(start_server(env, log_dir))
        yield servers
    finally:
        for server in servers:
            server.stop()
