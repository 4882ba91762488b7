"""A live event Redis does not take: the change it announces is stored and stands, the person
who made it is answered, and the people it concerns still hear of it: the blocker's own
connections at once, everyone else when their process catches up after the outage.

Redis refuses only the events published from synchronous code here (blocks, removals, releases:
``rooms.backplane.publish_from_sync``), as when it goes away for a moment after the database
committed; the hubs' own connection keeps working, and the outage they would see is played by
calling their status handler.
"""

from __future__ import annotations

import os
import weakref

import pytest
import redis
from asgiref.sync import sync_to_async
from django.db import OperationalError

import rooms.backplane.redis as backplane_redis
from moderation.models import AuditEntry, Block, Flag
from rooms.hub import get_hub
from rooms.identity import new_identity
from rooms.models import Message, Room
from rooms.protocol import CloseCode
from tests.conftest import require_redis

pytestmark = [pytest.mark.django_db(transaction=True)]


class _RefusingPublisher:
    """The synchronous Redis client, but every publish fails as if Redis were away."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    def publish(self, channel: str, payload: str) -> int:
        raise redis.ConnectionError("redis is away for a moment")

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)


@pytest.fixture
def redis_refuses_publishes(settings, monkeypatch):
    require_redis()
    settings.REDIS_URL = os.environ["REDIS_URL"]
    real = backplane_redis._sync_client
    monkeypatch.setattr(backplane_redis, "_sync_client", lambda url: _RefusingPublisher(real(url)))


@pytest.fixture
def events_missed_here(monkeypatch):
    """This process does not get the refused events either: it plays a process other than the
    one whose request published them (which hands them to its own rooms: publish_sync)."""
    monkeypatch.setattr(backplane_redis, "_running", weakref.WeakSet())


async def _outage_ends() -> None:
    """What the hub does when its connection to Redis drops and comes back."""
    hub = await get_hub()
    hub._on_status(False)
    hub._on_status(True)


async def test_a_block_holds_at_once_when_its_event_is_lost(
    connect, room, redis_refuses_publishes, events_missed_here
):
    blocker, blocked = new_identity(), new_identity()
    mine, _ = await connect(room.slug, identity=blocker)
    theirs, _ = await connect(room.slug, identity=blocked)
    witness, _ = await connect(room.slug)
    seq = (await theirs.say("hello"))["seq"]
    await mine.receive_type("message")
    await witness.receive_type("message")

    await mine.send(type="block", seq=seq)
    answer = await mine.receive_type("block_ack")
    assert answer["seq"] == seq
    assert await sync_to_async(Block.objects.count)() == 1

    await theirs.say("hello once more")
    assert (await witness.receive_type("message"))["body"] == "hello once more"
    assert await mine.silent()


async def test_a_process_that_missed_a_block_learns_it_when_it_catches_up(
    connect, room, make_room, redis_refuses_publishes, events_missed_here
):
    """The blocker is also in another room, on a process that missed the block's event (played
    by forgetting the block there): after the outage that process reads the blocks again."""
    elsewhere = await sync_to_async(make_room)()
    blocker, blocked = new_identity(), new_identity()
    mine, _ = await connect(room.slug, identity=blocker)
    mine_elsewhere, _ = await connect(elsewhere.slug, identity=blocker)
    theirs, _ = await connect(room.slug, identity=blocked)
    theirs_elsewhere, _ = await connect(elsewhere.slug, identity=blocked)
    witness_elsewhere, _ = await connect(elsewhere.slug)
    seq = (await theirs.say("hello"))["seq"]
    await mine.receive_type("message")
    await mine.send(type="block", seq=seq)
    await mine.receive_type("block_ack")
    hub = await get_hub()
    for slug, outbox in hub._by_identity[blocker.key]:
        if slug == elsewhere.slug:
            outbox.blocked_authors.clear()

    await _outage_ends()
    await theirs_elsewhere.say("hello in the other room")

    assert (await witness_elsewhere.receive_type("message"))["body"] == "hello in the other room"
    assert await mine_elsewhere.silent(ignore=("presence", "status"))


async def _removed_by_a_moderator(connect, room, mod_client):
    """A reader, and the seq of a reported message a moderator removed: (reader, seq, response)."""
    writer, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    seq = (await writer.say("she lives at the end of my road"))["seq"]
    await reader.receive_type("message")
    await reader.send(type="report", seq=seq, reason="doxxing")
    await reader.receive_type("report_ack")
    flag = await sync_to_async(Flag.objects.get)(message__seq=seq)
    response = await sync_to_async(mod_client.post)(
        f"/api/moderation/flags/{flag.pk}/resolve/", {"action": "remove"}
    )
    return reader, seq, response


async def test_a_removal_whose_event_is_lost_stands_and_reaches_everyone_after_the_outage(
    connect, room, mod_client, redis_refuses_publishes, events_missed_here
):
    reader, seq, response = await _removed_by_a_moderator(connect, room, mod_client)

    assert response.status_code == 200, response.content
    assert response.json()["resolution"] == "remove"
    message = await sync_to_async(Message.objects.get)(seq=seq)
    assert message.status == Message.Status.REMOVED
    assert await sync_to_async(AuditEntry.objects.filter(action="remove").count)() == 1
    await _outage_ends()
    assert await reader.receive_type("message_removed") == {"type": "message_removed", "seq": seq}


async def test_a_removal_redis_refused_still_reaches_the_moderators_own_process_at_once(
    connect, room, mod_client, redis_refuses_publishes
):
    reader, seq, response = await _removed_by_a_moderator(connect, room, mod_client)

    assert response.status_code == 200, response.content
    assert await reader.receive_type("message_removed") == {"type": "message_removed", "seq": seq}


async def test_a_room_closed_while_its_event_was_lost_closes_here_after_the_outage(
    connect, room, redis_refuses_publishes, events_missed_here
):
    """As when a moderator ends a drop-in room on another process while Redis is away."""
    client, _ = await connect(room.slug)
    await sync_to_async(Room.objects.filter(pk=room.pk).update)(is_open=False)

    await _outage_ends()

    assert (await client.receive_type("error"))["code"] == "room_closed"
    assert await client.closed() == CloseCode.ROOM_CLOSED


async def test_one_step_of_the_catch_up_failing_does_not_stop_the_others(
    connect, room, mod_client, redis_refuses_publishes, events_missed_here, monkeypatch
):
    writer, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    seq = (await writer.say("she lives at the end of my road"))["seq"]
    await reader.receive_type("message")
    await sync_to_async(Message.objects.filter(seq=seq).update)(status=Message.Status.REMOVED)

    def database_hiccup(identity_keys):
        raise OperationalError("the database went away for a moment")

    monkeypatch.setattr("rooms.hub.blocked_by_each", database_hiccup)
    await _outage_ends()

    assert await reader.receive_type("message_removed") == {"type": "message_removed", "seq": seq}
