"""The fan-out's fast path: writing a frame straight to a daphne websocket connection.

Through ASGI, every frame to every receiver is a coroutine call, a dict, a UTF-8 encode and a
websocket header. For a room broadcast that is the same work N times. Daphne hands each
application a ``send`` that is ``functools.partial(Server.handle_reply, protocol)``; this module
recognises it and writes through the autobahn protocol instead, with the frame encoded and framed
once per process (autobahn's PreparedMessage, its own broadcast optimisation) and written to each
socket as the same bytes.

This is the only module that knows daphne's and autobahn's internals. Under any other server,
or if daphne changes, ``direct_socket_of`` returns None and frames go through ASGI as usual.
"""

from __future__ import annotations

import functools
import pprint
import sys
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

try:
    import autobahn.websocket.protocol as autobahn_protocol
    from autobahn.websocket.protocol import PreparedMessage, WebSocketProtocol
    from daphne.server import Server
    from twisted.internet.tcp import Connection as TcpConnection
except ImportError:  # pragma: no cover - daphne is a dependency, but stay correct without it
    Server = None
    autobahn_protocol = None  # type: ignore[assignment]

DIRECT_SOCKET_SCOPE_KEY = "hearth.direct_socket"


class Preparable(Protocol):
    text: str
    prepared: object | None


class DirectSocket:
    """A daphne websocket connection that frames can be written to synchronously."""

    __slots__ = ("_protocol", "_tcp")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        # Only a plain TCP transport may be written to directly (never a TLS one).
        self._tcp = isinstance(getattr(protocol, "transport", None), TcpConnection)

    def write(self, frame: Preparable) -> bool:
        """Write the frame now; False if the connection is not open (use the ASGI path)."""
        protocol = self._protocol
        if protocol.state != WebSocketProtocol.STATE_OPEN:
            return False
        prepared = frame.prepared
        if prepared is None:
            prepared = frame.prepared = PreparedMessage(
                frame.text.encode("utf-8"), False, False, True
            )
        if self._tcp and protocol._perMessageCompress is None and self._send_now(prepared):
            return True
        protocol.sendPreparedMessage(prepared)
        return True

    def _send_now(self, prepared: Any) -> bool:
        """Send straight from the socket when nothing waits in Twisted's buffer.

        Twisted's ``write`` only buffers: each frame then costs registering the socket for
        writing and a callback on the next turn of the loop (about half of the fan-out's time
        when profiled). A socket with room takes the frame at once; what it cannot take goes to
        Twisted's buffer as usual, so order and backpressure stay Twisted's.
        """
        transport = self._protocol.transport
        if (
            transport._tempDataLen
            or len(transport.dataBuffer) != transport.offset
            or not transport.connected
            or transport._writeDisconnected
        ):
            return False
        data = prepared.payloadHybi
        sent = transport.writeSomeData(data)
        if not isinstance(sent, int):
            return False  # the connection is going: let Twisted notice and clean up
        if sent < len(data):
            transport.write(data[sent:])
        return True

    def buffered_bytes(self) -> int:
        """Bytes written to this connection that the client has not taken yet."""
        transport = getattr(self._protocol, "transport", None)
        if transport is None:
            return 0
        data_buffer = getattr(transport, "dataBuffer", b"")
        offset = getattr(transport, "offset", 0)
        return len(data_buffer) - offset + getattr(transport, "_tempDataLen", 0)

    def abort(self) -> None:
        """Drop the connection at once, discarding what it has not read."""
        transport = getattr(self._protocol, "transport", None)
        if transport is not None:
            transport.abortConnection()


def direct_socket_of(send: Callable[[dict[str, Any]], Awaitable[None]]) -> DirectSocket | None:
    if Server is None or not isinstance(send, functools.partial) or len(send.args) != 1:
        return None
    owner = getattr(send.func, "__self__", None)
    if not isinstance(owner, Server) or send.func.__name__ != "handle_reply":
        return None
    protocol = send.args[0]
    if not hasattr(protocol, "sendPreparedMessage") or not hasattr(protocol, "state"):
        return None
    return DirectSocket(protocol)


class _PrettyWhenLogged:
    """``pprint.pformat(value)``, worked out only if a log message is formatted with it."""

    __slots__ = ("_value",)

    def __init__(self, value: object) -> None:
        self._value = value

    def __str__(self) -> str:
        return pprint.pformat(self._value)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


def defer_autobahn_config_log() -> None:
    """Stop autobahn from pretty-printing its settings for every new connection.

    Each websocket connection's ``_connectionMade`` formats its 29 settings with ``pformat``
    for a debug message that is dropped unless autobahn logs at debug level: about 0.24 ms of
    CPU per connection, a twentieth of a join (docs/performance.md). After this, that one call
    returns a placeholder that builds the same text if, and only if, the message is logged;
    every other caller of autobahn's ``pformat`` gets ``pprint.pformat`` itself.
    """
    if autobahn_protocol is None or autobahn_protocol.pformat is not pprint.pformat:
        return  # not installed, or done already
    config_log = WebSocketProtocol._connectionMade.__code__

    def pformat(value: object, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and sys._getframe(1).f_code is config_log:
            return _PrettyWhenLogged(value)
        return pprint.pformat(value, *args, **kwargs)

    autobahn_protocol.pformat = pformat  # type: ignore[assignment]
