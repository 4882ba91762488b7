"""Mutes and bans: time-limited, per identity, checked on the message path and at joining."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from moderation.models import Sanction


def active_until(identity_key: str, kind: Sanction.Kind) -> datetime | None:
    """When the identity's current sanction of this kind ends, or None if it has none."""
    return (
        Sanction.objects.filter(identity_key=identity_key, kind=kind, until__gt=timezone.now())
        .order_by("-until")
        .values_list("until", flat=True)
        .first()
    )


def impose(
    *,
    identity_key: str,
    kind: Sanction.Kind,
    minutes: int,
    moderator: User,
    reason: str,
) -> Sanction:
    return Sanction.objects.create(
        identity_key=identity_key,
        kind=kind,
        until=timezone.now() + timedelta(minutes=minutes),
        reason=reason,
        created_by=moderator,
    )


def describe_wait(until: datetime) -> str:
    minutes = max(1, round((until - timezone.now()).total_seconds() / 60))
    if minutes < 90:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    if hours < 48:
        return f"{hours} hours"
    return f"{round(hours / 24)} days"
