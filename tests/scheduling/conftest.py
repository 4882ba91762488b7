"""Scheduling test fixtures. The room fixtures (``connect``, ``make_room``) are tests.rooms'."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.rooms.conftest import connect, make_room  # noqa: F401  (fixtures, used by name)


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Throttle counts live in the cache, which outlives a test: start each test from zero."""
    cache.clear()
