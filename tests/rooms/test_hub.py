"""The hub's per-room timer (a session room's scheduled end uses it: rooms.session_end)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from django.utils import timezone

from rooms.backplane.local import LocalBackplane
from rooms.hub import RoomHub
from rooms.outbox import Outbox


async def _hub_with_a_room(slug: str) -> RoomHub:
    async def send(text: str) -> None:
        pass

    async def close(code: int) -> None:
        pass

    hub = RoomHub(LocalBackplane())
    await hub.attach(slug, Outbox(send=send, close=close, identity_key="me", limit=10))
    return hub


async def test_a_spent_timer_can_be_set_again_for_the_same_time():
    hub = await _hub_with_a_room("timers")
    fired: list[int] = []
    when = timezone.now() + timedelta(milliseconds=20)
    hub.call_at_wall_time("timers", when, lambda: fired.append(1))
    hub.call_at_wall_time("timers", when, lambda: fired.append(2))  # the same time: kept once
    await asyncio.sleep(0.08)
    assert fired == [1]
    # It fired early (say the clock stepped back): asking again for the same time must work.
    hub.call_at_wall_time("timers", when, lambda: fired.append(3))
    await asyncio.sleep(0.03)
    assert fired == [1, 3]


async def test_a_room_timer_goes_with_the_rooms_last_connection():
    hub = await _hub_with_a_room("leaving")
    fired: list[int] = []
    hub.call_at_wall_time(
        "leaving", timezone.now() + timedelta(milliseconds=30), lambda: fired.append(1)
    )
    (outbox,) = hub._rooms["leaving"].outboxes
    await hub.detach("leaving", outbox)
    await asyncio.sleep(0.06)
    assert fired == [] and "leaving" not in hub._rooms
    await hub.close()
