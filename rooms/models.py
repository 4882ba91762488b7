"""Rooms and their messages.

Invariants held here and in the database:
* ``Room.last_seq`` is the highest seq given out in the room; seqs start at 1 with no gaps or
  duplicates, because a seq is taken in the same transaction that stores its message.
* A message has a seq only once it is visible; a held message has none until it is released.
* ``(room, author_key, client_id)`` is unique, which makes a resent ``send`` idempotent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


def default_room_capacity() -> int:
    return int(settings.HEARTH_DEFAULT_ROOM_CAPACITY)


class Room(models.Model):
    class Kind(models.TextChoices):
        DROP_IN = "drop_in", "Drop-in room"
        SESSION = "session", "Scheduled session room"

    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=1000, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.DROP_IN)
    is_open = models.BooleanField(default=True)
    capacity = models.PositiveIntegerField(default=default_room_capacity)
    last_seq = models.PositiveBigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class Message(models.Model):
    class Status(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HELD = "held", "Held for review"
        REMOVED = "removed", "Removed"

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    author_key = models.CharField(max_length=64, db_index=True)
    alias = models.CharField(max_length=64)
    client_id = models.CharField(max_length=64)
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VISIBLE)
    hold_reason = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "seq"], condition=Q(seq__isnull=False), name="message_seq_unique"
            ),
            models.UniqueConstraint(
                fields=["room", "author_key", "client_id"], name="message_client_id_unique"
            ),
            models.CheckConstraint(
                condition=~Q(status="visible") | Q(seq__isnull=False),
                name="message_visible_has_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room.slug}#{self.seq or 'held'} {self.alias}"
