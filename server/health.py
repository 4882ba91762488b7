"""GET /healthz: 200 when the database (and Redis, if configured) answer, else 503.

Load balancers and docker-compose health checks call it; it says nothing about any person.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rooms.backplane import backplane_healthy, uses_redis

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_ok()}
    if uses_redis():
        checks["redis"] = backplane_healthy()
    healthy = all(checks.values())
    return JsonResponse(
        {name: "ok" if ok else "unavailable" for name, ok in checks.items()},
        status=200 if healthy else 503,
    )


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        logger.warning("health check: the database did not answer")
        return False
