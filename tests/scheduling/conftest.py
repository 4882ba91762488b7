"""Scheduling test fixtures. The room fixtures (``connect``, ``make_room``) are tests.rooms'."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.rooms.conftest import connect, make_room  # noqa: F401  (fixtures, used by name)


@pytest.fixture(autouse=True)
def _fresh_throttles(settings) -> None:  # type: ignore[no-untyped-def]
    """Throttle counts live in the cache, which outlives a test: start each test from zero.

    In this process's memory, not the shared Redis: clearing that would flush other runs' keys.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "hearth-scheduling-tests",
        }
    }
    cache.clear()
