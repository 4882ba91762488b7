"""Opening flags: from the moderation step's decision, and from participants' reports.

Both run inside the transaction that stores the message or the report, so a flag exists exactly
when what it points at does; moderators hear about it once that transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from moderation.decision import Action, Decision, Label
from moderation.live import announce_flag_on_commit
from moderation.models import Flag, Report
from rooms.errors import RoomError
from rooms.models import Message
from rooms.protocol import ErrorCode

CRISIS_LABELS = frozenset({Label.CRISIS_SELF, Label.CRISIS_DANGER})


def flag_kind_for(decision: Decision) -> tuple[Flag.Kind, Flag.Priority] | None:
    """The flag a reviewed message needs, if any: crisis first, then held, then watched."""
    if decision.labels & CRISIS_LABELS:
        return Flag.Kind.CRISIS, Flag.Priority.URGENT
    if decision.action == Action.HOLD:
        # A personal detail held back is usually someone oversharing their own; it is still
        # queued (an abuser posting someone's address is exactly what moderators must see),
        # behind harassment.
        only_pii = decision.labels == frozenset({Label.PII})
        return Flag.Kind.HELD, Flag.Priority.LOW if only_pii else Flag.Priority.NORMAL
    if decision.reason == "watched_word":
        return Flag.Kind.WATCHED, Flag.Priority.LOW
    return None


def flag_for_decision(*, message: Message, decision: Decision) -> Flag | None:
    """Open the flag a reviewed message needs (see flag_kind_for), if any."""
    kind_and_priority = flag_kind_for(decision)
    if kind_and_priority is None:
        return None
    kind, priority = kind_and_priority
    flag = Flag.objects.create(
        room_id=message.room_id,
        message=message,
        kind=kind,
        priority=priority,
        labels=sorted(str(label) for label in decision.labels),
    )
    announce_flag_on_commit(flag.id)
    return flag


@dataclass(frozen=True, slots=True)
class ReportResult:
    seq: int
    counted: bool  # False when this person had already reported this message


def report_message(*, room_id: int, seq: int, reporter_key: str, reason: str) -> ReportResult:
    """Store a participant's report and put the message in the queue. Reporters stay unseen."""
    message = (
        Message.objects.filter(room_id=room_id, seq=seq)
        .exclude(status=Message.Status.REMOVED)
        .first()
    )
    if message is None:
        raise RoomError(ErrorCode.NOT_FOUND, "There is no message with that number in this room.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                Report.objects.create(message=message, reporter_key=reporter_key, reason=reason)
        except IntegrityError:
            return ReportResult(seq=seq, counted=False)
        flag = _open_report_flag(message)
        Flag.objects.filter(pk=flag.pk).update(report_count=F("report_count") + 1)
        announce_flag_on_commit(flag.id)
    return ReportResult(seq=seq, counted=True)


def _open_report_flag(message: Message) -> Flag:
    """The message's open flag, opened now if it has none (two reporters may race here)."""
    flag = Flag.objects.select_for_update().filter(message=message, status=Flag.Status.OPEN).first()
    if flag is not None:
        return flag
    try:
        with transaction.atomic():
            return Flag.objects.create(
                room_id=message.room_id,
                message=message,
                kind=Flag.Kind.REPORT,
                priority=Flag.Priority.NORMAL,
            )
    except IntegrityError:
        return Flag.objects.get(message=message, status=Flag.Status.OPEN)
