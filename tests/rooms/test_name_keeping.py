"""A connected person's name is never freed under them, however long they stay silent.

The purge (rooms.retention) frees names whose person has written nothing left in the room and
has not joined it for the retention period. Without the hub marking connected people's names,
a connection open that long could see its name given to a newcomer while it still reads the
room: two people under one name.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from rooms.hub import get_hub, name_keeping_interval
from rooms.identity import new_identity
from rooms.models import Pseudonym
from rooms.retention import purge_expired


def _age_every_name(room_id: int, hours: int) -> None:
    Pseudonym.objects.filter(room_id=room_id).update(
        last_seen_at=timezone.now() - timedelta(hours=hours)
    )


def _names(room_id: int) -> dict[str, tuple[str, float]]:
    """identity key -> (name, hours since its last mark)"""
    now = timezone.now()
    return {
        row.identity_key: (row.alias, (now - row.last_seen_at).total_seconds() / 3600)
        for row in Pseudonym.objects.filter(room_id=room_id)
    }


async def test_the_purge_frees_only_the_names_of_people_who_left(connect, room, settings):
    settings.HEARTH_RETENTION_HOURS = 72
    staying, leaving = new_identity(), new_identity()
    _, welcome = await connect(room.slug, identity=staying)
    gone, _ = await connect(room.slug, identity=leaving)
    await gone.disconnect()
    await sync_to_async(_age_every_name)(room.id, 100)

    assert await (await get_hub()).keep_names() == 1
    purged = await sync_to_async(purge_expired)()

    assert purged.pseudonyms == 1
    names = await sync_to_async(_names)(room.id)
    assert list(names) == [staying.key]
    alias, hours = names[staying.key]
    assert alias == welcome["alias"]
    assert hours < 0.1


async def test_each_process_marks_its_people_s_names_on_its_own(connect, room, settings):
    settings.HEARTH_RETENTION_HOURS = 72
    settings.HEARTH_NAME_KEEP_SECONDS = 0.05  # read by the hub this test's connection starts
    await connect(room.slug)
    await sync_to_async(_age_every_name)(room.id, 100)

    deadline = asyncio.get_running_loop().time() + 3
    while asyncio.get_running_loop().time() < deadline:
        (_, hours), *_ = (await sync_to_async(_names)(room.id)).values()
        if hours < 1:
            break
        await asyncio.sleep(0.05)
    assert hours < 1, "the hub never marked the connected person's name"
    assert (await sync_to_async(purge_expired)()).pseudonyms == 0


@pytest.mark.parametrize(
    ("retention_hours", "keep_seconds", "interval"),
    # With a retention of 0 the purge still frees a name only after an hour unused.
    [(72, 3600.0, 3600.0), (1, 3600.0, 900.0), (0, 3600.0, 900.0), (72, 60.0, 60.0)],
)
def test_names_are_marked_several_times_within_the_retention_period(
    settings, retention_hours, keep_seconds, interval
):
    settings.HEARTH_RETENTION_HOURS = retention_hours
    settings.HEARTH_NAME_KEEP_SECONDS = keep_seconds
    assert name_keeping_interval() == interval
