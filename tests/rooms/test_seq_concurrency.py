"""Seqs stay gap-free with many writers at once, straight at the database.

On PostgreSQL (CI) the writers really run in parallel, each on its own connection, and contend
for the room row; on SQLite the database serializes them.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection

from moderation.decision import Action, Decision
from rooms.identity import new_identity
from rooms.membership import Member
from rooms.message_store import store_message
from rooms.models import Message, Room

pytestmark = pytest.mark.django_db(transaction=True)

# SQLite's in-memory test database answers parallel writers with "table is locked": the test
# needs a database that really runs writers in parallel.
needs_postgres = pytest.mark.services


def _decision(body: str) -> Decision:
    return Decision(
        body=body,
        labels=frozenset(),
        action=Action.DELIVER,
        resources=False,
        reason=None,
        detail=None,
    )


@needs_postgres
def test_parallel_writers_get_every_seq_exactly_once():
    room = Room.objects.create(slug=f"busy-{uuid.uuid4().hex[:6]}", title="Busy")
    writers, per_writer = 8, 25
    errors: list[BaseException] = []
    start = threading.Barrier(writers)

    def write() -> None:
        identity = new_identity()
        member = Member(
            room_id=room.id,
            room_slug=room.slug,
            identity_key=identity.key,
            alias=identity.alias_in(room.slug),
        )
        try:
            start.wait()
            for n in range(per_writer):
                store_message(member, f"c{n}", _decision(f"message {n}"))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    seqs = sorted(Message.objects.filter(room=room).values_list("seq", flat=True))
    assert seqs == list(range(1, writers * per_writer + 1))
    room.refresh_from_db()
    assert room.last_seq == writers * per_writer


def test_a_held_message_takes_no_seq():
    room = Room.objects.create(slug="held-room", title="Held")
    identity = new_identity()
    member = Member(room_id=room.id, room_slug=room.slug, identity_key=identity.key, alias="A B")
    held = Decision(
        body="call me on 07700 900123",
        labels=frozenset(),
        action=Action.HOLD,
        resources=False,
        reason="pii",
        detail="remove the number",
    )
    message, created = store_message(member, "held-1", held)
    assert created and message.seq is None and message.status == Message.Status.HELD
    visible, _ = store_message(member, "ok-1", _decision("hello"))
    assert visible.seq == 1
