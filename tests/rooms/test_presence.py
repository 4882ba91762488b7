"""Presence: counts that arrive together are written to the backplane together, and stay exact.

A room filling up must not cost a round trip to the backplane per person (docs/performance.md):
updates asked for while one is on its way are answered by the next one. What must not change:
each welcome counts its own person, and once the joining and leaving stop, every process's count
and every connection's last presence frame are exact.
"""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from rooms.backplane import PresenceCount, presence_counts
from rooms.backplane.local import LocalBackplane
from rooms.hub import RoomHub
from rooms.identity import new_identity
from rooms.outbox import Outbox


class CountingBackplane(LocalBackplane):
    """The in-process backplane, counting its presence writes; each takes a moment, as Redis."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[int] = []

    async def set_presence(self, room: str, local_count: int) -> PresenceCount:
        self.writes.append(local_count)
        await asyncio.sleep(0.01)
        return await super().set_presence(room, local_count)


def _outbox(identity_key: str) -> Outbox:
    async def send(text: str) -> None:
        pass

    async def close(code: int) -> None:
        pass

    return Outbox(send=send, close=close, identity_key=identity_key, limit=10)


async def test_counts_asked_for_together_take_one_write_and_each_sees_everyone():
    backplane = CountingBackplane()
    hub = RoomHub(backplane)
    await hub.start()
    for n in range(10):
        await hub.attach("busy", _outbox(f"person-{n}"))

    totals = await asyncio.gather(*(hub.refresh_presence("busy") for _ in range(10)))

    assert totals == [10] * 10
    assert backplane.writes == [10]
    await hub.close()


async def test_a_count_asked_for_during_a_write_waits_for_the_next_one():
    backplane = CountingBackplane()
    hub = RoomHub(backplane)
    await hub.start()
    await hub.attach("busy", _outbox("first"))
    first = asyncio.ensure_future(hub.refresh_presence("busy"))
    await asyncio.sleep(0.002)  # the first write is on its way
    for n in range(3):
        await hub.attach("busy", _outbox(f"later-{n}"))
    later = [asyncio.ensure_future(hub.refresh_presence("busy")) for _ in range(3)]

    assert await first == 1
    assert await asyncio.gather(*later) == [4, 4, 4]  # the write after the first counts them
    assert backplane.writes == [1, 4]
    await hub.close()


async def test_leaving_everyone_writes_a_count_of_zero():
    backplane = CountingBackplane()
    hub = RoomHub(backplane)
    await hub.start()
    outboxes = [_outbox(f"person-{n}") for n in range(3)]
    for outbox in outboxes:
        await hub.attach("emptying", outbox)
    await hub.refresh_presence("emptying")

    await asyncio.gather(*(hub.detach("emptying", outbox) for outbox in outboxes))

    assert backplane.writes[-1] == 0
    assert await backplane.presence_total("emptying") == 0
    await hub.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("backplane")
async def test_a_burst_of_joins_and_leaves_ends_with_exact_counts(connect, room):
    first, welcome = await connect(room.slug)
    assert welcome["participants"] == 1

    joined = await asyncio.gather(*(connect(room.slug, identity=new_identity()) for _ in range(7)))

    assert all(2 <= w["participants"] <= 8 for _, w in joined)  # each counts itself
    latest = await asyncio.gather(
        _settles_at(first, 8), *(_settles_at(c, 8, welcome=w) for c, w in joined)
    )
    assert all(latest), latest  # everyone's latest count, from the welcome or a presence frame
    assert await sync_to_async(presence_counts)([room.slug]) == {room.slug: 8}

    await asyncio.gather(*(client.disconnect() for client, _ in joined[:5]))

    latest = await asyncio.gather(*(_settles_at(c, 3) for c in (first, joined[5][0], joined[6][0])))
    assert all(latest), latest
    assert await sync_to_async(presence_counts)([room.slug]) == {room.slug: 3}


async def _settles_at(client, participants: int, within: float = 5.0, welcome=None) -> bool:
    """True once the latest count the client was told (by ``welcome`` or a presence frame) is
    ``participants`` and no other follows (waiting with ``receive_nothing``: a timed-out read
    would cancel the application)."""
    deadline = asyncio.get_running_loop().time() + within
    latest = welcome["participants"] if welcome is not None else None
    while asyncio.get_running_loop().time() < deadline:
        if await client.communicator.receive_nothing(0.3):
            if latest == participants:
                return True
            continue
        frame = await client.receive()
        if frame["type"] == "presence":
            latest = frame["participants"]
    return latest == participants


async def test_closing_the_hub_does_not_leave_a_count_waiting_forever():
    backplane = CountingBackplane()
    hub = RoomHub(backplane)
    await hub.start()
    await hub.attach("closing", _outbox("person"))
    waiting = asyncio.ensure_future(hub.refresh_presence("closing"))
    await asyncio.sleep(0.002)  # its write is on its way

    await hub.close()

    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, 1)
