"""Shared fixtures: real services, rooms, and websocket clients speaking the room protocol."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

REQUIRE_SERVICES = os.environ.get("HEARTH_REQUIRE_SERVICES") == "1"

# No per-example deadline: a busy machine stalls an example past Hypothesis's default 200 ms
# without anything being wrong. (Examples stay random; a failure prints its seed.)
hypothesis_settings.register_profile("hearth", deadline=None)
hypothesis_settings.load_profile("hearth")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), 1
        ):
            return True
    except OSError:
        return False


def services_missing() -> str | None:
    """Why the real PostgreSQL and Redis cannot be used by this run, or None if they can."""
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        return "DATABASE_URL does not point at PostgreSQL"
    if not redis_url:
        return "REDIS_URL is not set"
    if not _reachable(database_url, 5432):
        return "PostgreSQL is not reachable"
    if not _reachable(redis_url, 6379):
        return "Redis is not reachable"
    return None


def require_services() -> None:
    missing = services_missing()
    if missing is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"HEARTH_REQUIRE_SERVICES=1 but {missing}", pytrace=False)
    pytest.skip(f"needs PostgreSQL and Redis: {missing} (CI sets them; see README)")


def require_redis() -> None:
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url and _reachable(redis_url, 6379):
        return
    if REQUIRE_SERVICES:
        pytest.fail("HEARTH_REQUIRE_SERVICES=1 but Redis is not reachable", pytrace=False)
    pytest.skip("needs Redis: set REDIS_URL (CI does; see README)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("services") is not None:
        require_services()


@pytest.fixture(params=["local", "redis"])
def backplane(request: pytest.FixtureRequest, settings) -> str:  # type: ignore[no-untyped-def]
    """Run a test once on the in-process backplane and once on the real Redis."""
    if request.param == "redis":
        require_redis()
        settings.REDIS_URL = os.environ["REDIS_URL"]
    else:
        settings.REDIS_URL = ""
    return str(request.param)


@pytest.fixture
def small_rate_limit(settings) -> None:  # type: ignore[no-untyped-def]
    settings.HEARTH_RATE_BURST = 3
    settings.HEARTH_RATE_REFILL_SECONDS = 60.0


def pytest_report_header(config: pytest.Config) -> list[str]:
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return [
        f"hearth: database={engine} redis={'yes' if os.environ.get('REDIS_URL') else 'no'} "
        f"require_services={REQUIRE_SERVICES}"
    ]


@pytest.fixture(scope="session", autouse=True)
def _close_connections_of_async_tests(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    """Close the database connection async tests opened in asgiref's worker thread.

    Runs before pytest-django drops the test database, which PostgreSQL refuses while any
    session is still connected.
    """
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    with django_db_blocker.unblock():
        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)
