"""No IP address is ever written to the database, Redis or the logs."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import socket
import subprocess
import urllib.request
from urllib.parse import urlparse

import pytest
import redis
from django.db import connection

from tests.support.servers import running_servers

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENT_ADDRESS = "127.0.0.77"  # a loopback address no other part of the test uses


class SourceBoundHandler(urllib.request.HTTPHandler):
    """Makes urllib's requests come from CLIENT_ADDRESS."""

    def http_open(self, req):  # type: ignore[no-untyped-def]
        def connect(host, **kwargs):  # type: ignore[no-untyped-def]
            return http.client.HTTPConnection(host, source_address=(CLIENT_ADDRESS, 0), **kwargs)

        return self.do_open(connect, req)


def _websocket_session(port: int, slug: str) -> None:
    from tests.support.rawws import drain_until_closed

    sock = socket.create_connection(("127.0.0.1", port), source_address=(CLIENT_ADDRESS, 0))
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    sock.sendall(
        (
            f"GET /ws/rooms/{slug}/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Origin: http://127.0.0.1\r\n\r\n"
        ).encode()
    )
    response = b""
    while b"\r\n\r\n" not in response:
        response += sock.recv(1)
    assert response.startswith(b"HTTP/1.1 101"), response
    sock.settimeout(5)
    first = sock.recv(4096)  # the welcome, or a refusal followed by the close
    if b'"welcome"' not in first:
        drain_until_closed(sock, 3)
        return
    payload = json.dumps({"type": "send", "body": "hello from here", "client_id": "x1"}).encode()
    mask = b"\x01\x02\x03\x04"
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    sock.sendall(bytes([0x81, 0x80 | len(payload)]) + mask + masked)
    sock.recv(4096)  # the answer
    sock.sendall(bytes([0x88, 0x80]) + mask)  # close
    drain_until_closed(sock, 3)


def test_a_visit_leaves_its_address_nowhere(room, tmp_path):
    with running_servers(1, tmp_path) as (server,):
        opener = urllib.request.build_opener(SourceBoundHandler())
        for path in ("/", "/api/rooms/", "/healthz", "/no-such-page"):
            with contextlib.suppress(urllib.error.HTTPError):
                opener.open(f"{server.http}{path}", timeout=10).read()
        _websocket_session(server.port, room.slug)
        _websocket_session(server.port, "no-such-room")
    log = server.log.read_text()
    assert CLIENT_ADDRESS not in log

    database = connection.settings_dict
    dump = subprocess.run(
        [
            shutil.which("pg_dump") or "pg_dump",
            "--data-only",
            "-h",
            database["HOST"] or "127.0.0.1",
            "-p",
            str(database["PORT"] or 5432),
            "-U",
            database["USER"] or "postgres",
            database["NAME"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PGPASSWORD": database.get("PASSWORD") or ""},
    ).stdout
    assert "hello from here" in dump  # the dump did see this visit's data
    assert CLIENT_ADDRESS not in dump

    client = redis.Redis.from_url(os.environ["REDIS_URL"])
    for key in client.scan_iter("hearth:*"):
        assert CLIENT_ADDRESS.encode() not in key
        kind = client.type(key)
        if kind == b"string":
            assert CLIENT_ADDRESS.encode() not in (client.get(key) or b"")
        elif kind == b"hash":
            assert CLIENT_ADDRESS.encode() not in b"".join(
                k + v for k, v in client.hgetall(key).items()
            )
    assert urlparse(server.http).hostname == "127.0.0.1"
