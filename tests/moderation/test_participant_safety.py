"""Reports and no-contact blocks over the websocket, on both backplanes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from moderation.models import Block, Flag, Report
from rooms.identity import new_identity

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def test_report_is_stored_before_it_is_acked_and_counts_once_per_person(connect, room):
    writer, _ = await connect(room.slug)
    reporter_identity = new_identity()
    reporter, _ = await connect(room.slug, identity=reporter_identity)
    other, _ = await connect(room.slug)  # a third person, there when it is written
    seq = (await writer.say("something hurtful"))["seq"]
    await reporter.send(type="report", seq=seq, reason="This was aimed at me")
    assert await reporter.receive_type("report_ack") == {"type": "report_ack", "seq": seq}
    report = await sync_to_async(Report.objects.get)()
    assert report.reason == "This was aimed at me"
    assert report.reporter_key == reporter_identity.key
    # Again, from a second connection of the same person: acked, still one report.
    again, _ = await connect(room.slug, identity=reporter_identity)
    await again.send(type="report", seq=seq, reason="")
    await again.receive_type("report_ack")
    flag = await sync_to_async(Flag.objects.get)()
    assert (flag.kind, flag.report_count, flag.status) == ("report", 1, "open")
    # Another person's report adds to the same flag.
    await other.send(type="report", seq=seq, reason="")
    await other.receive_type("report_ack")
    await sync_to_async(flag.refresh_from_db)()
    assert flag.report_count == 2
    assert await sync_to_async(Flag.objects.count)() == 1


async def test_report_of_a_message_that_does_not_exist_is_not_found(connect, room):
    client, _ = await connect(room.slug)
    await client.send(type="report", seq=99, reason="")
    error = await client.receive_type("error")
    assert (error["code"], error["seq"]) == ("not_found", 99)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "report"},
        {"type": "report", "seq": "1"},
        {"type": "report", "seq": 0},
        {"type": "report", "seq": True},
        {"type": "report", "seq": 1, "reason": 5},
        {"type": "block"},
        {"type": "block", "alias": ""},
        {"type": "unblock", "alias": 7},
        {"type": "block", "seq": "1"},
        {"type": "block", "seq": 0},
        {"type": "unblock", "seq": True},
        {"type": "block", "seq": None, "alias": "Quiet Heron"},
    ],
)
async def test_malformed_report_and_block_frames_are_bad_frames(connect, room, frame):
    client, _ = await connect(room.slug)
    await client.send(**frame)
    assert (await client.receive_type("error"))["code"] == "bad_frame"


async def test_over_long_report_reason_is_too_long(connect, room):
    client, _ = await connect(room.slug)
    await client.send(type="report", seq=1, reason="x" * 501)
    assert (await client.receive_type("error"))["code"] == "too_long"


async def test_block_hides_a_person_in_every_room_across_reconnects(connect, make_room):
    first_room = await sync_to_async(make_room)()
    second_room = await sync_to_async(make_room)()
    me, them, bystander = new_identity(), new_identity(), new_identity()
    mine, _ = await connect(first_room.slug, identity=me)
    theirs, _ = await connect(first_room.slug, identity=them)
    await theirs.say("you again")
    seen = await mine.receive_type("message")
    await mine.send(type="block", alias=seen["alias"])
    assert await mine.receive_type("block_ack") == {"type": "block_ack", "alias": seen["alias"]}
    assert await sync_to_async(Block.objects.count)() == 1

    # The blocked person is not told, and can still talk to others.
    assert await theirs.silent(ignore=("presence", "message"))
    others, _ = await connect(first_room.slug, identity=bystander)
    await theirs.say("still here")
    assert (await others.receive_type("message"))["body"] == "still here"
    assert await mine.silent()

    # In another room, under another pseudonym, after a reconnect: still hidden.
    me_elsewhere, _ = await connect(second_room.slug, identity=me)
    them_elsewhere, welcome = await connect(second_room.slug, identity=them)
    assert welcome["alias"] != seen["alias"]
    await them_elsewhere.say("found you")
    bystander_elsewhere, _ = await connect(second_room.slug, identity=bystander)
    await them_elsewhere.say("hello all")
    assert (await bystander_elsewhere.receive_type("message"))["body"] == "hello all"
    assert await me_elsewhere.silent()
    # Nor in a replay.
    replayed, _ = await connect(second_room.slug, identity=me, since=0)
    assert await replayed.silent()


async def test_unblock_lets_messages_through_again(connect, room):
    me, them = new_identity(), new_identity()
    mine, _ = await connect(room.slug, identity=me)
    theirs, welcome = await connect(room.slug, identity=them)
    await theirs.say("first")
    await mine.receive_type("message")
    await mine.send(type="block", alias=welcome["alias"])
    await mine.receive_type("block_ack")
    await theirs.say("hidden")
    await mine.send(type="unblock", alias=welcome["alias"])
    assert (await mine.receive_type("unblock_ack"))["alias"] == welcome["alias"]
    await theirs.say("visible again")
    assert (await mine.receive_type("message"))["body"] == "visible again"


async def test_blocking_a_name_nobody_goes_by_is_not_found_and_ones_own_is_refused(connect, room):
    mine, welcome = await connect(room.slug)
    await mine.send(type="block", alias="Nobody Here")
    error = await mine.receive_type("error")
    assert (error["code"], error["alias"]) == ("not_found", "Nobody Here")
    await mine.say("me myself")
    await mine.send(type="block", alias=welcome["alias"])
    assert (await mine.receive_type("error"))["code"] == "cannot_block_self"


async def test_a_newcomer_cannot_report_block_or_react_to_messages_from_before_they_came(
    connect, room
):
    """A newcomer sees no history, so a report or block of an earlier seq names something they
    never saw; answering it would tell them who wrote what (a block's answer names the author)."""
    writer, _ = await connect(room.slug)
    earlier = (await writer.say("written before the newcomer came"))["seq"]
    newcomer, _ = await connect(room.slug)
    for frame in ({"type": "block", "seq": earlier}, {"type": "report", "seq": earlier}):
        await newcomer.send(**frame)
        refused = await newcomer.receive_type("error")
        assert refused["code"] == "not_found" and refused["seq"] == earlier
        assert "Brave" not in refused["detail"]
    # Nor react to one: the reactions frame would show it exists and how it was received.
    await newcomer.send(type="react", seq=earlier, reaction="hear_you")
    assert (await newcomer.receive_type("error"))["code"] == "not_found"
    later = (await writer.say("written while the newcomer is here"))["seq"]
    await newcomer.send(type="block", seq=later)
    assert (await newcomer.receive_type("block_ack"))["seq"] == later
