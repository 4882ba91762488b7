"""Joining and leaving a room: who may connect, and how a connection catches up.

A connection joins in this order, so that it sees every message once and in order:
attach its outbox to the hub (live messages wait there), read the room's last seq, send the
welcome, replay stored messages after ``since``, then go live.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.db import database_sync_to_async
from django.conf import settings

from rooms import selectors
from rooms.errors import RoomError
from rooms.hub import get_hub
from rooms.identity import Identity
from rooms.outbox import Outbox
from rooms.protocol import ErrorCode, welcome_frame


@dataclass(frozen=True, slots=True)
class Member:
    """A connection's place in a room: everything the message path needs to know about it."""

    room_id: int
    room_slug: str
    identity_key: str
    alias: str


async def join_room(*, slug: str, identity: Identity, since: int | None, outbox: Outbox) -> Member:
    """Admit a connection to a room and queue its welcome and replay, or raise RoomError."""
    room = await database_sync_to_async(selectors.room_info)(slug)
    if room is None:
        raise RoomError(ErrorCode.NOT_FOUND)
    if not room.is_open:
        raise RoomError(ErrorCode.ROOM_CLOSED)
    hub = await get_hub()
    if await hub.participants(slug) >= room.capacity:
        raise RoomError(ErrorCode.ROOM_FULL)

    member = Member(
        room_id=room.id, room_slug=slug, identity_key=identity.key, alias=identity.alias_in(slug)
    )
    await hub.attach(slug, outbox)
    try:
        last_seq = await database_sync_to_async(selectors.room_last_seq)(slug) or 0
        hub.set_baseline(slug, last_seq)
        participants = await hub.refresh_presence(slug)
        outbox.welcome(
            welcome_frame(
                room=slug, alias=member.alias, last_seq=last_seq, participants=participants
            )
        )
        await _replay(member, since=since, last_seq=last_seq, outbox=outbox)
    except BaseException:
        await hub.detach(slug, outbox)
        raise
    outbox.go_live()
    return member


async def _replay(member: Member, *, since: int | None, last_seq: int, outbox: Outbox) -> None:
    if since is None or since >= last_seq:
        # A client that claims more than exists (a room reset) starts from the room's present.
        outbox.start_after(last_seq)
        return
    outbox.start_after(max(since, 0))
    stored = await database_sync_to_async(selectors.visible_messages_after)(
        member.room_id, after=since, limit=settings.HEARTH_REPLAY_LIMIT
    )
    for message in stored:
        assert message.seq is not None
        outbox.replay(message.seq, message.author_key, selectors.frame_of(message))


async def leave_room(*, member: Member, outbox: Outbox) -> None:
    hub = await get_hub()
    await hub.detach(member.room_slug, outbox)
