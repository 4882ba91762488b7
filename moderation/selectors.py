"""Reads for the moderators' queue."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from moderation.models import Flag
from rooms.models import Message

CONTEXT_BEFORE = 5
CONTEXT_AFTER = 5


def flag_queue(*, status: str | None = None) -> QuerySet[Flag]:
    """Open flags first, crisis first, then oldest; resolved ones after, newest first."""
    flags = Flag.objects.select_related("room", "message").prefetch_related("message__reports")
    if status:
        flags = flags.filter(status=status)
    return flags.annotate(
        open_first=Case(
            When(status=Flag.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
    ).order_by("open_first", "priority", "opened_at", "id")


def context_of(flag: Flag) -> list[Message]:
    """The messages around a flagged one in its room (held ones included, for the moderator)."""
    message = flag.message
    if message is None:
        return []
    around = Message.objects.filter(room_id=message.room_id).exclude(pk=message.pk)
    before = list(around.filter(sent_at__lte=message.sent_at).order_by("-sent_at")[:CONTEXT_BEFORE])
    after = list(around.filter(sent_at__gt=message.sent_at).order_by("sent_at")[:CONTEXT_AFTER])
    return [*reversed(before), message, *after]
