"""The database side of pseudonyms: each person's one name in a room, and no name twice in a room.

Owns the ``Pseudonym`` rows. Joining claims a name: the identity's row if it has one (its last
join is refreshed), else the first of its names (``Identity.aliases_in``) that nobody else holds in
the room. Two unique constraints make that hold across processes: one row per identity and room,
one row per name and room. When two people whose names clash join at the same moment, on any
processes, one insert wins and the other fails on the name's constraint and tries its next name.

The claim runs at every join, inside the join's one trip to the database thread
(``rooms.membership``). On PostgreSQL it shares its statement with the join's catch-up read (a
data-modifying CTE), so a join without a clash costs no extra query; elsewhere (SQLite) it is a
statement of its own.

Must not: make up names (``rooms.identity`` does) or decide when names are freed
(``rooms.retention``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from rooms.errors import RoomError
from rooms.models import Pseudonym, Room, RoomState
from rooms.protocol import ErrorCode
from rooms.selectors import RoomCatchUp, room_catch_up

__all__ = ["MAX_CLAIM_ATTEMPTS", "ClaimedCatchUp", "claim_and_catch_up", "keep_pseudonyms"]

# A bound that no real room reaches (it would take 100 clashes in a row), so a join always ends.
MAX_CLAIM_ATTEMPTS = 100


@dataclass(frozen=True, slots=True)
class ClaimedCatchUp:
    alias: str  # the person's name in the room
    catch_up: RoomCatchUp


def claim_and_catch_up(
    room_id: int, *, identity_key: str, candidates: Iterable[str]
) -> ClaimedCatchUp:
    """Claim this identity's name in the room and read the room's catch-up (its last seq).

    ``candidates``: the identity's names in order of preference (``Identity.aliases_in``). Raises
    ``not_found`` if the room was deleted meanwhile.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for attempt, alias in enumerate(candidates):
        if attempt >= MAX_CLAIM_ATTEMPTS:
            break
        try:
            with _savepoint_if_in_transaction():
                return _claim(room_id, identity_key, alias, now)
        except IntegrityError as error:
            if not _name_taken(error):
                raise RoomError(ErrorCode.NOT_FOUND) from error  # the room is gone
    raise RoomError(ErrorCode.ROOM_FULL, "Every name in this room is taken right now.")


def keep_pseudonyms(held: dict[str, list[str]]) -> int:
    """Refresh the last join of these identities' names, by room slug, to now (the hub's
    ``keep_names``: the people are still connected). A name the purge freed already stays freed:
    its holder claims one again at their next join. Returns the number of rows refreshed."""
    now = timezone.now()
    kept = 0
    for slug, identity_keys in held.items():
        kept += Pseudonym.objects.filter(room__slug=slug, identity_key__in=identity_keys).update(
            last_seen_at=now
        )
    return kept


def _claim(room_id: int, identity_key: str, alias: str, now: str | None) -> ClaimedCatchUp:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_CLAIM_AND_CATCH_UP, [room_id, identity_key, alias, now, room_id])
            row = cursor.fetchone()
        if row is None or row[2] is None:
            raise RoomError(ErrorCode.NOT_FOUND)
        return ClaimedCatchUp(
            alias=row[2], catch_up=RoomCatchUp(last_seq=int(row[0]), facilitated=bool(row[1]))
        )
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM, [room_id, identity_key, alias, now])
        (claimed,) = cursor.fetchone()
    return ClaimedCatchUp(alias=claimed, catch_up=room_catch_up(room_id))


def _savepoint_if_in_transaction() -> contextlib.AbstractContextManager[object]:
    """A failed claim must not spoil a caller's transaction; outside one it costs nothing."""
    if connection.in_atomic_block:
        return transaction.atomic()
    return contextlib.nullcontext()


def _name_taken(error: IntegrityError) -> bool:
    """Whether the insert failed because someone else holds the name in this room."""
    diag = getattr(error.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if constraint is not None:  # PostgreSQL names the constraint
        return bool(constraint == _NAME_CONSTRAINT)
    return f"{_PSEUDONYM}.alias" in str(error)  # SQLite names the columns


_NAME_CONSTRAINT = "pseudonym_unique_alias"  # rooms.models.Pseudonym
_PSEUDONYM = Pseudonym._meta.db_table
_ROOM = Room._meta.db_table
_ROOM_STATE = RoomState._meta.db_table
# Table names come from the models; every value is a parameter. PostgreSQL and SQLite (3.35+).
# The conflict on the identity is the usual case (a person coming back): their row answers. A
# conflict on the name alone is a clash and raises, for the caller to try the next name.
_CLAIM = f"""
INSERT INTO {_PSEUDONYM} (room_id, identity_key, alias, last_seen_at) VALUES (%s, %s, %s, %s)
ON CONFLICT (room_id, identity_key) DO UPDATE SET last_seen_at = excluded.last_seen_at
RETURNING alias
"""
# PostgreSQL only: the claim and ``rooms.selectors.room_catch_up``'s read in one statement.
_CLAIM_AND_CATCH_UP = f"""
WITH claimed AS ({_CLAIM})
SELECT room.last_seq, state.id IS NOT NULL, (SELECT alias FROM claimed)
FROM {_ROOM} AS room LEFT JOIN {_ROOM_STATE} AS state ON state.room_id = room.id
WHERE room.id = %s
"""
