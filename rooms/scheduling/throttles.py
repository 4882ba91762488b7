"""Rate limits of the scheduling API: anonymous RSVPs, per identity.

Owns the DRF throttle and the check that its configured rate (HEARTH_RSVP_RATE) can be read.
Counts live in Django's cache (per process unless CACHES points at a shared one). Must not look at
IP addresses: Hearth never stores or keys anything by them.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import checks
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from rooms.identity import ensure_identity

RATE_FORMAT = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


class RsvpIdentityThrottle(SimpleRateThrottle):
    """At most HEARTH_RSVP_RATE RSVPs per anonymous identity (the session's keyed hash)."""

    scope = "rsvp"

    def get_rate(self) -> str:
        return str(settings.HEARTH_RSVP_RATE)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        identity = ensure_identity(request.session)
        return self.cache_format % {"scope": self.scope, "ident": identity.key}


def check_rsvp_rate(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    rate = str(getattr(settings, "HEARTH_RSVP_RATE", ""))
    if RATE_FORMAT.match(rate):
        return []
    return [
        checks.Error(
            f"HEARTH_RSVP_RATE={rate!r} is not a rate such as '10/hour'.",
            id="scheduling.E001",
        )
    ]


def register_checks() -> None:
    checks.register(check_rsvp_rate)
