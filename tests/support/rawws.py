"""A bare websocket client on a plain socket: for clients that misbehave on purpose."""

from __future__ import annotations

import base64
import os
import socket


def raw_connect(
    port: int, path: str, *, cookie: str | None = None, receive_buffer: int | None = None
) -> socket.socket:
    """Open a websocket and return the socket after the handshake (the test decides what next)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key}",
        "Sec-WebSocket-Version: 13",
        "Origin: http://127.0.0.1",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    response = b""
    while b"\r\n\r\n" not in response:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        response += chunk
    if not response.startswith(b"HTTP/1.1 101"):
        raise ConnectionError(response.decode(errors="replace"))
    return sock


def drain_until_closed(sock: socket.socket, timeout: float) -> tuple[int, bool]:
    """Read everything the server sent; return (bytes read, whether the server closed it)."""
    sock.settimeout(timeout)
    total = 0
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return total, True
            total += len(chunk)
    except ConnectionResetError:
        return total, True
    except TimeoutError:
        return total, False
