"""Turning an unreachable database into a clear 503 instead of a 500 page."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger(__name__)

UNAVAILABLE_DETAIL = "Hearth cannot reach its database right now. Please try again in a moment."


class DatabaseUnavailableMiddleware:
    """A request that fails because the database is away gets a 503 with a sentence and a
    Retry-After; the database connection is re-established by Django on a later request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            logger.warning("database unavailable during a request: %s", type(exception).__name__)
            response = JsonResponse({"detail": UNAVAILABLE_DETAIL}, status=503)
            response["Retry-After"] = "5"
            return response
        return None
