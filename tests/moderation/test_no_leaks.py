"""No endpoint reveals identity keys, session tokens, reporters, or a person's pseudonyms in
other rooms."""

from __future__ import annotations

import json

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

from moderation.models import Flag
from rooms.identity import new_identity

pytestmark = [pytest.mark.django_db(transaction=True)]


async def test_the_queue_shows_pseudonyms_in_the_flagged_room_only(connect, make_room, mod_client):
    first_room = await sync_to_async(make_room)()
    second_room = await sync_to_async(make_room)()
    writer, reporter = new_identity(), new_identity()
    in_first, _ = await connect(first_room.slug, identity=writer)
    in_second, _ = await connect(second_room.slug, identity=writer)
    watcher, _ = await connect(first_room.slug, identity=reporter)  # there when it is written
    seq = (await in_first.say("I think you are wrong"))["seq"]
    await in_second.say("hello over here")
    await watcher.send(type="report", seq=seq, reason="please look")
    await watcher.receive_type("report_ack")
    flag = await sync_to_async(Flag.objects.get)()

    def everything_a_moderator_can_read() -> str:
        pages = [
            mod_client.get("/api/moderation/flags/"),
            mod_client.get(f"/api/moderation/flags/{flag.pk}/"),
            mod_client.get("/api/moderation/audit/"),
            mod_client.get("/api/rooms/"),
            Client().get("/api/rooms/"),
        ]
        return json.dumps([page.json() for page in pages])

    seen = await sync_to_async(everything_a_moderator_can_read)()
    assert writer.alias_in(first_room.slug) in seen  # the flagged message's own pseudonym
    for secret in (
        writer.key,
        writer.token,
        reporter.key,
        reporter.token,
        reporter.alias_in(first_room.slug),  # who reported
        writer.alias_in(second_room.slug),  # the same person elsewhere
    ):
        assert secret not in seen
    assert "please look" in seen  # the reason is for moderators; the reporter is not
