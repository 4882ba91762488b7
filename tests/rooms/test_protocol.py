"""Every frame type and error code of /ws/rooms/<slug>/, over the real ASGI stack.

Each test runs on both backplanes: in-process, and the real Redis (skipped without REDIS_URL
locally; required in CI).
"""

from __future__ import annotations

import asyncio
import json

import pytest
from asgiref.sync import sync_to_async

from rooms.identity import new_identity
from rooms.models import Message, Room
from rooms.protocol import CloseCode

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def test_welcome_names_room_alias_last_seq_and_participants(connect, room):
    identity = new_identity()
    _, welcome = await connect(room.slug, identity=identity)
    assert welcome == {
        "type": "welcome",
        "room": room.slug,
        "alias": identity.alias_in(room.slug),
        "last_seq": 0,
        "participants": 1,
    }


async def test_message_is_acked_to_author_and_broadcast_to_everyone(connect, room):
    alice, bob = new_identity(), new_identity()
    a, _ = await connect(room.slug, identity=alice)
    b, _ = await connect(room.slug, identity=bob)
    ack = await a.say("  hello, is anyone here?  ", client_id="c-1")
    assert ack == {"type": "ack", "client_id": "c-1", "seq": 1}
    for client in (a, b):
        message = await client.receive_type("message")
        assert message["seq"] == 1
        assert message["alias"] == alice.alias_in(room.slug)
        assert message["body"] == "hello, is anyone here?"
        assert message["sent_at"].endswith("Z") and "T" in message["sent_at"]
        assert set(message) == {"type", "seq", "alias", "body", "sent_at"}


async def test_presence_frames_follow_joins_and_leaves(connect, room):
    a, welcome_a = await connect(room.slug)
    assert welcome_a["participants"] == 1
    b, welcome_b = await connect(room.slug)
    assert welcome_b["participants"] == 2
    assert (await a.receive_type("presence"))["participants"] == 2
    await b.disconnect()
    assert (await a.receive_type("presence"))["participants"] == 1


async def test_two_connections_of_one_identity_count_once(connect, room):
    identity = new_identity()
    await connect(room.slug, identity=identity)
    _, second = await connect(room.slug, identity=identity)
    assert second["participants"] == 1


async def test_seq_is_per_room_and_gap_free(connect, make_room):
    room_a = await sync_to_async(make_room)()
    room_b = await sync_to_async(make_room)()
    a, _ = await connect(room_a.slug)
    b, _ = await connect(room_b.slug)
    assert [(await a.say(f"a{i}"))["seq"] for i in range(3)] == [1, 2, 3]
    assert [(await b.say(f"b{i}"))["seq"] for i in range(2)] == [1, 2]


async def test_resending_a_client_id_acks_the_original_seq_without_storing_again(connect, room):
    identity = new_identity()
    a, _ = await connect(room.slug, identity=identity)
    observer, _ = await connect(room.slug)
    first = await a.say("only once please", client_id="retry-me")
    again = await a.say("only once please", client_id="retry-me")
    assert first["seq"] == again["seq"] == 1
    assert (await observer.receive_type("message"))["seq"] == 1
    assert await observer.silent()
    assert await sync_to_async(Message.objects.filter(room=room).count)() == 1
    # The same client_id from another identity is another message.
    other, _ = await connect(room.slug)
    assert (await other.say("mine", client_id="retry-me"))["seq"] == 2


async def test_resume_replays_missed_messages_in_order_then_goes_live(connect, room):
    identity = new_identity()
    earlier, _ = await connect(room.slug, identity=identity)
    await earlier.disconnect()
    writer, _ = await connect(room.slug)
    for i in range(4):
        await writer.say(f"message {i + 1}")
    client, welcome = await connect(room.slug, identity=identity, since=1)
    assert welcome["last_seq"] == 4
    replayed = await client.messages(3)
    assert [m["seq"] for m in replayed] == [2, 3, 4]
    assert [m["body"] for m in replayed] == ["message 2", "message 3", "message 4"]
    await writer.say("message 5")
    assert (await client.receive_type("message"))["seq"] == 5
    assert await client.silent()


async def test_a_newcomer_cannot_page_back_through_history_from_before_they_came(connect, room):
    writer, _ = await connect(room.slug)
    await writer.say("said before the newcomer came")
    newcomer = new_identity()
    client, welcome = await connect(room.slug, identity=newcomer, since=0)
    assert welcome["last_seq"] == 1
    assert await client.silent()
    await writer.say("said after")
    await client.disconnect()
    # Coming back later, they get what they missed since their first visit, not before.
    again, _ = await connect(room.slug, identity=newcomer, since=0)
    replayed = await again.receive_type("message")
    assert (replayed["seq"], replayed["body"]) == (2, "said after")
    assert await again.silent()


async def test_fresh_connection_without_since_gets_only_new_messages(connect, room):
    writer, _ = await connect(room.slug)
    await writer.say("before you came")
    client, welcome = await connect(room.slug)
    assert welcome["last_seq"] == 1
    await writer.say("after you came")
    assert (await client.receive_type("message"))["body"] == "after you came"


async def test_resume_with_since_beyond_last_seq_starts_at_the_present(connect, room):
    writer, _ = await connect(room.slug)
    await writer.say("one")
    client, welcome = await connect(room.slug, since=999)
    assert welcome["last_seq"] == 1
    await writer.say("two")
    assert (await client.receive_type("message"))["seq"] == 2


async def test_ping_is_answered_with_pong(connect, room):
    client, _ = await connect(room.slug)
    await client.send(type="ping")
    assert (await client.receive_type("pong")) == {"type": "pong"}


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2, 3]",
        '"a string"',
        "{}",
        '{"type": "dance"}',
        '{"type": "send", "body": 5, "client_id": "x"}',
        '{"type": "send", "body": "hi"}',
        '{"type": "send", "body": "hi", "client_id": ""}',
        '{"type": "send", "body": "hi", "client_id": "' + "x" * 65 + '"}',
        '{"type": "send", "body": null, "client_id": "x"}',
        "[" * 100_000,
    ],
)
async def test_bad_frames_get_bad_frame_and_the_connection_stays_usable(connect, room, raw):
    client, _ = await connect(room.slug)
    await client.send_raw(text=raw[:16000])
    error = await client.receive_type("error")
    assert error["code"] == "bad_frame"
    assert error["detail"].endswith(".")
    assert (await client.say("still here"))["type"] == "ack"


async def test_binary_frames_are_bad_frames(connect, room):
    client, _ = await connect(room.slug)
    await client.send_raw(data=b"\x00\xff binary")
    assert (await client.receive_type("error"))["code"] == "bad_frame"
    assert (await client.say("still here"))["type"] == "ack"


async def test_empty_body_is_refused(connect, room):
    client, _ = await connect(room.slug)
    error = await client.say("   \n\t ")
    assert error["type"] == "error" and error["code"] == "empty"


async def test_body_over_the_limit_is_too_long(connect, room, settings):
    settings.HEARTH_MAX_BODY_CHARS = 50
    client, _ = await connect(room.slug)
    assert (await client.say("x" * 50))["type"] == "ack"
    error = await client.say("x" * 51)
    assert error["code"] == "too_long"
    assert "50" in error["detail"]
    # Trimmed before counting.
    assert (await client.say("  " + "y" * 50 + "  "))["type"] == "ack"


async def test_a_body_that_normalising_spells_out_past_the_limit_is_too_long(
    connect, room, small_rate_limit
):
    """U+FDFA is one character typed and 18 once NFKC writes it out: 2,000 of them would reach
    every screen in the room as 36,000 characters. Refused before the rate limit: three of them
    (the burst) leave the author free to send the shortened message at once."""
    client, _ = await connect(room.slug)
    other, _ = await connect(room.slug)
    for _ in range(3):
        error = await client.say("\ufdfa" * 2000)
        assert error["type"] == "error" and error["code"] == "too_long"
        assert error["limit"] == 2000 and "written out" in error["detail"]
    assert (await client.say("\ufdfa" * 112))["code"] == "too_long"  # 2,016 written out
    assert (await client.say("\ufdfa" * 100))["type"] == "ack"  # 1,800 once written out
    delivered = await other.receive_type("message")
    assert len(delivered["body"]) == 1800
    assert await sync_to_async(Message.objects.count)() == 1


async def test_frame_over_16_kib_is_too_long_and_a_1_mib_frame_harms_nothing(connect, room):
    client, _ = await connect(room.slug)
    other, _ = await connect(room.slug)
    big = json.dumps({"type": "send", "body": "x" * (17 * 1024), "client_id": "big"})
    await client.send_raw(text=big)
    assert (await client.receive_type("error"))["code"] == "too_long"
    huge = json.dumps({"type": "send", "body": "y" * (1024 * 1024), "client_id": "huge"})
    await client.send_raw(text=huge)
    assert (await client.receive_type("error"))["code"] == "too_long"
    assert (await client.say("small again"))["type"] == "ack"
    assert (await other.receive_type("message"))["body"] == "small again"


async def test_rate_limit_per_identity_is_shared_across_its_connections(
    connect, room, small_rate_limit
):
    identity = new_identity()
    first, _ = await connect(room.slug, identity=identity)
    second, _ = await connect(room.slug, identity=identity)
    acks = [await first.say("one"), await second.say("two"), await first.say("three")]
    assert [a["type"] for a in acks] == ["ack", "ack", "ack"]
    limited = await second.say("four")
    assert limited["code"] == "rate_limited"
    assert limited["retry_after"] > 0
    assert "second" in limited["detail"]
    # Another identity is not affected, and the limited connection stays open.
    other, _ = await connect(room.slug)
    assert (await other.say("hello"))["type"] == "ack"
    await second.send(type="ping")
    assert (await second.receive_type("pong"))["type"] == "pong"


async def test_unknown_room_is_not_found_and_closed(connect):
    client, first = await connect("no-such-room")
    assert first["type"] == "error" and first["code"] == "not_found"
    assert await client.closed() == CloseCode.NOT_FOUND


async def test_closed_room_is_room_closed(connect, make_room):
    closed = await sync_to_async(make_room)(is_open=False)
    client, first = await connect(closed.slug)
    assert first["code"] == "room_closed"
    assert await client.closed() == CloseCode.ROOM_CLOSED


async def test_room_closing_while_connected_refuses_further_messages(connect, room):
    client, _ = await connect(room.slug)
    await sync_to_async(Room.objects.filter(pk=room.pk).update)(is_open=False)
    error = await client.say("anyone?")
    assert error["code"] == "room_closed"


async def test_full_room_is_room_full(connect, make_room):
    small = await sync_to_async(make_room)(capacity=2)
    await connect(small.slug)
    await connect(small.slug)
    client, first = await connect(small.slug)
    assert first["code"] == "room_full"
    assert await client.closed() == CloseCode.ROOM_FULL


@pytest.mark.parametrize("since", ["abc", "-1", "1.5", str(2**64)])
async def test_malformed_since_is_refused(connect, room, since):
    client, first = await connect(room.slug, since=since)
    assert first["type"] == "error" and first["code"] == "bad_frame"
    assert "since" in first["detail"]
    assert await client.closed() == CloseCode.BAD_REQUEST


async def test_handshake_from_a_foreign_origin_is_refused(room):
    from channels.testing import WebsocketCommunicator

    from server.asgi import application

    for origin in [b"https://evil.example", None]:
        headers = [(b"origin", origin)] if origin else []
        communicator = WebsocketCommunicator(application, f"/ws/rooms/{room.slug}/", headers)
        connected, _ = await communicator.connect()
        assert not connected
        await communicator.disconnect()


async def test_without_a_session_a_connection_gets_a_one_off_identity(connect, room):
    client, welcome = await connect(room.slug, cookie=False)
    assert welcome["type"] == "welcome"
    assert " " in welcome["alias"]
    assert (await client.say("hi"))["type"] == "ack"


async def test_two_frames_racing_keep_seq_order_for_every_reader(connect, room):
    writers = [(await connect(room.slug))[0] for _ in range(3)]
    reader, _ = await connect(room.slug)
    await asyncio.gather(*(w.say(f"from {i}") for i, w in enumerate(writers)))
    seqs = [m["seq"] for m in await reader.messages(3)]
    assert seqs == [1, 2, 3]
