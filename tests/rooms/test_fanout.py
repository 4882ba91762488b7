"""The hub and the outbox: order, gap filling, and the slow-connection policy."""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from moderation.decision import Action, Decision
from rooms.hub import get_hub
from rooms.identity import new_identity
from rooms.membership import Member
from rooms.message_store import store_message
from rooms.outbox import Frame, Outbox
from rooms.protocol import CloseCode
from rooms.selectors import frame_of


def _member(room) -> Member:
    identity = new_identity()
    return Member(
        room_id=room.id, room_slug=room.slug, identity_key=identity.key, alias="Calm Finch"
    )


def _stored(member: Member, body: str):
    decision = Decision(
        body=body,
        labels=frozenset(),
        action=Action.DELIVER,
        resources=False,
        reason=None,
        detail=None,
    )
    message, _ = store_message(member, body, decision)
    return message


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("backplane")
async def test_a_missing_seq_is_filled_from_the_database_in_order(connect, room, settings):
    settings.HEARTH_GAP_FILL_SECONDS = 0.05
    reader, _ = await connect(room.slug)
    member = _member(room)
    # Seq 1 is stored but its publisher "died" before publishing; seq 2 is published.
    await sync_to_async(_stored)(member, "never published")
    second = await sync_to_async(_stored)(member, "published")
    hub = await get_hub()
    await hub.publish_message(
        room.slug, seq=second.seq, author_key=member.identity_key, frame=frame_of(second)
    )
    first_seen, second_seen = await reader.messages(2)
    assert (first_seen["seq"], first_seen["body"]) == (1, "never published")
    assert (second_seen["seq"], second_seen["body"]) == (2, "published")
    # The late publication of seq 1 is not delivered twice.
    first = await sync_to_async(lambda: room.messages.get(seq=1))()
    await hub.publish_message(
        room.slug, seq=1, author_key=member.identity_key, frame=frame_of(first)
    )
    assert await reader.silent()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("backplane")
async def test_early_arrivals_wait_for_their_turn(connect, room, settings):
    settings.HEARTH_GAP_FILL_SECONDS = 5
    reader, _ = await connect(room.slug)
    member = _member(room)
    messages = [await sync_to_async(_stored)(member, f"m{n}") for n in range(1, 4)]
    hub = await get_hub()
    for message in reversed(messages):
        await hub.publish_message(
            room.slug, seq=message.seq, author_key=member.identity_key, frame=frame_of(message)
        )
    assert [m["seq"] for m in await reader.messages(3, timeout=2)] == [1, 2, 3]


async def test_outbox_drops_seen_seqs_and_blocked_authors():
    sent: list[str] = []

    async def send(text: str) -> None:
        sent.append(text)

    async def close(code: int) -> None:
        raise AssertionError("not closed")

    outbox = Outbox(send=send, close=close, identity_key="me", limit=10)
    outbox.blocked_authors.add("blocked")
    outbox.welcome("welcome")
    outbox.start_after(2)
    outbox.offer(5, "someone", "live 5")  # buffered during catch-up
    outbox.replay(3, "someone", "replay 3")
    outbox.replay(4, "blocked", "replay 4")
    outbox.replay(5, "someone", "replay 5")
    outbox.go_live()
    outbox.offer(6, "blocked", "live 6")
    outbox.offer(7, "someone", "live 7")
    outbox.offer(7, "someone", "live 7 again")
    await asyncio.sleep(0.01)  # the outbox's writer task sends what queued
    assert sent == ["welcome", "replay 3", "replay 5", "live 7"]
    assert outbox.pending == 0


async def test_an_outbox_has_a_writer_task_only_while_frames_wait():
    sent: list[str] = []
    release = asyncio.Event()

    async def send(text: str) -> None:
        await release.wait()
        sent.append(text)

    async def close(code: int) -> None:
        raise AssertionError("not closed")

    outbox = Outbox(send=send, close=close, identity_key="me", limit=10)
    assert outbox._writer is None
    outbox.welcome("welcome")
    writer = outbox._writer
    assert writer is not None
    await asyncio.sleep(0)
    outbox.push("while sending")  # joins the queue the running task drains
    assert outbox._writer is writer
    release.set()
    await asyncio.wait_for(writer, 1)
    assert sent == ["welcome", "while sending"] and outbox._writer is None
    outbox.push("later")
    assert outbox._writer is not None and outbox._writer is not writer
    await asyncio.sleep(0.01)
    assert sent[-1] == "later" and outbox._writer is None


async def test_a_connection_that_falls_behind_is_told_and_closed_not_silently_dropped():
    sent: list[str] = []
    closed: list[int] = []
    stalled = asyncio.Event()

    async def send(text: str) -> None:
        await stalled.wait()  # a client that stopped reading
        sent.append(text)

    async def close(code: int) -> None:
        closed.append(code)

    outbox = Outbox(send=send, close=close, identity_key="me", limit=5)
    outbox.welcome("welcome")
    outbox.start_after(0)
    outbox.go_live()
    await asyncio.sleep(0)
    for seq in range(1, 10):
        outbox.offer(seq, "someone", f"m{seq}")
    writer = outbox._writer
    assert writer is not None
    stalled.set()
    await asyncio.wait_for(writer, 1)
    assert closed == [CloseCode.TOO_SLOW]
    assert json.loads(sent[-1])["code"] == "too_slow"
    assert len(sent) <= 6


async def test_an_outbox_whose_connection_has_gone_stops_writing_to_it(caplog):
    attempts: list[str] = []

    async def send(text: str) -> None:
        attempts.append(text)
        raise ConnectionError("the socket has gone")

    async def close(code: int) -> None:
        raise AssertionError("not closed")

    outbox = Outbox(send=send, close=close, identity_key="me", limit=10)
    outbox.start_after(0)
    outbox.go_live()
    outbox.push("first")
    outbox.push("second")
    await asyncio.sleep(0.01)
    outbox.push("third")
    outbox.offer(1, "someone", Frame("live"))
    await asyncio.sleep(0.01)
    assert attempts == ["first"]
    assert outbox._writer is None and outbox.pending == 0
    assert [record.levelname for record in caplog.records if "websocket" in record.message] == [
        "INFO"
    ]
