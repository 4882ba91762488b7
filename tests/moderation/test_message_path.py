"""The moderation step inside the room's message path, end to end over the websocket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from moderation.models import Flag, WatchedWord
from moderation.watchlist import forget_rules
from rooms.models import Message

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def test_crisis_message_is_delivered_and_its_author_alone_gets_resources(connect, room):
    author, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    ack = await author.say("I want to die, I can't do this anymore")
    assert ack["type"] == "ack"
    resources = await author.receive_type("resources")
    assert resources["reason"] == "crisis_self"
    assert resources["resources"] and all("name" in r for r in resources["resources"])
    assert (await reader.receive_type("message"))["seq"] == ack["seq"]
    assert await reader.silent()
    flag = await sync_to_async(Flag.objects.get)()
    assert (flag.kind, flag.priority, flag.labels) == ("crisis", 0, ["crisis_self"])


async def test_danger_resources_follow_the_region_the_person_chose(connect, room):
    author, _ = await connect(room.slug, query="region=gb")
    await author.say("he is outside my door right now and I'm scared")
    resources = await author.receive_type("resources")
    assert (resources["reason"], resources["country"]) == ("crisis_danger", "GB")
    assert resources["emergency"] == "999"


async def test_message_with_a_phone_number_is_held_and_explained(connect, room):
    author, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    held = await author.say("text me on 07700 900123 if you want to talk", client_id="p-1")
    assert held["type"] == "held"
    assert held["client_id"] == "p-1" and held["reason"] == "pii"
    assert "phone" in held["detail"].lower()
    assert await reader.silent()
    message = await sync_to_async(Message.objects.get)()
    assert (message.seq, message.status) == (None, "held")
    # Resending the same frame (after a reconnect) answers the same way, without a second copy,
    # and still says what to remove: not "waiting for a moderator", which would leave the
    # author waiting for a release that a personal detail never gets.
    again = await author.say("text me on 07700 900123 if you want to talk", client_id="p-1")
    assert (again["type"], again["reason"], again["detail"]) == ("held", "pii", held["detail"])
    assert await sync_to_async(Message.objects.count)() == 1
    # Edited and resent: delivered, and it takes seq 1 (the held one took none).
    ack = await author.say("DM me here if you want to talk", client_id="p-2")
    assert ack == {"type": "ack", "client_id": "p-2", "seq": 1}


async def test_harassment_is_held_until_a_moderator_releases_it(connect, room, mod_client):
    author, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    held = await author.say("shut up you pathetic idiot")
    assert (held["type"], held["reason"]) == ("held", "harassment")
    assert await reader.silent()
    flag = await sync_to_async(Flag.objects.get)()
    assert flag.kind == "held"
    response = await sync_to_async(mod_client.post)(
        f"/api/moderation/flags/{flag.pk}/resolve/", {"action": "release"}
    )
    assert response.status_code == 200
    released = await reader.receive_type("message")
    assert (released["seq"], released["body"]) == (1, "shut up you pathetic idiot")


async def test_ordinary_talk_about_abuse_is_just_delivered(connect, room):
    author, _ = await connect(room.slug)
    for body in [
        "my ex used to threaten me all the time",
        "I felt like dying back then but I'm safer now",
        "I would never hurt myself",
    ]:
        assert (await author.say(body))["type"] == "ack"
    assert await author.silent(ignore=("presence", "message"))
    assert await sync_to_async(Flag.objects.count)() == 0


async def test_watched_words_act_as_moderators_configured(connect, room):
    await sync_to_async(WatchedWord.objects.create)(pattern="sparkle", action="block")
    await sync_to_async(WatchedWord.objects.create)(pattern="glitter", action="hold")
    await sync_to_async(WatchedWord.objects.create)(pattern="confetti", action="flag")
    forget_rules()
    author, _ = await connect(room.slug)
    blocked = await author.say("sparkle time")
    assert blocked["code"] == "blocked_message"
    held = await author.say("glitter everywhere")
    assert (held["type"], held["reason"]) == ("held", "watched_word")
    flagged = await author.say("confetti please")
    assert flagged["type"] == "ack"
    kinds = await sync_to_async(lambda: sorted(Flag.objects.values_list("kind", flat=True)))()
    assert kinds == ["held", "watched_word"]
    forget_rules()


async def test_html_never_survives_into_the_stored_or_broadcast_body(connect, room):
    author, _ = await connect(room.slug)
    reader, _ = await connect(room.slug)
    await author.say('<img src=x onerror="alert(1)">hello <b>there</b>')
    body = (await reader.receive_type("message"))["body"]
    assert "<" not in body and "onerror" not in body
    assert "hello" in body and "there" in body
