"""The message path's database side: how many round trips, and the same result on every path.

A plain visible message on PostgreSQL is one statement; everything else takes the transaction
path. Both must give a gap-free seq, refuse a closed room and answer a repeated client_id with
the message stored first.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from moderation.decision import Action, Decision, Label
from moderation.models import Flag, Sanction
from moderation.sanctions import impose
from rooms.errors import RoomError
from rooms.identity import new_identity
from rooms.membership import Member
from rooms.message_store import look_up_sender, store_message
from rooms.models import Message, Room
from rooms.protocol import ErrorCode

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def _member(room: Room) -> Member:
    identity = new_identity()
    return Member(
        room_id=room.id,
        room_slug=room.slug,
        identity_key=identity.key,
        alias=identity.alias_in(room.slug),
    )


def _room() -> Room:
    return Room.objects.create(slug=f"store-{uuid.uuid4().hex[:6]}", title="Store")


def _decision(body: str, *, labels: frozenset[Label] = frozenset()) -> Decision:
    return Decision(
        body=body, labels=labels, action=Action.DELIVER, resources=bool(labels),
        reason=None, detail=None,
    )  # fmt: skip


def test_a_plain_message_is_one_statement_on_postgresql():
    assert connection.vendor == "postgresql"
    room = _room()
    member = _member(room)
    with CaptureQueriesContext(connection) as queries:
        first, created = store_message(member, "c1", _decision("hello"))
    assert created and first.seq == 1
    assert len(queries) == 1, [query["sql"] for query in queries]
    second, _ = store_message(member, "c2", _decision("again"))
    assert second.seq == 2
    stored = Message.objects.get(pk=first.pk)
    assert (stored.seq, stored.body, stored.alias, stored.status) == (
        1, "hello", member.alias, Message.Status.VISIBLE,
    )  # fmt: skip
    assert stored.sent_at == first.sent_at


@pytest.mark.parametrize("labels", [frozenset(), frozenset({Label.CRISIS_SELF})])
def test_a_repeated_client_id_returns_the_first_message_and_takes_no_seq(labels):
    room = _room()
    member = _member(room)
    first, created = store_message(member, "same", _decision("first", labels=labels))
    again, created_again = store_message(member, "same", _decision("second", labels=labels))
    assert created and not created_again
    assert (again.pk, again.body, again.seq) == (first.pk, "first", 1)
    room.refresh_from_db()
    assert room.last_seq == 1
    assert store_message(member, "next", _decision("next"))[0].seq == 2


@pytest.mark.parametrize("labels", [frozenset(), frozenset({Label.CRISIS_DANGER})])
def test_a_closed_room_refuses_and_keeps_its_seq(labels):
    room = _room()
    member = _member(room)
    store_message(member, "c1", _decision("before"))
    Room.objects.filter(pk=room.pk).update(is_open=False)
    with pytest.raises(RoomError) as refused:
        store_message(member, "c2", _decision("after", labels=labels))
    assert refused.value.code == ErrorCode.ROOM_CLOSED
    room.refresh_from_db()
    assert room.last_seq == 1
    assert Message.objects.filter(room=room).count() == 1


def test_a_crisis_message_is_stored_with_its_urgent_flag():
    room = _room()
    message, _ = store_message(
        _member(room), "c1", _decision("I want to die", labels=frozenset({Label.CRISIS_SELF}))
    )
    flag = Flag.objects.get(message=message)
    assert (message.seq, flag.kind, flag.priority) == (1, Flag.Kind.CRISIS, Flag.Priority.URGENT)


def test_looking_up_a_sender_is_one_query_and_sees_earlier_sends_and_mutes():
    room = _room()
    member = _member(room)
    with CaptureQueriesContext(connection) as queries:
        fresh = look_up_sender(member, "c1")
    assert len(queries) == 1
    assert fresh.earlier is None and fresh.muted_until is None

    store_message(member, "c1", _decision("hello"))
    held = Decision(
        body="call me on 07700 900123", labels=frozenset({Label.PII}), action=Action.HOLD,
        resources=False, reason="pii", detail="remove it",
    )  # fmt: skip
    store_message(member, "c2", held)
    visible_before = look_up_sender(member, "c1").earlier
    held_before = look_up_sender(member, "c2").earlier
    assert visible_before is not None and visible_before.seq == 1
    assert held_before is not None and (held_before.seq, held_before.hold_reason) == (None, "pii")

    moderator = User.objects.create_user("mod-store")
    impose(
        identity_key=member.identity_key, kind=Sanction.Kind.MUTE, minutes=5,
        moderator=moderator, reason="cool down",
    )  # fmt: skip
    longer = impose(
        identity_key=member.identity_key, kind=Sanction.Kind.MUTE, minutes=30,
        moderator=moderator, reason="again",
    )  # fmt: skip
    muted = look_up_sender(member, "c3")
    assert muted.earlier is None and muted.muted_until == longer.until
    Sanction.objects.update(until=longer.until - timedelta(days=1))
    assert look_up_sender(member, "c3").muted_until is None
    # Another room's earlier send with the same client_id is not this room's.
    other_room = dataclasses.replace(_member(_room()), identity_key=member.identity_key)
    assert look_up_sender(other_room, "c1").earlier is None
