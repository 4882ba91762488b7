"""Writes of sessions: schedule one (with its room), change it, cancel it.

A change of timing never silently drops an occurrence someone RSVPed to; raising capacity
promotes waitlists. Keyword-only, one transaction each, returning the session.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from rooms.models import Room
from rooms.scheduling import selectors
from rooms.scheduling.errors import ErrorCode, InvalidInput, SchedulingError
from rooms.scheduling.models import FACILITATORS_GROUP, RSVP, GroupSession, Occurrence
from rooms.scheduling.recurrence import Recurrence
from rooms.scheduling.services.occurrences import announce_window_change, promote
from rooms.scheduling.services.timing import (
    check_capacity,
    is_same_start,
    schedule_from,
    timing_fields,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def session_create(
    *,
    actor: User,
    title: str,
    topic: str,
    start: datetime,
    time_zone: str,
    capacity: int,
    description: str = "",
    facilitator_id: int | None = None,
    duration_minutes: int | None = None,
    end: datetime | None = None,
    recurrence: Recurrence | None = None,
    rrule: str | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """Schedule a session and open its room (kind ``session``) in the same transaction."""
    now = now or timezone.now()
    facilitator = _facilitator(actor=actor, facilitator_id=facilitator_id)
    schedule = schedule_from(
        start=start,
        time_zone=time_zone,
        duration_minutes=duration_minutes,
        end=end,
        recurrence=recurrence,
        rrule=rrule,
        now=now,
        must_be_future=True,
    )
    check_capacity(capacity)
    with transaction.atomic():
        room = Room.objects.create(
            slug=_room_slug(title),
            title=title,
            description=description[:1000],
            kind=Room.Kind.SESSION,
            capacity=capacity + 1,  # the facilitator's seat
        )
        return GroupSession.objects.create(
            title=title,
            description=description,
            topic=topic,
            facilitator=facilitator,
            time_zone=time_zone,
            capacity=capacity,
            room=room,
            created_at=now,
            updated_at=now,
            **timing_fields(schedule),
        )


def session_update(
    *,
    session: GroupSession,
    title: str | None = None,
    description: str | None = None,
    topic: str | None = None,
    start: datetime | None = None,
    time_zone: str | None = None,
    capacity: int | None = None,
    duration_minutes: int | None = None,
    end: datetime | None = None,
    recurrence: Recurrence | None = None,
    rrule: str | None = None,
    now: datetime | None = None,
) -> GroupSession:
    """Change a session (None leaves a field as it is); raising capacity promotes waitlists.

    A change of timing is refused if it would drop an upcoming occurrence that has RSVPs, or was
    moved or cancelled: those people would silently lose their place.
    """
    now = now or timezone.now()
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().select_related("room").get(pk=session.pk)
        if session.status == GroupSession.Status.CANCELLED:
            raise SchedulingError(ErrorCode.SESSION_CANCELLED, "This session is cancelled.")
        timing = (start, time_zone, duration_minutes, end, recurrence, rrule)
        if any(value is not None for value in timing):
            _retime(session, start, time_zone, duration_minutes, end, recurrence, rrule, now=now)
            announce_window_change(session)
        if capacity is not None:
            check_capacity(capacity)
            session.capacity = capacity
        session.title = title if title is not None else session.title
        session.description = description if description is not None else session.description
        session.topic = topic if topic is not None else session.topic
        session.sequence += 1
        session.updated_at = now
        session.save()
        room = session.room
        room.title, room.description = session.title, session.description[:1000]
        room.capacity = session.capacity + 1
        room.save(update_fields=["title", "description", "capacity"])
        for row in _upcoming_rows(session, now).filter(rsvps__status=RSVP.Status.WAITLISTED):
            promote(Occurrence.objects.select_for_update().get(pk=row.pk), session, now)
    return session


def _retime(
    session: GroupSession,
    start: datetime | None,
    time_zone: str | None,
    duration_minutes: int | None,
    end: datetime | None,
    recurrence: Recurrence | None,
    rrule: str | None,
    *,
    now: datetime,
) -> None:
    old = selectors.schedule_of(session)
    if recurrence is None and rrule is None:
        recurrence = old.recurrence
    if duration_minutes is None and end is None:
        duration_minutes = session.duration_minutes
    schedule = schedule_from(
        start=start if start is not None else session.start,
        time_zone=time_zone or session.time_zone,
        duration_minutes=duration_minutes,
        end=end,
        recurrence=recurrence,
        rrule=rrule,
        now=now,
        must_be_future=start is not None
        and not is_same_start(start, session.start, time_zone or session.time_zone),
    )
    kept = _upcoming_rows(session, now).filter(
        Q(rsvps__status__in=selectors.LIVE)
        | Q(status=Occurrence.Status.CANCELLED)
        | Q(moved_start__isnull=False)
    )
    dropped = {row.pk for row in kept if not schedule.includes(row.original_start)}
    if dropped:
        field = next(
            (
                name
                for name, value in (("start", start), ("time_zone", time_zone), ("rrule", rrule))
                if value is not None
            ),
            "recurrence",
        )
        raise InvalidInput.one(
            field,
            f"This change would drop {len(dropped)} upcoming occurrence(s) that have RSVPs, "
            "moves or cancellations. Cancel or move those occurrences first, or cancel this "
            "session and schedule a new one.",
        )
    session.time_zone = time_zone or session.time_zone
    for name, value in timing_fields(schedule).items():
        setattr(session, name, value)


def session_cancel(*, session: GroupSession, now: datetime | None = None) -> GroupSession:
    """Cancel every occurrence of a session and close its room. Cancelling twice is a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        session = GroupSession.objects.select_for_update().select_related("room").get(pk=session.pk)
        if session.status == GroupSession.Status.CANCELLED:
            return session
        session.status = GroupSession.Status.CANCELLED
        session.sequence += 1
        session.updated_at = now
        session.save(update_fields=["status", "sequence", "updated_at"])
        Room.objects.filter(pk=session.room_id).update(is_open=False)
        announce_window_change(session)
    return session


def _facilitator(*, actor: User, facilitator_id: int | None) -> User:
    if facilitator_id is None or facilitator_id == actor.pk:
        if not selectors.user_is_facilitator(actor):
            raise InvalidInput.one(
                "facilitator", "Name the facilitator: you are not in the facilitators group."
            )
        return actor
    if not getattr(actor, "is_staff", False):
        raise InvalidInput.one("facilitator", "You can only schedule sessions you facilitate.")
    user = (
        get_user_model()
        ._default_manager.filter(pk=facilitator_id, is_active=True, groups__name=FACILITATORS_GROUP)
        .first()
    )
    if user is None:
        raise InvalidInput.one("facilitator", "No facilitator has this id.")
    return user


def _room_slug(title: str) -> str:
    stem = slugify(title)[:40].strip("-") or "session"
    while True:
        slug = f"{stem}-{secrets.token_hex(3)}"
        if not Room.objects.filter(slug=slug).exists():
            return slug


def _upcoming_rows(session: GroupSession, now: datetime) -> QuerySet[Occurrence]:
    soon = now - selectors.MAX_DURATION
    return (
        Occurrence.objects.filter(session=session)
        .filter(Q(original_start__gte=soon) | Q(moved_start__gte=soon))
        .distinct()
    )
