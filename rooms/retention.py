"""Forgetting on schedule: what Hearth deletes, and when (docs/privacy.md explains why).

* Room messages: after HEARTH_RETENTION_HOURS (72). With 0, a room's messages go as soon as the
  room is empty.
* Except flagged messages and their context (the messages around them), which stay while the flag
  is open and for HEARTH_FLAG_RETENTION_DAYS after it is resolved.
* Audit entries keep their copy of the message text for that period too, then only the facts.
* Mutes and bans: deleted once they end. Blocks: after HEARTH_BLOCK_RETENTION_DAYS.
* Expired sessions (anonymous identities nobody holds any more).
* Seats of facilitated sessions (``rooms.circle``): once their person left, after the messages'
  retention (at least an hour, so that a dropped connection can still come back).
* Pseudonyms claimed in a room (``rooms.pseudonym_store``): once none of their person's messages
  is left there and they have not joined it for the messages' retention (at least an hour); with
  a retention of 0, once the room is also empty. Until then nobody else can take the name, so a
  name in a room's history is one person's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from moderation.models import AuditEntry, Block, Flag, Sanction
from moderation.selectors import context_of
from rooms.backplane import known_presence_counts
from rooms.models import CircleSeat, Message, Pseudonym, Room

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Purged:
    messages: int
    audit_texts: int
    sanctions: int
    blocks: int
    sessions: int
    pseudonyms: int


def purge_expired(*, now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    flag_cutoff = now - timedelta(days=settings.HEARTH_FLAG_RETENTION_DAYS)
    hours = settings.HEARTH_RETENTION_HOURS
    empty_rooms = _empty_rooms() if hours == 0 else None
    with transaction.atomic():
        kept = _messages_kept_for_moderation(flag_cutoff)
        messages = _purge_messages(now, kept, empty_rooms)
        audit_texts = (
            AuditEntry.objects.filter(
                Q(flag__resolved_at__lt=flag_cutoff)
                | Q(flag__isnull=True, created_at__lt=flag_cutoff),
            )
            .exclude(message_text="")
            .update(message_text="")
        )
        sanctions = Sanction.objects.filter(until__lt=now).delete()[0]
        blocks = Block.objects.filter(
            created_at__lt=now - timedelta(days=settings.HEARTH_BLOCK_RETENTION_DAYS)
        ).delete()[0]
        sessions = Session.objects.filter(expire_date__lt=now).delete()[0]
        seat_hours = max(hours, 1)
        CircleSeat.objects.filter(
            connected=False, left_at__lt=now - timedelta(hours=seat_hours)
        ).delete()
        pseudonyms = _free_pseudonyms(now - timedelta(hours=seat_hours), empty_rooms)
    return Purged(
        messages=messages,
        audit_texts=audit_texts,
        sanctions=sanctions,
        blocks=blocks,
        sessions=sessions,
        pseudonyms=pseudonyms,
    )


def _messages_kept_for_moderation(flag_cutoff: datetime) -> set[int]:
    flags = Flag.objects.filter(
        Q(status=Flag.Status.OPEN) | Q(resolved_at__gte=flag_cutoff), message__isnull=False
    ).select_related("message")
    return {message.pk for flag in flags for message in context_of(flag)}


def _empty_rooms() -> list[str]:
    """The rooms nobody is in; none when that cannot be known (Redis away, or no Redis and a
    purge in a process of its own): a retention of 0 must never delete what people still read,
    nor the message a report is about to name."""
    rooms = list(Room.objects.values_list("slug", flat=True))
    counts = known_presence_counts(rooms)
    if counts is None:
        logger.warning(
            "who is in the rooms cannot be read (Redis away, or no Redis): "
            "nothing is deleted for a retention of 0 this time"
        )
        return []
    return [slug for slug in rooms if counts.get(slug, 0) == 0]


def _purge_messages(now: datetime, kept: set[int], empty_rooms: list[str] | None) -> int:
    """Messages past the retention, or with a retention of 0 (``empty_rooms`` given), those of
    rooms nobody is in."""
    if empty_rooms is None:
        expired = Q(sent_at__lt=now - timedelta(hours=settings.HEARTH_RETENTION_HOURS))
    else:
        expired = Q(room__slug__in=empty_rooms)
    return Message.objects.filter(expired).exclude(pk__in=kept).delete()[0]


def _free_pseudonyms(last_seen_before: datetime, empty_rooms: list[str] | None) -> int:
    """Names whose person has no message left in the room and has not joined it since
    ``last_seen_before`` (and, with a retention of 0, whose room is empty): free for anyone."""
    written = Message.objects.filter(
        room_id=OuterRef("room_id"), author_key=OuterRef("identity_key")
    )
    idle = Pseudonym.objects.filter(last_seen_at__lt=last_seen_before).exclude(Exists(written))
    if empty_rooms is not None:
        idle = idle.filter(room__slug__in=empty_rooms)
    return idle.delete()[0]
