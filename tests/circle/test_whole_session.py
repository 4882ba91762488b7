"""A whole facilitated session over real websockets, on two daphne processes sharing Redis.

A facilitator and four participants go through an opening round (with a pass, a late arrival and
a disconnect skipped after the grace period), open conversation under slow mode, and a closing
round; then the facilitator ends the session and the room closes for everyone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async

from moderation.models import AuditEntry
from rooms.models import Room
from tests.circle.conftest import login_cookie, make_session_room
from tests.support.peers import Peer, join
from tests.support.servers import running_servers

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

State = dict[str, Any]
# Long enough for a cross-process seat check on a busy machine; waits for it add 1.5 s.
GRACE_SECONDS = 3.0


@pytest.fixture(autouse=True)
def _local_backplane() -> None:
    """Overrides tests.circle's in-process backplane: these servers use the real Redis."""


@pytest.fixture
def two_servers(tmp_path):
    with running_servers(
        2, tmp_path, HEARTH_RATE_BURST="1000", HEARTH_CIRCLE_GRACE_SECONDS=str(GRACE_SECONDS)
    ) as servers:
        yield servers


async def command(peer: Peer, **frame: Any) -> None:
    await peer.socket.send(json.dumps(frame))


async def state_where(peer: Peer, check: Callable[[State], bool], timeout: float = 10) -> State:
    while True:
        frame = await peer.next("room_state", timeout)
        if check(frame):
            return frame


async def speak_in_turn(peer: Peer, body: str, others: list[Peer]) -> None:
    """The turn holder writes, everyone reads it, and the holder passes."""
    assert (await peer.say(body))["type"] == "ack"
    for other in others:
        while (await other.next("message"))["body"] != body:
            pass
    await command(peer, type="pass")


def audit_actions(room_id: int) -> list[str]:
    rows = AuditEntry.objects.filter(room_id=room_id).order_by("id")
    return list(rows.values_list("action", flat=True))


async def test_a_whole_facilitated_session_on_two_processes(two_servers):
    first, second = two_servers
    session, facilitator = await sync_to_async(make_session_room)()
    slug = session.room.slug
    cookie = await sync_to_async(login_cookie)(facilitator)

    host, welcome = await join(first.ws, slug, cookie=cookie)
    assert welcome["alias"] == "Facilitator"
    await command(
        host, type="facilitate", action="pin", guidelines="One voice at a time.", prompt="Hello"
    )
    await state_where(host, lambda s: s["guidelines"] == "One voice at a time.")

    # Three arrive, on both processes; each sees the pinned guidelines on joining.
    people: list[Peer] = []
    aliases: list[str] = []
    for server in (first, second, first):
        peer, welcome = await join(server.ws, slug)
        assert (await peer.next("room_state"))["guidelines"] == "One voice at a time."
        people.append(peer)
        aliases.append(welcome["alias"])
    a, b, c = people
    everyone = [host, a, b, c]

    # --- the opening round, in order of arrival --------------------------------------------
    await command(
        host, type="facilitate", action="start_round", prompt="What brought you?", order="arrival"
    )
    for peer in everyone:
        state = await state_where(peer, lambda s: s["segment"] == "round")
        assert state["order"] == aliases and state["turn"] == aliases[0]
        assert state["prompt"] == "What brought you?"

    refused = await b.say("can I go first?")
    assert refused["type"] == "error" and refused["code"] == "not_your_turn"
    await speak_in_turn(a, "I left in the spring.", [host, b, c])
    await state_where(b, lambda s: s["turn"] == aliases[1])
    # b reacts to a's words, on the other process; everyone sees the count.
    said = next(f for f in a.frames if f["type"] == "ack")
    await command(b, type="react", seq=said["seq"], reaction="strength")
    assert (await a.next("reactions"))["counts"] == {"strength": 1}

    # A late arrival joins the end of the order.
    d, welcome = await join(second.ws, slug)
    aliases.append(welcome["alias"])
    assert (await d.next("room_state"))["order"] == aliases
    everyone.append(d)
    await state_where(host, lambda s: s["order"] == aliases)

    await command(b, type="pass")  # b passes without writing
    await state_where(host, lambda s: s["turn"] == aliases[2])
    await c.close()  # c's connection drops on their turn: skipped after the grace period
    state = await state_where(host, lambda s: s["turn"] == aliases[3], timeout=15)
    assert state["segment"] == "round"
    assert (await a.say("out of turn"))["code"] == "not_your_turn"
    await speak_in_turn(d, "Sorry I'm late. Glad to be here.", [host, a, b])
    for peer in (host, a, b, d):
        opened = await state_where(peer, lambda s: s["segment"] == "open")
        assert opened["turn"] is None

    # --- open conversation, under slow mode ------------------------------------------------
    await command(host, type="facilitate", action="slow_mode", seconds=30)
    await state_where(a, lambda s: s["slow_mode"] == 30)
    await state_where(b, lambda s: s["slow_mode"] == 30)
    assert (await a.say("That helps to hear."))["type"] == "ack"
    assert (await b.say("Same here."))["type"] == "ack"
    slowed = await a.say("And another thing")
    assert slowed["code"] == "rate_limited" and "Slow mode" in slowed["detail"]
    assert (await host.say("Let's take a breath."))["type"] == "ack"
    await command(host, type="facilitate", action="slow_mode", seconds=0)
    await state_where(a, lambda s: s["slow_mode"] == 0)

    # --- the closing round, in a random order of those present -----------------------------
    await command(host, type="facilitate", action="set_segment", segment="closing", order="random")
    present = [a, b, d]
    by_alias = {aliases[0]: a, aliases[1]: b, aliases[3]: d}
    closing = await state_where(host, lambda s: s["segment"] == "closing")
    assert sorted(closing["order"]) == sorted(by_alias)
    for turn, alias in enumerate(closing["order"]):
        holder = by_alias[alias]
        await state_where(
            holder, lambda s, t=turn: s["segment"] == "closing" and s["turn_index"] == t
        )
        waiting = [p for p in present if p is not holder]
        if turn < len(closing["order"]) - 1:
            assert (await waiting[0].say("me too"))["code"] == "not_your_turn"
        await speak_in_turn(holder, f"One word to close: {turn}", [host, *waiting])
    await state_where(host, lambda s: s["segment"] == "open")

    # --- the end ---------------------------------------------------------------------------
    await command(host, type="facilitate", action="end_session")
    for peer in (host, a, b, d):
        ended = await peer.next("session_ended")
        assert ended["resources_url"] == "/help/"
        await peer.socket.wait_closed()
        assert peer.socket.close_code == 4410
    late, first_frame = await join(second.ws, slug)
    assert first_frame["code"] == "room_closed"
    await late.close()

    # The meeting is over; the series' room stays for its next meeting.
    assert await sync_to_async(lambda: Room.objects.get(pk=session.room_id).is_open)()
    assert await sync_to_async(audit_actions)(session.room_id) == [
        "circle.pin",
        "circle.start_round",
        "circle.slow_mode",
        "circle.slow_mode",
        "circle.set_segment",
        "circle.end_session",
    ]


async def test_a_turn_is_kept_while_the_person_is_still_connected_through_another_process(
    two_servers,
):
    first, second = two_servers
    session, facilitator = await sync_to_async(make_session_room)()
    slug = session.room.slug
    host, _ = await join(first.ws, slug, cookie=await sync_to_async(login_cookie)(facilitator))
    a_here, welcome = await join(first.ws, slug)
    a_there, _ = await join(second.ws, slug, identity=a_here.identity, cookie=a_here.cookie)
    b, welcome_b = await join(first.ws, slug)
    alias_a, alias_b = welcome["alias"], welcome_b["alias"]
    await command(host, type="facilitate", action="start_round", order="arrival")
    await state_where(b, lambda s: s["segment"] == "round" and s["turn"] == alias_a)

    await a_there.close()  # one of a's two connections closes on their turn
    await asyncio.sleep(GRACE_SECONDS + 1.5)  # the grace and then some
    assert (await a_here.say("I'm still here, on my other tab."))["type"] == "ack"
    # b reads up to a's words, so a turn passed to b meanwhile would be in b.frames.
    await b.next("message")
    assert not any(f["type"] == "room_state" and f["turn"] == alias_b for f in b.frames)

    await a_here.close()  # now a has gone: skipped after the grace
    await state_where(b, lambda s: s["turn"] == alias_b, timeout=15)
    for peer in (host, b):
        await peer.close()
