"""What moderation keeps: flags, reports, blocks, sanctions, watched words and the audit log.

Identities appear only as keyed hashes (``rooms.identity.Identity.key``); reporters are stored so
that one person's repeated reports count once, and are never shown to anyone.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from rooms.models import Message, Room


class Flag(models.Model):
    """A message waiting for a moderator's look. One open flag per message at most."""

    class Kind(models.TextChoices):
        CRISIS = "crisis", "Crisis"
        HELD = "held", "Held for review"
        REPORT = "report", "Reported"
        WATCHED = "watched_word", "Watched word"

    class Priority(models.IntegerChoices):
        URGENT = 0, "Urgent (crisis)"
        NORMAL = 1, "Normal"
        LOW = 2, "Low"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="flags")
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="flags"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    labels = models.JSONField(default=list, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["status", "priority", "opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["message"], condition=Q(status="open"), name="one_open_flag_per_message"
            ),
        ]
        indexes = [models.Index(fields=["status", "priority", "opened_at"], name="flag_queue")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} in {self.room.slug} ({self.status})"


class Report(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter_key = models.CharField(max_length=64)
    reason = models.TextField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter_key"], name="one_report_per_person_per_message"
            ),
        ]

    def __str__(self) -> str:
        return f"report of message {self.message_id}"


class Block(models.Model):
    """A no-contact block: the blocker never receives the blocked identity's messages."""

    blocker_key = models.CharField(max_length=64, db_index=True)
    blocked_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker_key", "blocked_key"], name="block_unique"),
        ]

    def __str__(self) -> str:
        return f"block {self.pk}"


class Sanction(models.Model):
    class Kind(models.TextChoices):
        MUTE = "mute", "Muted (cannot send)"
        BAN = "ban", "Banned (cannot join any room)"

    identity_key = models.CharField(max_length=64, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    until = models.DateTimeField(db_index=True)
    reason = models.TextField(max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_kind_display()} until {self.until:%Y-%m-%d %H:%M}"


class WatchedWord(models.Model):
    """A word or pattern moderators watch for, Discourse-style."""

    class Action(models.TextChoices):
        FLAG = "flag", "Deliver and flag for review"
        HOLD = "hold", "Hold for review"
        BLOCK = "block", "Refuse the message"

    pattern = models.CharField(max_length=200)
    is_regex = models.BooleanField(default=False)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.FLAG)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pattern"]
        constraints = [
            models.UniqueConstraint(fields=["pattern", "is_regex"], name="watched_word_unique"),
        ]

    def __str__(self) -> str:
        return self.pattern


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One moderator action. Append-only: entries are never edited or deleted.

    Retention may blank ``message_text`` (and only that) once the flag's retention ends.
    """

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=32)
    room = models.ForeignKey(Room, on_delete=models.SET_NULL, null=True, related_name="+")
    target = models.CharField(max_length=200)
    flag = models.ForeignKey(Flag, on_delete=models.SET_NULL, null=True, related_name="audit")
    reason = models.TextField(max_length=1000, blank=True)
    # A copy of the message as it was acted on; blanked ("") when its retention ends.
    message_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only.")
