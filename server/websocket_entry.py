"""The websocket side of the ASGI application: every handshake's checks, in one layer.

Channels' usual stack is five layers (AllowedHostsOriginValidator, CookieMiddleware,
SessionMiddleware, AuthMiddleware, URLRouter), and each stays suspended for the connection's whole
life holding its own copy of the scope: about 5 KiB per connection, which a room of thousands pays
(docs/performance.md). This one layer does the same work once:

- the Origin check against ALLOWED_HOSTS (Channels' own validator: cross-site websocket
  hijacking), refusing the handshake otherwise;
- ``scope["cookies"]``, ``scope["session"]`` (a session store that reads the database only when
  first used, which the consumers do on their database thread; Django's database sessions in
  plain SQL, server/sessions.py) and ``scope["user"]`` (resolved
  lazily on first use, with Django's own session-hash check, so that a handshake costs no
  database call before the consumer's own);
- routing by path to the consumer, with ``scope["url_route"]`` as Channels' URLRouter sets it;
- the direct socket of the fan-out's fast path (server/daphne_socket.py), when daphne serves.

Consumers must touch ``scope["session"]`` and ``scope["user"]`` only inside ``rooms.db.in_db``:
both may read the database.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.http import HttpRequest, parse_cookie
from django.urls import URLPattern
from django.utils.functional import SimpleLazyObject

from server.daphne_socket import DIRECT_SOCKET_SCOPE_KEY, direct_socket_of
from server.sessions import HandshakeSessionStore

__all__ = ["WebsocketEntry"]


class WebsocketEntry:
    def __init__(self, routes: list[URLPattern]) -> None:
        self.routes = routes
        self.origins = AllowedHostsOriginValidator(None)
        self.session_store = _handshake_session_store(
            import_module(settings.SESSION_ENGINE).SessionStore
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "websocket":
            raise ValueError("WebsocketEntry serves websocket connections only")
        if not self.origins.valid_origin(_origin_of(scope)):
            return await WebsocketDenier()(scope, receive, send)
        consumer, url_route = self._route(scope)
        cookies = _cookies_of(scope)
        session = self.session_store(cookies.get(settings.SESSION_COOKIE_NAME))
        scope = {
            **scope,
            "cookies": cookies,
            "session": session,
            "user": SimpleLazyObject(lambda: auth.get_user(_request_with(session))),
            "url_route": url_route,
        }
        direct = direct_socket_of(send)
        if direct is not None:
            scope[DIRECT_SOCKET_SCOPE_KEY] = direct
        return await consumer(scope, receive, send)

    def _route(self, scope: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        path = scope["path"]
        root_path = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        path = path.lstrip("/")
        for route in self.routes:
            match = route.pattern.match(path)
            if match:
                _, args, kwargs = match
                return route.callback, {"args": args, "kwargs": {**kwargs, **route.default_args}}
        # As Channels' URLRouter does: daphne answers an unknown path by refusing the handshake.
        raise ValueError(f"No route found for path {path!r}.")


def _handshake_session_store(configured: type[SessionBase]) -> type[SessionBase]:
    """The configured session store; Django's database store read and updated in plain SQL
    (server.sessions: a join reads the session, a first visit to a room updates it)."""
    return HandshakeSessionStore if configured is DatabaseSessionStore else configured


def _request_with(session: Any) -> HttpRequest:
    """What django.contrib.auth.get_user reads: a request's session."""
    request = HttpRequest()
    request.session = session
    return request


def _origin_of(scope: dict[str, Any]) -> Any:
    origin = None
    for name, value in scope.get("headers", ()):
        if name == b"origin":
            try:
                origin = urlparse(value.decode("latin1"))
            except (UnicodeDecodeError, ValueError):
                origin = None
    return origin


def _cookies_of(scope: dict[str, Any]) -> dict[str, str]:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1"))
    return {}
