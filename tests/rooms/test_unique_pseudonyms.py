"""Nobody shares a name with someone else in a room, and a block reaches whom the person meant.

There are 16,256 names, so two people whose derived names clash are common in a busy room (and an
abuser could open connections until they had someone's name). These tests make such pairs on
purpose: ``tests.support.names.twins`` draws identities until two want the same name in a room.
"""

from __future__ import annotations

import asyncio
import itertools
import threading

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, connection

from rooms.identity import DERIVED_ALIASES, Identity, new_identity
from rooms.models import Message, Pseudonym, Room
from rooms.pseudonym_store import claim_and_catch_up
from tests.support.names import second_name, twins

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def test_two_people_whose_names_clash_get_different_names_that_stay(connect, room):
    first, second = twins(room.slug)
    a, welcome_a = await connect(room.slug, identity=first)
    b, welcome_b = await connect(room.slug, identity=second)

    assert welcome_a["alias"] == first.alias_in(room.slug)
    assert welcome_b["alias"] == second_name(second, room.slug)
    assert welcome_b["alias"] != welcome_a["alias"]
    await a.say("hello from the first")
    await b.say("hello from the second")
    got = await a.messages(2)
    assert [m["alias"] for m in got] == [welcome_a["alias"], welcome_b["alias"]]

    # Coming back, in either order and with a resume, each keeps their own name.
    await a.disconnect()
    await b.disconnect()
    b_again, welcome_b_again = await connect(room.slug, identity=second, since=0)
    a_again, welcome_a_again = await connect(room.slug, identity=first, since=0)
    assert welcome_b_again["alias"] == welcome_b["alias"]
    assert welcome_a_again["alias"] == welcome_a["alias"]
    # The history shows the names the messages were written under: the same ones.
    replayed = await b_again.messages(2)
    assert [m["alias"] for m in replayed] == [welcome_a["alias"], welcome_b["alias"]]
    await b_again.say("back again")
    *_, latest = await a_again.messages(3)  # the two replayed, then the new one
    assert (latest["body"], latest["alias"]) == ("back again", welcome_b["alias"])


async def test_a_name_is_held_by_its_person_alone_in_the_database(room):
    def create_twice() -> None:
        Pseudonym.objects.create(room=room, identity_key="one", alias="Quiet Heron")
        Pseudonym.objects.create(room=room, identity_key="two", alias="Quiet Heron")

    with pytest.raises(IntegrityError):
        await sync_to_async(create_twice)()


async def test_names_stay_unrelated_across_rooms(connect, make_room):
    """The fallback names are keyed hashes of the room too: a clash in one room says nothing
    about the names elsewhere."""
    identity = new_identity()
    rooms = [f"room-{n}" for n in range(20)]
    seconds = {second_name(identity, slug) for slug in rooms}
    assert len(seconds) > 15
    assert all(second_name(identity, slug) != identity.alias_in(slug) for slug in rooms[:5])
    names = list(itertools.islice(identity.aliases_in("room"), DERIVED_ALIASES + 2))
    assert names[DERIVED_ALIASES:] == [f"{names[0]} 2", f"{names[0]} 3"]


async def test_clashing_people_joining_at_once_get_different_names(connect, room):
    first, second = twins(room.slug)
    (_, welcome_a), (_, welcome_b) = await asyncio.gather(
        connect(room.slug, identity=first), connect(room.slug, identity=second)
    )
    assert {welcome_a["alias"], welcome_b["alias"]} == {
        first.alias_in(room.slug),
        # Whoever came second took their next name.
        second_name(
            second if welcome_a["alias"] == first.alias_in(room.slug) else first, room.slug
        ),
    }


def _claim_at_once(room: Room, pair: tuple[Identity, Identity]) -> dict[str, str]:
    """Each identity claims its name on its own thread (own database connection), together."""
    start = threading.Barrier(len(pair))
    claimed: dict[str, str] = {}

    def claim(identity: Identity) -> None:
        try:
            start.wait()
            result = claim_and_catch_up(
                room.id, identity_key=identity.key, candidates=identity.aliases_in(room.slug)
            )
            claimed[identity.key] = result.alias
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(identity,)) for identity in pair]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return claimed


def test_claims_racing_on_two_database_connections_never_share_a_name(transactional_db):
    """Two processes claiming clashing names at the same moment: the unique constraint decides,
    and the one that lost takes its next name."""
    room = Room.objects.create(slug="race", title="Race")
    for _ in range(5):
        Pseudonym.objects.filter(room=room).delete()
        pair = twins(room.slug)
        claimed = _claim_at_once(room, pair)
        assert len(claimed) == 2
        assert len(set(claimed.values())) == 2
        assert pair[0].alias_in(room.slug) in claimed.values()


async def test_block_by_seq_blocks_the_author_of_that_message_not_their_twin(connect, room):
    abuser, bystander = twins(room.slug)
    survivor = new_identity()
    s, _ = await connect(room.slug, identity=survivor)
    x, welcome_x = await connect(room.slug, identity=abuser)
    b, welcome_b = await connect(room.slug, identity=bystander)
    assert welcome_x["alias"] != welcome_b["alias"]
    await x.say("see you later everyone")
    await b.say("good night all")
    from_abuser, _ = await s.messages(2)

    await s.send(type="block", seq=from_abuser["seq"])
    ack = await s.receive_type("block_ack")
    assert ack == {"type": "block_ack", "seq": from_abuser["seq"], "alias": welcome_x["alias"]}
    await x.say("are you still up")
    await b.say("sleep well")
    assert (await s.receive_type("message"))["body"] == "sleep well"

    await s.send(type="unblock", seq=from_abuser["seq"])
    assert (await s.receive_type("unblock_ack"))["alias"] == welcome_x["alias"]
    await x.say("visible again")
    assert (await s.receive_type("message"))["body"] == "visible again"


async def test_block_by_name_reaches_the_one_person_who_holds_it(connect, room):
    """The old frame still works, and is no longer ambiguous: names are unique in a room."""
    abuser, bystander = twins(room.slug)
    survivor = new_identity()
    s, _ = await connect(room.slug, identity=survivor)
    x, welcome_x = await connect(room.slug, identity=abuser)
    b, _ = await connect(room.slug, identity=bystander)
    await x.say("see you later everyone")
    await b.say("good night all")  # written last: the old code blocked whoever wrote last
    await s.messages(2)

    await s.send(type="block", alias=welcome_x["alias"])
    assert await s.receive_type("block_ack") == {"type": "block_ack", "alias": welcome_x["alias"]}
    await x.say("are you still up")
    await b.say("sleep well")
    assert (await s.receive_type("message"))["body"] == "sleep well"


async def test_blocking_an_unknown_seq_is_not_found(connect, room):
    client, _ = await connect(room.slug)
    await client.send(type="block", seq=99)
    error = await client.receive_type("error")
    assert (error["code"], error["seq"]) == ("not_found", 99)
    assert error["detail"] == "There is no message with that number in this room."
    await client.send(type="ping")  # the connection stays usable
    await client.receive_type("pong")


async def test_a_seq_of_another_room_is_not_found(connect, make_room):
    here = await sync_to_async(make_room)()
    there = await sync_to_async(make_room)()
    writer, _ = await connect(there.slug)
    ack = await writer.say("in the other room")
    client, _ = await connect(here.slug)
    await client.send(type="block", seq=ack["seq"])
    assert (await client.receive_type("error"))["code"] == "not_found"


async def test_blocking_ones_own_message_is_refused_with_a_sentence(connect, room):
    client, _ = await connect(room.slug)
    ack = await client.say("my own words")
    for frame_type in ("block", "unblock"):
        await client.send(type=frame_type, seq=ack["seq"])
        error = await client.receive_type("error")
        assert error == {
            "type": "error",
            "code": "cannot_block_self",
            "detail": "That is your own message. You can only block someone else.",
            "seq": ack["seq"],
        }
    # The connection stays usable.
    assert (await client.say("still here"))["type"] == "ack"


async def test_a_removed_messages_author_can_still_be_blocked(connect, room):
    me, them = new_identity(), new_identity()
    mine, _ = await connect(room.slug, identity=me)
    theirs, welcome = await connect(room.slug, identity=them)
    ack = await theirs.say("something cruel")
    await mine.receive_type("message")
    await sync_to_async(Message.objects.filter(room=room, seq=ack["seq"]).update)(
        status=Message.Status.REMOVED
    )
    await mine.send(type="block", seq=ack["seq"])
    assert (await mine.receive_type("block_ack"))["alias"] == welcome["alias"]
