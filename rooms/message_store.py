"""The database side of the message path, in as few round trips as it can be.

Owns: reading what the database knows about a send before it is made (an earlier send with the
same client_id, a mute) in one query, and storing a message with the room's next seq.

Each process runs its database calls on one thread (rooms/db.py), so the round trips here bound
how many messages a process takes in a second (docs/performance.md). A plain visible message on
PostgreSQL, the common case, is therefore stored by one statement: it takes the room's next seq
under the room row's lock and inserts the message, atomic because it is one statement. Every
other case (a held message, one that opens a flag, SQLite, a caller already inside a transaction)
takes the transaction path, which does the same in several statements and opens the flag with it.

Must not: judge content (moderation/ decides) or talk to the channel layer (the caller broadcasts).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from moderation.decision import Action, Decision
from moderation.flags import flag_for_decision, flag_kind_for
from moderation.models import Sanction
from rooms.errors import RoomError
from rooms.membership import Member
from rooms.models import Message, Room
from rooms.protocol import ErrorCode

__all__ = [
    "EarlierSend",
    "SendRecord",
    "SenderRecord",
    "look_up_sender",
    "record_send",
    "store_message",
    "take_next_seq",
]


@dataclass(frozen=True, slots=True)
class EarlierSend:
    """A message this identity already sent with the same client_id: seq None means held."""

    seq: int | None
    hold_reason: str


@dataclass(frozen=True, slots=True)
class SenderRecord:
    earlier: EarlierSend | None
    muted_until: datetime | None
    banned_until: datetime | None


@dataclass(frozen=True, slots=True)
class SendRecord:
    """What one trip to the database made of a send: the sender's record, and the message when
    one was stored (``is_new``: by this call, not by a resend that raced it)."""

    sender: SenderRecord
    message: Message | None
    is_new: bool


def record_send(member: Member, client_id: str, decision: Decision) -> SendRecord:
    """Look the sender up and, when nothing stops the send, store the message, on one trip to
    the database thread.

    A trip wakes that thread and then the event loop: about 1.8 ms at a quiet room's pace
    (docs/performance.md), so the look-up and the store share one. Nothing is stored for a
    repeated client_id, a banned or muted sender, or a decision that posts nothing (blocked, or
    empty after sanitising); the caller answers those from the record.
    """
    sender = look_up_sender(member, client_id)
    stopped = sender.earlier is not None or sender.banned_until or sender.muted_until
    if stopped or decision.action == Action.BLOCK or not decision.body:
        return SendRecord(sender, None, False)
    message, is_new = store_message(member, client_id, decision)
    return SendRecord(sender, message, is_new)


def look_up_sender(member: Member, client_id: str) -> SenderRecord:
    """An earlier send with this client_id and the sender's current mute and ban, in one query.

    The ban is checked here as well as at joining: a ban normally closes the person's open
    connections at once, but that event can be lost (Redis away for a moment), and a ban must
    hold whatever happens to it.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            _LOOK_UP_SENDER,
            [member.identity_key, Sanction.Kind.MUTE.value, now,
             member.identity_key, Sanction.Kind.BAN.value, now,
             member.room_id, member.identity_key, client_id],
        )  # fmt: skip
        sent_before, seq, hold_reason, muted_until, banned_until = cursor.fetchone()
    return SenderRecord(
        earlier=EarlierSend(seq=seq, hold_reason=hold_reason or "") if sent_before else None,
        muted_until=_aware(muted_until),
        banned_until=_aware(banned_until),
    )


def store_message(member: Member, client_id: str, decision: Decision) -> tuple[Message, bool]:
    """Store the message; a visible one takes the room's next seq atomically with it.

    Returns the message and whether this call stored it (False: the same client_id raced in
    from another connection of this identity, and that one won).
    """
    if _fits_one_statement(decision):
        return _store_visible_in_one_statement(member, client_id, decision.body)
    return _store_in_transaction(member, client_id, decision)


def take_next_seq(room_id: int) -> int:
    """Increment the room's last seq under its row lock; raise if the room has closed."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_ROOM} SET last_seq = last_seq + 1 WHERE id = %s AND is_open "
            "RETURNING last_seq",
            [room_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise RoomError(ErrorCode.ROOM_CLOSED)
    return int(row[0])


_ROOM = Room._meta.db_table
_MESSAGE = Message._meta.db_table
_SANCTION = Sanction._meta.db_table
# Raw SQL because the ORM spends about a millisecond of CPU building this query, on the thread
# every database call of the process waits for. Portable: PostgreSQL and SQLite.
_LOOK_UP_SENDER = f"""
SELECT earlier.id IS NOT NULL, earlier.seq, earlier.hold_reason,
    (SELECT max(until) FROM {_SANCTION} WHERE identity_key = %s AND kind = %s AND until > %s),
    (SELECT max(until) FROM {_SANCTION} WHERE identity_key = %s AND kind = %s AND until > %s)
FROM (SELECT 1 AS one) AS one
LEFT JOIN {_MESSAGE} AS earlier
    ON earlier.room_id = %s AND earlier.author_key = %s AND earlier.client_id = %s
"""  # table names come from the models; every value is a parameter
# PostgreSQL only: a data-modifying CTE. The UPDATE locks the room row until the statement
# commits, so seqs are taken in commit order, without gaps, across processes.
_INSERT_VISIBLE = f"""
WITH next AS (
    UPDATE {_ROOM} SET last_seq = last_seq + 1 WHERE id = %s AND is_open RETURNING last_seq
)
INSERT INTO {_MESSAGE}
    (room_id, seq, author_key, alias, client_id, body, status, hold_reason, sent_at)
SELECT %s, next.last_seq, %s, %s, %s, %s, %s, '', %s FROM next
RETURNING id, seq
"""


def _aware(value: datetime | str | None) -> datetime | None:
    if isinstance(value, str):  # SQLite answers text, in UTC as Django stores it there
        parsed = parse_datetime(value)
        return parsed.replace(tzinfo=UTC) if parsed is not None else None
    return value


def _fits_one_statement(decision: Decision) -> bool:
    return (
        decision.action == Action.DELIVER
        and flag_kind_for(decision) is None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


def _store_visible_in_one_statement(
    member: Member, client_id: str, body: str
) -> tuple[Message, bool]:
    sent_at = timezone.now()
    status = Message.Status.VISIBLE
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                _INSERT_VISIBLE,
                [member.room_id, member.room_id, member.identity_key, member.alias,
                 client_id, body, status.value, sent_at],
            )  # fmt: skip
            row = cursor.fetchone()
    except IntegrityError:
        return _the_earlier_send(member, client_id), False
    if row is None:
        raise RoomError(ErrorCode.ROOM_CLOSED)
    message = Message(
        id=row[0],
        room_id=member.room_id,
        seq=row[1],
        author_key=member.identity_key,
        alias=member.alias,
        client_id=client_id,
        body=body,
        status=status,
        hold_reason="",
        sent_at=sent_at,
    )
    message._state.adding = False
    message._state.db = connection.alias
    return message, True


def _store_in_transaction(
    member: Member, client_id: str, decision: Decision
) -> tuple[Message, bool]:
    visible = decision.action == Action.DELIVER
    try:
        with transaction.atomic():
            message = Message.objects.create(
                room_id=member.room_id,
                seq=take_next_seq(member.room_id) if visible else None,
                author_key=member.identity_key,
                alias=member.alias,
                client_id=client_id,
                body=decision.body,
                status=Message.Status.VISIBLE if visible else Message.Status.HELD,
                hold_reason="" if visible else (decision.reason or "review"),
                sent_at=timezone.now(),
            )
            flag_for_decision(message=message, decision=decision)
    except IntegrityError:
        return _the_earlier_send(member, client_id), False
    return message, True


def _the_earlier_send(member: Member, client_id: str) -> Message:
    return Message.objects.get(
        room_id=member.room_id, author_key=member.identity_key, client_id=client_id
    )
