"""Input that cannot be stored, and failures nobody expected, never cost a room its places.

A consumer that died on a frame used to skip its disconnect: its place in the room, its
presence and its connection counts stayed taken until the process restarted, so a few bots
sending one crafted frame each could fill a room and lock everyone out.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from moderation.models import Report
from rooms import consumers
from rooms.consumers import RoomConsumer
from rooms.hub import get_hub
from rooms.limits import connection_counts
from rooms.protocol import CloseCode

pytestmark = pytest.mark.django_db(transaction=True)

# Lone surrogates and NUL decode from JSON escapes but cannot be stored in PostgreSQL text.
UNSTORABLE_FRAMES = {
    "client_id with a lone surrogate": '{"type":"send","body":"hello","client_id":"\\ud800"}',
    "client_id with NUL": '{"type":"send","body":"hello","client_id":"a\\u0000"}',
    "alias with a lone surrogate": '{"type":"block","alias":"\\ud800"}',
    "alias with NUL": '{"type":"block","alias":"Quiet\\u0000Heron"}',
    "unblock alias with a lone surrogate": '{"type":"unblock","alias":"\\udfff"}',
}


def counted_connections() -> int:
    return sum(connection_counts.by_identity.values())


async def people_in(slug: str) -> int:
    hub = await get_hub()
    room = hub._rooms.get(slug)
    return len(room.outboxes) if room is not None else 0


async def settle(predicate, timeout: float = 3.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, "the server did not release the connection"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("text", list(UNSTORABLE_FRAMES.values()), ids=list(UNSTORABLE_FRAMES))
async def test_an_unstorable_name_or_id_is_a_bad_frame_and_the_connection_stays(
    connect, room, text
):
    client, _ = await connect(room.slug)
    await client.send_raw(text=text)
    answer = await client.receive_type("error")
    assert answer["code"] == "bad_frame" and answer["detail"]
    assert (await client.say("still here"))["type"] == "ack"


@pytest.mark.parametrize(
    "text",
    [
        '{"type":[]}',
        '{"type":{}}',
        '{"type":"react","seq":1,"reaction":[]}',
        '{"type":"react","seq":1,"reaction":{"a":1}}',
        # Already a bad_frame before (an Enum lookup turns TypeError into ValueError): kept so
        # that it stays one.
        '{"type":"facilitate","action":"start_round","order":[]}',
    ],
)
async def test_a_list_or_an_object_where_text_belongs_is_a_bad_frame(connect, room, text):
    """Looking such a value up in a set raised TypeError and closed the connection (1011)."""
    client, _ = await connect(room.slug)
    await client.send_raw(text=text)
    answer = await client.receive_type("error")
    assert answer["code"] == "bad_frame" and answer["detail"]
    assert (await client.say("still here"))["type"] == "ack"


@pytest.mark.parametrize(
    ("reason", "stored"), [("\ud800", ""), ("bad\u0000 words", "bad words"), (" \udfff ok ", "ok")]
)
async def test_a_report_reason_is_stored_without_what_cannot_be_stored(
    connect, room, reason, stored
):
    writer, _ = await connect(room.slug)
    reporter, _ = await connect(room.slug)
    seq = (await writer.say("a message to report"))["seq"]
    await reporter.send(type="report", seq=seq, reason=reason)
    assert (await reporter.receive_type("report_ack"))["seq"] == seq
    assert await sync_to_async(lambda: Report.objects.get().reason)() == stored


async def test_crafted_frames_from_bots_do_not_fill_a_room(connect, make_room):
    small = await sync_to_async(make_room)(capacity=3)
    before = counted_connections()
    for _ in range(3):
        bot, first = await connect(small.slug, cookie=False)
        assert first["type"] == "welcome"
        await bot.send_raw(text=UNSTORABLE_FRAMES["alias with a lone surrogate"])
        await bot.receive_type("error")
        await bot.disconnect()
    await settle(lambda: _equal(people_in(small.slug), 0))
    assert counted_connections() == before
    _person, first = await connect(small.slug)
    assert first["type"] == "welcome"


@pytest.mark.parametrize("since", ["%C2%B2", "9" * 5000])
async def test_since_that_is_not_a_plain_number_is_refused_and_counts_nothing(connect, room, since):
    before = counted_connections()
    client, first = await connect(room.slug, since=since, cookie=False)
    assert first["code"] == "bad_frame" and "since" in first["detail"]
    assert await client.closed() == CloseCode.BAD_REQUEST
    await client.disconnect()  # as a browser answers the server's close
    await settle(lambda: _is(counted_connections() == before))


async def test_an_unexpected_failure_on_a_frame_is_answered_and_the_connection_stays(
    connect, room, monkeypatch
):
    def broken_block(**kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr("rooms.services.set_block", broken_block)
    client, _ = await connect(room.slug)
    await client.send(type="block", alias="Quiet Heron")
    answer = await client.receive_type("error")
    assert answer["code"] == "unavailable" and answer["alias"] == "Quiet Heron"
    assert "try again" in answer["detail"]
    assert (await client.say("still here"))["type"] == "ack"


async def test_an_unexpected_failure_while_joining_releases_the_connection(
    connect, room, monkeypatch
):
    async def broken_join(**kwargs):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(consumers, "join_room", broken_join)
    before = counted_connections()
    client, first = await connect(room.slug)
    assert first["code"] == "unavailable" and first["detail"]
    assert await client.closed() == CloseCode.TRY_AGAIN_LATER
    await client.disconnect()
    await settle(lambda: _is(counted_connections() == before))


async def test_an_unreadable_handshake_is_refused_as_unavailable(connect, room, monkeypatch):
    def broken_facts(scope, slug):
        raise RuntimeError("the session store is away")

    monkeypatch.setattr(consumers, "_handshake_facts", broken_facts)
    client, first = await connect(room.slug)
    assert first["code"] == "unavailable"
    assert await client.closed() == CloseCode.TRY_AGAIN_LATER


async def test_a_handler_that_raises_closes_the_connection_and_frees_its_place(
    connect, room, monkeypatch
):
    before = counted_connections()
    client, _ = await connect(room.slug)
    other, _ = await connect(room.slug)
    assert await people_in(room.slug) == 2

    async def broken_receive(self, text_data=None, bytes_data=None):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(RoomConsumer, "receive", broken_receive)
    await client.send(type="ping")
    assert await client.closed() == 1011  # internal error
    await settle(lambda: _equal(people_in(room.slug), 1))
    monkeypatch.undo()
    await other.disconnect()
    await settle(lambda: _is(counted_connections() == before))


async def _equal(awaitable, expected) -> bool:
    return await awaitable == expected


async def _is(value: bool) -> bool:
    return value


def test_a_facilitators_prompt_is_stored_without_what_cannot_be_stored():
    from rooms.circle.frames import parse_circle_frame

    frame = parse_circle_frame(
        "facilitate", {"action": "pin", "prompt": " What helped\u0000 this week?\ud800 "}
    )
    assert frame.prompt == "What helped this week?"
