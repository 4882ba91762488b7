"""Rate limits of the scheduling API: anonymous RSVPs, per identity and per network.

Owns the DRF throttles and the check that their configured rates (HEARTH_RSVP_RATE,
HEARTH_RSVP_NETWORK_RATE) can be read. Counts live in Django's cache (per process unless CACHES
points at a shared one). The network limit counts by the day's keyed hash of the address
(rooms.limits.address_hash), as the websocket limits do: the address itself is never stored,
and the count expires with its window.
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
from rooms.limits import address_hash

RATE_FORMAT = re.compile(r"^\d+/(s|sec|second|m|min|minute|h|hour|d|day)$")


class RsvpIdentityThrottle(SimpleRateThrottle):
    """At most HEARTH_RSVP_RATE RSVPs per anonymous identity (the session's keyed hash)."""

    scope = "rsvp"

    def get_rate(self) -> str:
        return str(settings.HEARTH_RSVP_RATE)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        identity = ensure_identity(request.session)
        return self.cache_format % {"scope": self.scope, "ident": identity.key}


class RsvpNetworkThrottle(SimpleRateThrottle):
    """At most HEARTH_RSVP_NETWORK_RATE RSVPs from one network address.

    A client that sends no cookie gets a fresh identity, and so a fresh per-identity allowance,
    with every request: without this, one script could take every seat of a meeting.
    """

    scope = "rsvp-network"

    def get_rate(self) -> str:
        return str(settings.HEARTH_RSVP_NETWORK_RATE)

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        address = address_hash(request.META.get("REMOTE_ADDR"))
        if address is None:
            return None  # unknown address (a test client, a unix socket): the identity limit
        return self.cache_format % {"scope": self.scope, "ident": address}


RSVP_THROTTLES = [RsvpIdentityThrottle, RsvpNetworkThrottle]


def check_rsvp_rate(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in ("HEARTH_RSVP_RATE", "HEARTH_RSVP_NETWORK_RATE"):
        rate = str(getattr(settings, name, ""))
        if not RATE_FORMAT.match(rate):
            problem = f"{name}={rate!r} is not a rate such as '10/hour'."
            errors.append(checks.Error(problem, id="scheduling.E001"))
    return errors


def register_checks() -> None:
    checks.register(check_rsvp_rate)
