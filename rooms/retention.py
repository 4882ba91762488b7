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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from moderation.models import AuditEntry, Block, Flag, Sanction
from moderation.selectors import context_of
from rooms.backplane import presence_counts
from rooms.models import CircleSeat, Message, Room


@dataclass(frozen=True, slots=True)
class Purged:
    messages: int
    audit_texts: int
    sanctions: int
    blocks: int
    sessions: int


def purge_expired(*, now: datetime | None = None) -> Purged:
    now = now or timezone.now()
    flag_cutoff = now - timedelta(days=settings.HEARTH_FLAG_RETENTION_DAYS)
    with transaction.atomic():
        kept = _messages_kept_for_moderation(flag_cutoff)
        messages = _purge_messages(now, kept)
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
        seat_hours = max(settings.HEARTH_RETENTION_HOURS, 1)
        CircleSeat.objects.filter(
            connected=False, left_at__lt=now - timedelta(hours=seat_hours)
        ).delete()
    return Purged(
        messages=messages,
        audit_texts=audit_texts,
        sanctions=sanctions,
        blocks=blocks,
        sessions=sessions,
    )


def _messages_kept_for_moderation(flag_cutoff: datetime) -> set[int]:
    flags = Flag.objects.filter(
        Q(status=Flag.Status.OPEN) | Q(resolved_at__gte=flag_cutoff), message__isnull=False
    ).select_related("message")
    return {message.pk for flag in flags for message in context_of(flag)}


def _purge_messages(now: datetime, kept: set[int]) -> int:
    hours = settings.HEARTH_RETENTION_HOURS
    if hours > 0:
        expired = Q(sent_at__lt=now - timedelta(hours=hours))
    else:
        rooms = list(Room.objects.values_list("slug", flat=True))
        counts = presence_counts(rooms)
        empty = [slug for slug in rooms if counts.get(slug, 0) == 0]
        expired = Q(room__slug__in=empty)
    return Message.objects.filter(expired).exclude(pk__in=kept).delete()[0]
