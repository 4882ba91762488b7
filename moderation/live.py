"""The moderators' live feed: the only module of Hearth that talks to the channel layer.

Flag changes are pushed to the "moderators" group after the database commits them; every
connected moderator socket (``moderation.consumers``) is a member of that group.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

MODERATORS_GROUP = "moderators"
FLAG_CHANGED = "flag.changed"


def announce_flag_on_commit(flag_id: int) -> None:
    """After the current transaction commits, tell connected moderators the flag changed."""
    transaction.on_commit(lambda: _announce(flag_id))


def _announce(flag_id: int) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            MODERATORS_GROUP, {"type": FLAG_CHANGED, "flag_id": flag_id}
        )
    except Exception:
        # The flag is stored; a moderator's desk also polls, so a lost push delays, never loses.
        logger.warning("could not push a flag change to the moderators' desk")


async def join_moderators(channel_name: str) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_add(MODERATORS_GROUP, channel_name)


async def leave_moderators(channel_name: str) -> None:
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_discard(MODERATORS_GROUP, channel_name)
