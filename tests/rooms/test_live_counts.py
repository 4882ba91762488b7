"""Live participant counts in GET /api/rooms/, on both backplanes."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from django.test import Client

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("backplane")]


async def test_room_list_counts_connected_people(connect, room):
    await connect(room.slug)
    await connect(room.slug)

    def participants() -> int:
        rooms = Client().get("/api/rooms/").json()
        return next(r["participants"] for r in rooms if r["slug"] == room.slug)

    assert await sync_to_async(participants)() == 2
