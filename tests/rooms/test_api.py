"""GET /api/rooms/ and the seed_rooms command."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from rooms.models import Room
from rooms.seed import DEFAULT_ROOMS

pytestmark = pytest.mark.django_db


def test_seed_rooms_is_idempotent_and_keeps_edits():
    call_command("seed_rooms", stdout=StringIO())
    assert Room.objects.count() == len(DEFAULT_ROOMS)
    Room.objects.filter(slug="late-night").update(title="Night owls", is_open=False)
    out = StringIO()
    call_command("seed_rooms", stdout=out)
    assert Room.objects.count() == len(DEFAULT_ROOMS)
    assert Room.objects.get(slug="late-night").title == "Night owls"
    assert "0 room(s) created" in out.getvalue()


def test_room_list_shows_open_rooms_with_participants(client, settings):
    settings.REDIS_URL = ""
    Room.objects.create(slug="open-one", title="Open one", description="Here")
    Room.objects.create(slug="closed-one", title="Closed one", is_open=False)
    Room.objects.create(slug="session-one", title="Session", kind=Room.Kind.SESSION)
    response = client.get("/api/rooms/")
    assert response.status_code == 200
    rooms = response.json()
    assert [room["slug"] for room in rooms] == ["open-one", "session-one"]
    assert rooms[0] == {
        "slug": "open-one",
        "title": "Open one",
        "description": "Here",
        "kind": "drop_in",
        "capacity": settings.HEARTH_DEFAULT_ROOM_CAPACITY,
        "participants": 0,
    }


def test_room_list_is_read_only(client):
    assert client.post("/api/rooms/", {"slug": "x", "title": "x"}).status_code == 405
    assert not Room.objects.filter(slug="x").exists()
