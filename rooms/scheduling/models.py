"""Group sessions, their materialized occurrences and anonymous RSVPs.

Owns the tables only. Invariants held here and in the database:
* A session's ``start`` is its first occurrence (UTC); ``rrule`` is the canonical RFC 5545 rule
  (empty for a one-off) read in ``time_zone``; ``series_end`` is when its last occurrence ends
  (null: never). Every session has its own room (kind ``session``).
* An ``Occurrence`` row exists only once an occurrence was RSVPed, cancelled or moved; it is keyed
  by the start the rule gives it (``original_start``), like an iCalendar RECURRENCE-ID.
* An identity has at most one live (confirmed or waitlisted) RSVP per occurrence. RSVPs store the
  identity's keyed hash and a hash of their token: never an email, a name, an IP or the token.

No behaviour lives here (no ``save()`` overrides, no signals): writes are in ``services``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

FACILITATORS_GROUP = "facilitators"
MODERATORS_GROUP = "moderators"


class GroupSession(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    topic = models.SlugField(max_length=50)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="group_sessions"
    )
    start = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    duration_minutes = models.PositiveIntegerField()
    rrule = models.CharField(max_length=300, blank=True)
    series_end = models.DateTimeField(null=True, blank=True)
    capacity = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    room = models.OneToOneField(
        "rooms.Room", on_delete=models.PROTECT, related_name="group_session"
    )
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["status", "start"], name="session_status_start"),
            models.Index(fields=["topic"], name="session_topic"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="session_capacity_positive"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="session_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Occurrence(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    session = models.ForeignKey(GroupSession, on_delete=models.CASCADE, related_name="occurrences")
    original_start = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    moved_start = models.DateTimeField(null=True, blank=True, db_index=True)
    moved_duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["original_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "original_start"], name="occurrence_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}@{self.original_start:%Y%m%dT%H%M%SZ}"


class RSVP(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "On the waitlist"
        CANCELLED = "cancelled", "Cancelled"

    occurrence = models.ForeignKey(Occurrence, on_delete=models.CASCADE, related_name="rsvps")
    identity_key = models.CharField(max_length=64, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["occurrence", "status"], name="rsvp_occurrence_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "identity_key"],
                condition=~Q(status="cancelled"),
                name="rsvp_one_live_per_identity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurrence} {self.status}"
