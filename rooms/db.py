"""Running ORM code from the event loop: the one place that decides how.

Every call runs on one shared database thread per process, one after another
(``database_sync_to_async``'s thread-sensitive mode). That keeps the order in which a process
applies its writes, and works with SQLite. The benchmark shows it is the ceiling on how many
messages a process can take in a second (docs/performance.md); running PostgreSQL calls on a
thread pool is the next step, once the circle's writes no longer rely on that order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.db import database_sync_to_async


def in_db(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` as an awaitable that runs on the database thread."""
    return database_sync_to_async(func)
