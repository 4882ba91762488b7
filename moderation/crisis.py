"""Crisis resources for a person in a room: their region, and the private frame they get.

The region is the person's own choice (``?region=GB`` on the websocket URL, kept by the Help page)
or else the first supported region of their browser's Accept-Language. Never an IP lookup.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

from moderation.resources import (
    country_from_accept_language,
    resources_for_reason,
    supported_countries,
    to_json,
)
from rooms.protocol import resources_frame


def supported_region(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip().upper()
    return code if code in {country for country, _ in supported_countries()} else None


def visitor_region(scope: dict[str, Any]) -> str | None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    chosen = supported_region((query.get("region") or [None])[-1])
    if chosen is not None:
        return chosen
    for name, value in scope.get("headers", []):
        if name == b"accept-language":
            return country_from_accept_language(value.decode("latin-1"))
    return None


def resources_frame_for(*, region: str | None, reason: str) -> str:
    return resources_frame(reason=reason, resources=to_json(resources_for_reason(region, reason)))
