"""Opening and closing many benchmark connections at once (the clients are in ``loadgen``)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections import Counter
from dataclasses import dataclass

from bench.loadgen import Client, Generator, Target


@dataclass
class ConnectResult:
    clients: list[Client]
    seconds: float
    per_client_ms: list[float]
    failures: Counter


async def connect_one(
    gen: Generator,
    target: Target,
    room: str,
    idx: int,
    *,
    within: float,
    origin: str = "http://127.0.0.1",
    rcvbuf: int | None = None,
) -> Client:
    """Open one connection and wait until it is in the room (welcome, or the 101 for baseline)."""
    loop = asyncio.get_running_loop()
    sock = None
    if rcvbuf is not None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await loop.sock_connect(sock, (target.host, target.port))
    async with asyncio.timeout(within):
        if sock is not None:
            _, client = await loop.create_connection(
                lambda: Client(gen, target, room, idx, origin=origin), sock=sock
            )
        else:
            _, client = await loop.create_connection(
                lambda: Client(gen, target, room, idx, origin=origin), target.host, target.port
            )
        try:
            await client.ready
        except BaseException:
            client.abort()
            raise
    return client


async def connect_many(
    gen: Generator,
    target: Target,
    rooms: list[str],
    *,
    per_room: int,
    concurrency: int,
    within: float,
    first_idx: int = 0,
) -> ConnectResult:
    """Connect ``per_room`` clients to each room, at most ``concurrency`` handshakes at once."""
    semaphore = asyncio.Semaphore(concurrency)
    clients: list[Client] = []
    per_client: list[float] = []
    failures: Counter = Counter()
    deadline = time.monotonic() + within

    async def one(idx: int, room: str) -> None:
        async with semaphore:
            left = deadline - time.monotonic()
            if left <= 0:
                failures["timeout"] += 1
                return
            started = time.monotonic_ns()
            try:
                client = await connect_one(gen, target, room, idx, within=left)
            except TimeoutError:
                failures["timeout"] += 1
                return
            except (ConnectionError, OSError) as error:
                failures[str(error)[:60]] += 1
                return
            per_client.append((time.monotonic_ns() - started) / 1e6)
            clients.append(client)

    started = time.monotonic()
    jobs = []
    idx = first_idx
    for _ in range(per_room):
        for room in rooms:
            jobs.append(one(idx, room))
            idx += 1
    await asyncio.gather(*jobs)
    clients.sort(key=lambda client: client.idx)
    return ConnectResult(
        clients=clients,
        seconds=time.monotonic() - started,
        per_client_ms=per_client,
        failures=failures,
    )


async def close_all(clients: list[Client], *, within: float = 5.0) -> None:
    for client in clients:
        client.close()
    waiting = [client.closed for client in clients if not client.closed.done()]
    if waiting:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await asyncio.gather(*waiting, return_exceptions=True)
    for client in clients:
        if not client.closed.done():
            client.abort()
