"""What a chat message costs the server's database thread, and the answers that cost must keep.

A trip to the one database thread of a process wakes that thread and then the event loop: at a
quiet room's pace about 1.8 ms each on the 2-core machine (docs/performance.md), more than the
queries it runs. An ordinary message therefore takes one trip (look the sender up, then store).
The limits (turn, slow mode, rate) are checked before that trip, and a send they refuse pays one
look-up, so that a resend after a reconnect and a sanctioned sender are answered exactly as they
were when the look-up came first.
"""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db import connection

from moderation.models import Sanction
from moderation.sanctions import impose
from rooms.identity import new_identity
from rooms.models import Message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def _joined(*clients: Any) -> None:
    """Wait until each connection's join has ended (a first visit is remembered after it)."""
    for client in clients:
        await client.send(type="ping")
        await client.receive_type("pong")


async def test_an_ordinary_message_takes_one_trip_and_two_queries(connect, room, database_use):
    author, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    await _joined(author, reader)
    await author.say("Hello everyone.")  # the watched words are read once, then cached
    database_use.reset()

    ack = await author.say("Thank you all for listening tonight.")

    assert ack["type"] == "ack" and ack["seq"] == 2
    assert [message["seq"] for message in await reader.messages(2)] == [1, 2]
    assert database_use.trips == ["record_send"], database_use
    if connection.vendor == "postgresql":  # SQLite stores in a transaction: BEGIN ... COMMIT
        # the sender (earlier send with this client_id, mute, ban), then the message with its seq
        assert len(database_use.queries) == 2, database_use.queries


async def test_a_held_message_is_stored_on_the_same_single_trip(connect, room, database_use):
    author, _ = await connect(room.slug)
    await _joined(author)
    await author.say("Hello everyone.")  # the watched words are read once, then cached
    database_use.reset()

    held = await author.say("text me on 07700 900123")

    assert held["type"] == "held" and held["reason"] == "pii"
    assert database_use.trips == ["record_send"], database_use
    stored = await sync_to_async(Message.objects.get)(room=room, client_id=held["client_id"])
    assert stored.status == Message.Status.HELD


async def test_a_resend_refused_by_the_rate_limit_is_answered_as_before(
    connect, room, small_rate_limit, database_use
):
    identity = new_identity()
    first, _ = await connect(room.slug, identity=identity)
    original = await first.say("did this get through?", client_id="resent-after-reconnect")
    for n in range(2):
        assert (await first.say(f"more {n}"))["type"] == "ack"
    assert (await first.say("over the limit"))["code"] == "rate_limited"
    await first.disconnect()
    again, _ = await connect(room.slug, identity=identity)
    await _joined(again)
    database_use.reset()

    answer = await again.say("did this get through?", client_id="resent-after-reconnect")

    assert answer["type"] == "ack" and answer["seq"] == original["seq"] == 1
    assert database_use.trips == ["look_up_sender"], database_use  # only refusals pay it
    count = await sync_to_async(Message.objects.filter(room=room).count)()
    assert count == 3  # the resend stored nothing


async def test_a_held_resend_refused_by_the_rate_limit_is_still_held(
    connect, room, small_rate_limit
):
    client, _ = await connect(room.slug)
    held = await client.say("my number is 07700 900123", client_id="held-once")
    assert held["type"] == "held"
    for n in range(2):
        await client.say(f"more {n}")

    answer = await client.say("my number is 07700 900123", client_id="held-once")

    assert answer["type"] == "held" and answer["client_id"] == "held-once"
    # Not reviewed again (the limits answered first), but still told to remove the detail.
    assert answer["reason"] == "pii" and "remove it" in answer["detail"]


async def _sanction(identity_key: str, kind: Sanction.Kind) -> None:
    moderator = await sync_to_async(User.objects.create_user)(f"mod-{identity_key[:8]}")
    await sync_to_async(impose)(
        identity_key=identity_key, kind=kind, minutes=30, moderator=moderator, reason="test"
    )


async def test_a_muted_sender_over_the_rate_limit_is_told_of_the_mute(
    connect, room, small_rate_limit
):
    identity = new_identity()
    client, _ = await connect(room.slug, identity=identity)
    await _sanction(identity.key, Sanction.Kind.MUTE)

    answers: list[dict[str, Any]] = [await client.say(f"try {n}") for n in range(6)]

    assert [answer["code"] for answer in answers] == ["muted"] * 6
    assert await sync_to_async(Message.objects.filter(room=room).exists)() is False


async def test_a_banned_sender_over_the_rate_limit_is_told_of_the_ban_and_closed(
    connect, room, small_rate_limit
):
    identity = new_identity()
    client, _ = await connect(room.slug, identity=identity)
    for n in range(3):
        assert (await client.say(f"before {n}"))["type"] == "ack"
    await _sanction(identity.key, Sanction.Kind.BAN)

    answer = await client.say("after the ban")

    assert answer["code"] == "banned"
    assert await client.closed() is not None
