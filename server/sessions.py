"""The session store of websocket handshakes: Django's database sessions, read and updated in SQL.

Every join reads the visitor's session (their identity, where their history in each room begins),
and a first visit to a room updates it. Through the ORM that costs about 0.45 ms of CPU to read
and 0.7 ms to update, on the one database thread every call of the process waits for, paid per
person joining (docs/performance.md); the same statements in plain SQL cost a fraction of that.

Same rows, same encoding and the same rules as ``django.contrib.sessions.backends.db``: a session
past its expiry date is not read (and its key is dropped, so a save makes a new session), and
updating a session that has gone raises ``UpdateError``. Creating, deleting and cycling a session
stay Django's own code. Pages keep Django's store: only the websocket entry uses this one.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone


class _Row:
    __slots__ = ("session_data",)

    def __init__(self, session_data: str) -> None:
        self.session_data = session_data


class HandshakeSessionStore(DatabaseSessionStore):
    """Django's database session store with its read and its update in plain SQL."""

    @property
    def key_salt(self) -> str:
        # Django salts the session's signature with the store's class name: sign as its store,
        # so that pages and handshakes read each other's sessions.
        return "django.contrib.sessions." + DatabaseSessionStore.__qualname__

    def _get_session_from_db(self) -> Any:
        model = self.model
        connection = connections[router.db_for_read(model)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT session_data FROM {model._meta.db_table} "
                "WHERE session_key = %s AND expire_date > %s",
                [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return _Row(row[0])

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            super().save(must_create=must_create)  # a new session: Django's own path
            return
        data = self._get_session(no_load=False)  # type: ignore[attr-defined]
        model = self.model
        connection = connections[router.db_for_write(model)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {model._meta.db_table} SET session_data = %s, expire_date = %s "
                "WHERE session_key = %s",
                [
                    self.encode(data),
                    connection.ops.adapt_datetimefield_value(self.get_expiry_date()),
                    self.session_key,
                ],
            )
            if cursor.rowcount == 0:
                raise UpdateError  # the session was deleted meanwhile, as Django's store says
