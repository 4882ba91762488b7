"""Small factories for scheduling tests: users in their roles, sessions made through the service."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from rooms.scheduling import services
from rooms.scheduling.models import FACILITATORS_GROUP, GroupSession
from rooms.scheduling.recurrence import Frequency, Recurrence

_numbers = itertools.count(1)


def make_user(*, facilitator: bool = False, staff: bool = False, name: str = "") -> Any:
    user = get_user_model().objects.create_user(
        username=f"user{next(_numbers)}", password=None, is_staff=staff, first_name=name
    )
    if facilitator:
        user.groups.add(Group.objects.get_or_create(name=FACILITATORS_GROUP)[0])
    return user


def client_for(user: Any | None = None, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    if user is not None:
        client.force_login(user)
    return client


def days_ahead(days: int, at: time = time(19, 0), zone: str = "Europe/London") -> datetime:
    """A wall time ``days`` from today in ``zone``, as an aware datetime."""
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    return datetime.combine(today + timedelta(days=days), at, tzinfo=ZoneInfo(zone))


def next_transition(zone: str, after: datetime) -> date:
    """The first day after ``after`` on which ``zone``'s UTC offset changes."""
    tz = ZoneInfo(zone)
    day = after.astimezone(tz).date()
    for _ in range(400):
        nxt = day + timedelta(days=1)
        if (
            datetime.combine(day, time(12), tz).utcoffset()
            != datetime.combine(nxt, time(12), tz).utcoffset()
        ):
            return nxt
        day = nxt
    raise AssertionError(f"{zone} has no transition within 400 days")


def start_before_next_transition(zone: str) -> datetime:
    """19:00 in ``zone`` before its next UTC offset change, always in the future: two weeks
    before the change if that is still ahead, else one, else the day before. A weekly series
    from it crosses the change."""
    tz = ZoneInfo(zone)
    change = next_transition(zone, datetime.now(UTC) + timedelta(days=2))  # today + 3 or later
    return next(
        candidate
        for candidate in (
            datetime.combine(change - timedelta(days=days), time(19), tz) for days in (14, 7, 1)
        )
        if candidate > datetime.now(UTC) + timedelta(hours=1)
    )


def make_session(
    *,
    facilitator: Any | None = None,
    start: datetime | None = None,
    frequency: Frequency = Frequency.WEEKLY,
    count: int | None = None,
    until: date | None = None,
    capacity: int = 12,
    **fields: Any,
) -> GroupSession:
    facilitator = facilitator or make_user(facilitator=True)
    start = start or days_ahead(2)
    defaults: dict[str, Any] = {
        "title": "No contact, week 1",
        "topic": "no-contact",
        "time_zone": getattr(start.tzinfo, "key", "Europe/London"),
        "duration_minutes": 60,
    }
    return services.session_create(
        actor=facilitator,
        start=start,
        capacity=capacity,
        recurrence=Recurrence(frequency=frequency, count=count, until=until),
        **(defaults | fields),
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
