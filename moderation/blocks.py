"""No-contact blocks: a person stops receiving another's messages everywhere, silently.

A block names someone by a message of theirs in one room (its seq), or by their pseudonym there;
Hearth stores it against their identity, so it holds in every room (where they have other
pseudonyms), across reconnects and processes. Pseudonyms are unique in a room
(``rooms.pseudonym_store``), but a seq names exactly the message the person saw, so clients send
that; the name is kept for older clients.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from moderation.models import Block
from rooms.errors import RoomError
from rooms.events import publish_block
from rooms.models import Message, Pseudonym
from rooms.protocol import ErrorCode


@dataclass(frozen=True, slots=True)
class BlockTarget:
    """Whom a block or unblock reached, as the blocker may be told: a name, never a key."""

    alias: str
    seq: int | None  # the message it named, if it named one


@dataclass(frozen=True, slots=True)
class BlockChange:
    """A stored block or unblock: whom the blocker is told it reached, and (for the hub that
    applies it to the blocker's connections at once, never for the blocker) whose key."""

    target: BlockTarget
    blocked_key: str


def set_block(
    *,
    blocker_key: str,
    room_id: int,
    blocked: bool,
    seq: int | None = None,
    alias: str | None = None,
) -> BlockChange:
    """Block (or unblock) the author of message ``seq`` in this room, or the person who goes by
    ``alias`` there. Raises ``not_found`` if there is no such message or name, and
    ``cannot_block_self`` if it is the blocker's own."""
    if seq is not None:
        blocked_key, name = _author_of(room_id=room_id, seq=seq)
    elif alias is not None:
        blocked_key, name = _holder_of(room_id=room_id, alias=alias), alias
    else:
        raise RoomError(ErrorCode.BAD_FRAME, "Say whom to block: the seq of one of their messages.")
    if blocked_key == blocker_key:
        raise RoomError(ErrorCode.CANNOT_BLOCK_SELF)
    with transaction.atomic():
        if blocked:
            Block.objects.get_or_create(blocker_key=blocker_key, blocked_key=blocked_key)
        else:
            Block.objects.filter(blocker_key=blocker_key, blocked_key=blocked_key).delete()
        transaction.on_commit(
            lambda: publish_block(blocker_key=blocker_key, blocked_key=blocked_key, blocked=blocked)
        )
    return BlockChange(target=BlockTarget(alias=name, seq=seq), blocked_key=blocked_key)


def _author_of(*, room_id: int, seq: int) -> tuple[str, str]:
    """The identity and name of the author of message ``seq`` in this room (removed ones too:
    their author is the person most likely to be blocked)."""
    author = (
        Message.objects.filter(room_id=room_id, seq=seq).values_list("author_key", "alias").first()
    )
    if author is None:
        raise RoomError(ErrorCode.NOT_FOUND, "There is no message with that number in this room.")
    return author


def _holder_of(*, room_id: int, alias: str) -> str:
    """The identity that goes by ``alias`` in this room.

    Names are unique in a room, but facilitators of session rooms all go by "Facilitator" and
    claim no name: such a name reaches its author only if one person alone wrote under it here.
    """
    holder = (
        Pseudonym.objects.filter(room_id=room_id, alias=alias)
        .values_list("identity_key", flat=True)
        .first()
    )
    if holder is not None:
        return holder
    writers = list(
        Message.objects.filter(room_id=room_id, alias=alias)
        .order_by()
        .values_list("author_key", flat=True)
        .distinct()[:2]
    )
    if len(writers) == 1:
        return writers[0]
    if writers:
        raise RoomError(
            ErrorCode.NOT_FOUND,
            "More than one person wrote under that name here. Block one of their messages instead.",
        )
    raise RoomError(ErrorCode.NOT_FOUND, "Nobody goes by that name in this room.")


def blocked_by(identity_key: str) -> set[str]:
    """The identities this identity has blocked (read at every join: raw SQL, which costs a
    quarter of the ORM's CPU for this query)."""
    with connection.cursor() as cursor:
        cursor.execute(_BLOCKED_BY, [identity_key])
        return {row[0] for row in cursor.fetchall()}


def blocked_by_each(identity_keys: list[str]) -> dict[str, set[str]]:
    """The identities each of these identities has blocked (the hub's catch-up after an outage
    of the backplane, for every person connected to the process: one query)."""
    found: dict[str, set[str]] = {}
    rows = Block.objects.filter(blocker_key__in=identity_keys).values_list(
        "blocker_key", "blocked_key"
    )
    for blocker_key, blocked_key in rows:
        found.setdefault(blocker_key, set()).add(blocked_key)
    return found


_BLOCKED_BY = f"SELECT blocked_key FROM {Block._meta.db_table} WHERE blocker_key = %s"
