"""Rooms and their messages.

Invariants held here and in the database:
* ``Room.last_seq`` is the highest seq given out in the room; seqs start at 1 with no gaps or
  duplicates, because a seq is taken in the same transaction that stores its message.
* A message has a seq only once it is visible; a held message has none until it is released.
* ``(room, author_key, client_id)`` is unique, which makes a resent ``send`` idempotent.
* A pseudonym belongs to one identity in a room, and an identity has one pseudonym in a room
  (``Pseudonym``, both unique): nobody shares a name with someone else in the same room.
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


class Pseudonym(models.Model):
    """The name an identity goes by in one room, claimed on joining (``rooms.pseudonym_store``).

    Kept while the person comes back or has messages in the room (``rooms.retention`` frees it
    after that), so that every message under one name in a room is one person's. Facilitators
    of session rooms, who go by "Facilitator", claim none.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="pseudonyms")
    identity_key = models.CharField(max_length=64)
    alias = models.CharField(max_length=64)
    last_seen_at = models.DateTimeField(default=timezone.now)  # the last join

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["room", "identity_key"], name="pseudonym_unique_identity"
            ),
            models.UniqueConstraint(fields=["room", "alias"], name="pseudonym_unique_alias"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.alias}"


# --- Facilitated sessions (rooms.circle) ---------------------------------------------------------


class RoomState(models.Model):
    """What a facilitator set in a room: the segment, the talking order and the room's rules.

    ``order`` holds identity keys (never sent to clients); ``turn_index`` points into it while a
    round or closing round is on. ``version`` grows with every change, so processes keep the newest.
    """

    class Segment(models.TextChoices):
        OPEN = "open", "Open conversation"
        ROUND = "round", "Round"
        CLOSING = "closing", "Closing round"

    room = models.OneToOneField(Room, on_delete=models.CASCADE, related_name="state")
    segment = models.CharField(max_length=16, choices=Segment.choices, default=Segment.OPEN)
    prompt = models.TextField(max_length=500, blank=True)
    guidelines = models.TextField(max_length=2000, blank=True)
    order = models.JSONField(default=list, blank=True)
    turn_index = models.PositiveIntegerField(default=0)
    slow_mode_seconds = models.PositiveIntegerField(default=0)
    locked = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.room_id} {self.segment} v{self.version}"


class CircleSeat(models.Model):
    """One participant of a session room (facilitators have none): arrival order and presence."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="seats")
    identity_key = models.CharField(max_length=64)
    alias = models.CharField(max_length=64)
    arrived_at = models.DateTimeField(default=timezone.now)
    # When the seat was last taken (arrival, return, or another process still holding it): a
    # seat taken within the presence TTL counts though the hub's count may not show it yet.
    taken_at = models.DateTimeField(default=timezone.now)
    connected = models.BooleanField(default=True)
    left_at = models.DateTimeField(null=True, blank=True)
    # A moderator sent this person out of the room: while it is locked they cannot come back.
    kicked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["room", "arrived_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "identity_key"], name="seat_unique_identity"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {self.alias}"


class Reaction(models.Model):
    """A supportive reaction to a message; one of each kind per person per message."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    identity_key = models.CharField(max_length=64)
    reaction = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "identity_key", "reaction"], name="reaction_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.reaction}"
