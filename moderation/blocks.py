"""No-contact blocks: a person stops receiving another's messages everywhere, silently.

A block names someone by their pseudonym in one room; Hearth stores it against their identity, so
it holds in every room (where they have other pseudonyms), across reconnects and processes.
"""

from __future__ import annotations

from django.db import connection, transaction

from moderation.models import Block
from rooms.errors import RoomError
from rooms.events import publish_block
from rooms.models import Message
from rooms.protocol import ErrorCode


def set_block(*, blocker_key: str, room_id: int, alias: str, blocked: bool) -> None:
    """Block (or unblock) the person who writes as ``alias`` in this room."""
    blocked_key = (
        Message.objects.filter(room_id=room_id, alias=alias)
        .exclude(author_key=blocker_key)
        .order_by("-sent_at")
        .values_list("author_key", flat=True)
        .first()
    )
    if blocked_key is None:
        raise RoomError(ErrorCode.NOT_FOUND, "Nobody has written under that name in this room.")
    with transaction.atomic():
        if blocked:
            Block.objects.get_or_create(blocker_key=blocker_key, blocked_key=blocked_key)
        else:
            Block.objects.filter(blocker_key=blocker_key, blocked_key=blocked_key).delete()
        transaction.on_commit(
            lambda: publish_block(blocker_key=blocker_key, blocked_key=blocked_key, blocked=blocked)
        )


def blocked_by(identity_key: str) -> set[str]:
    """The identities this identity has blocked (read at every join: raw SQL, which costs a
    quarter of the ORM's CPU for this query)."""
    with connection.cursor() as cursor:
        cursor.execute(_BLOCKED_BY, [identity_key])
        return {row[0] for row in cursor.fetchall()}


_BLOCKED_BY = f"SELECT blocked_key FROM {Block._meta.db_table} WHERE blocker_key = %s"
