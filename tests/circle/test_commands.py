"""Facilitated sessions over the websocket protocol (in-process): each command and each refusal."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from moderation.models import AuditEntry
from rooms.identity import new_identity
from rooms.models import CircleSeat, Room
from rooms.protocol import CloseCode
from rooms.retention import purge_expired
from tests.circle.conftest import make_session_room, make_user

pytestmark = pytest.mark.django_db(transaction=True)


async def facilitate(client, action: str, **fields) -> None:
    await client.send(type="facilitate", action=action, **fields)


async def state_where(client, check, timeout: float = 3, kind: str = "room_state") -> dict:
    """The next frame of ``kind`` for which ``check`` holds (earlier ones are skipped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        frame = await client.receive_type(kind, max(remaining, 0.01))
        if check(frame):
            return frame


def audit_actions(room_id: int) -> list[str]:
    return list(
        AuditEntry.objects.filter(room_id=room_id).order_by("id").values_list("action", flat=True)
    )


async def seated(connect, slug: str, count: int):
    """``count`` participants joined in order: [(client, alias, identity)]."""
    people = []
    for _ in range(count):
        identity = new_identity()
        client, welcome = await connect(slug, identity=identity)
        assert welcome["type"] == "welcome"
        people.append((client, welcome["alias"], identity))
    return people


async def test_joining_a_session_room_sends_its_state_after_the_welcome(connect, session_room):
    session, _ = session_room
    client, welcome = await connect(session.room.slug)
    assert welcome["type"] == "welcome"
    state = await client.receive()
    assert state["type"] == "room_state"
    assert state["segment"] == "open"
    assert state["turn"] is None and state["order"] == []
    assert state["slow_mode"] == 0 and state["locked"] is False


async def test_the_facilitator_goes_by_facilitator_and_pins_guidelines(
    connect, connect_user, session_room
):
    session, facilitator = session_room
    slug = session.room.slug
    host, welcome = await connect_user(slug, facilitator)
    assert welcome["alias"] == "Facilitator"
    await facilitate(host, "pin", guidelines="What is said here stays here.", prompt="How are you?")
    pinned = await state_where(host, lambda f: f["guidelines"])
    assert pinned["prompt"] == "How are you?"
    newcomer, _ = await connect(slug)
    state = await newcomer.receive_type("room_state")
    assert state["guidelines"] == "What is said here stays here."
    assert state["prompt"] == "How are you?"
    assert await sync_to_async(audit_actions)(session.room_id) == ["circle.pin"]


@pytest.mark.parametrize(
    "frame",
    [
        {"action": "pin", "prompt": "x"},
        {"action": "start_round", "prompt": "x"},
        {"action": "next_turn"},
        {"action": "set_segment", "segment": "closing"},
        {"action": "slow_mode", "seconds": 10},
        {"action": "lock"},
        {"action": "unlock"},
        {"action": "end_session"},
    ],
)
async def test_participants_are_forbidden_every_command(connect, session_room, frame):
    session, _ = session_room
    client, _ = await connect(session.room.slug)
    await client.send(type="facilitate", **frame)
    error = await client.receive_type("error")
    assert error["code"] == "forbidden"
    assert error["action"] == frame["action"]
    assert await sync_to_async(audit_actions)(session.room_id) == []


async def test_another_sessions_facilitator_is_forbidden(connect_user, session_room):
    session, _ = session_room
    _, other = await sync_to_async(make_session_room)()
    client, welcome = await connect_user(session.room.slug, other)
    assert welcome["alias"] != "Facilitator"
    await facilitate(client, "lock")
    assert (await client.receive_type("error"))["code"] == "forbidden"


async def test_a_moderator_facilitates_a_drop_in_room(connect, connect_user, room):
    moderator = await sync_to_async(make_user)(moderator=True)
    listener, _ = await connect(room.slug)
    host, welcome = await connect_user(room.slug, moderator)
    assert welcome["alias"] != "Facilitator"  # drop-in rooms keep pseudonyms
    await facilitate(host, "pin", guidelines="Be gentle with each other.")
    state = await listener.receive_type("room_state")
    assert state["guidelines"] == "Be gentle with each other."


async def test_a_round_goes_in_turn_with_a_pass_and_ends_by_itself(
    connect, connect_user, session_room
):
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    (a, alias_a, _), (b, alias_b, _), (c, alias_c, _) = await seated(connect, slug, 3)

    await facilitate(host, "start_round", prompt="What brought you here?", order="arrival")
    state = await state_where(b, lambda f: f["segment"] == "round")
    assert state["order"] == [alias_a, alias_b, alias_c]
    assert state["turn"] == alias_a and state["turn_index"] == 0
    assert state["prompt"] == "What brought you here?"

    refused = await b.say("me first")
    assert refused["type"] == "error" and refused["code"] == "not_your_turn"
    await b.send(type="pass")
    assert (await b.receive_type("error"))["code"] == "not_your_turn"
    assert (await a.say("I left last spring."))["type"] == "ack"
    assert (await host.say("Thank you."))["type"] == "ack"  # facilitators may always write
    await a.send(type="pass")
    assert (await state_where(c, lambda f: f["turn"] == alias_b))["turn_index"] == 1
    await b.send(type="pass")  # passing without writing
    last_turn = await state_where(c, lambda f: f["turn"] == alias_c)
    assert (await c.say("Same as everyone, I think."))["type"] == "ack"
    await c.send(type="pass")
    # b's own state frames, after the last turn's (the inboxes still hold the open room's
    # frames from before the round)
    ended = await state_where(
        b, lambda f: f["segment"] == "open" and f["version"] > last_turn["version"]
    )
    assert ended["turn"] is None
    assert (await b.say("Now I can talk"))["type"] == "ack"
    assert await sync_to_async(audit_actions)(session.room_id) == ["circle.start_round"]


async def test_next_turn_set_segment_and_a_late_arrival(connect, connect_user, session_room):
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    (a, alias_a, _), (_, alias_b, _) = await seated(connect, slug, 2)
    await facilitate(host, "set_segment", segment="closing", order="random")
    state = await state_where(a, lambda f: f["segment"] == "closing")
    assert sorted(state["order"]) == sorted([alias_a, alias_b])
    late, welcome = await connect(slug)
    joined = await late.receive_type("room_state")
    assert joined["order"][-1] == welcome["alias"] and len(joined["order"]) == 3
    assert (await state_where(a, lambda f: len(f["order"]) == 3))["segment"] == "closing"
    await facilitate(host, "next_turn")
    await state_where(a, lambda f: f["turn_index"] == 1)
    await facilitate(host, "set_segment", segment="open")
    assert (await state_where(a, lambda f: f["segment"] == "open"))["order"] == []


async def test_a_disconnect_is_skipped_after_the_grace(
    connect, connect_user, session_room, settings
):
    settings.HEARTH_CIRCLE_GRACE_SECONDS = 0.2
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    (a, alias_a, _), (b, alias_b, _), (c, alias_c, _) = await seated(connect, slug, 3)
    await facilitate(host, "start_round", order="arrival")
    await state_where(c, lambda f: f["turn"] == alias_a)
    await a.disconnect()
    state = await state_where(c, lambda f: f["turn"] == alias_b)
    assert state["order"] == [alias_a, alias_b, alias_c]
    await c.disconnect()  # later in the order: taken out
    state = await state_where(b, lambda f: len(f["order"]) == 2)
    assert state["order"] == [alias_a, alias_b] and state["turn"] == alias_b


async def test_coming_back_within_the_grace_keeps_the_turn(
    connect, connect_user, session_room, settings
):
    # Long enough to cover the reconnect on a busy machine; the wait below outlasts it.
    settings.HEARTH_CIRCLE_GRACE_SECONDS = 3.0
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    (a, alias_a, identity_a), (b, _, _) = await seated(connect, slug, 2)
    await facilitate(host, "start_round", order="arrival")
    await state_where(b, lambda f: f["turn"] == alias_a)
    await a.disconnect()
    back, _ = await connect(slug, identity=identity_a)
    assert (await back.receive_type("room_state"))["turn"] == alias_a
    await asyncio.sleep(3.0 + 1.5)  # the grace, and then some
    assert (await back.say("still here"))["type"] == "ack"


async def test_slow_mode_holds_for_participants_not_facilitators(
    connect, connect_user, session_room
):
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    (a, _, _), (b, _, _) = await seated(connect, slug, 2)
    await facilitate(host, "slow_mode", seconds=60)
    assert (await state_where(a, lambda f: f["slow_mode"] == 60))["segment"] == "open"
    assert (await a.say("one"))["type"] == "ack"
    refused = await a.say("two")
    assert refused["code"] == "rate_limited" and "Slow mode" in refused["detail"]
    assert refused["retry_after"] > 50
    assert (await b.say("mine"))["type"] == "ack"  # per person
    for body in ("a", "b", "c"):
        assert (await host.say(body))["type"] == "ack"
    await facilitate(host, "slow_mode", seconds=0)
    await state_where(a, lambda f: f["slow_mode"] == 0)
    assert (await a.say("three"))["type"] == "ack"


async def test_reactions_are_counted_once_per_person(connect, session_room):
    session, _ = session_room
    slug = session.room.slug
    (a, _, _), (b, _, _) = await seated(connect, slug, 2)
    seq = (await a.say("It was a hard week."))["seq"]
    await b.send(type="react", seq=seq, reaction="hear_you")
    assert (await a.receive_type("reactions")) == {
        "type": "reactions",
        "seq": seq,
        "counts": {"hear_you": 1},
    }
    await b.send(type="react", seq=seq, reaction="hear_you")
    assert (await a.receive_type("reactions"))["counts"] == {"hear_you": 1}
    await a.send(type="react", seq=seq, reaction="strength")
    both = {"hear_you": 1, "strength": 1}
    await state_where(b, lambda f: f["counts"] == both, kind="reactions")
    await b.send(type="react", seq=seq, reaction="thumbs_down")
    assert (await b.receive_type("error"))["code"] == "bad_frame"
    await b.send(type="react", seq=seq + 50, reaction="same_here")
    missing = await b.receive_type("error")
    assert missing["code"] == "not_found" and missing["seq"] == seq + 50


@pytest.mark.parametrize(
    "frame",
    [
        {"action": "dance"},
        {"action": "set_segment", "segment": "intermission"},
        {"action": "start_round", "order": "alphabetical"},
        {"action": "slow_mode", "seconds": -1},
        {"action": "slow_mode", "seconds": "10"},
        {"action": "pin"},
    ],
)
async def test_malformed_commands_are_bad_frames(connect_user, session_room, frame):
    session, facilitator = session_room
    host, _ = await connect_user(session.room.slug, facilitator)
    await host.send(type="facilitate", **frame)
    assert (await host.receive_type("error"))["code"] == "bad_frame"


async def test_a_round_needs_someone_seated(connect_user, session_room):
    session, facilitator = session_room
    host, _ = await connect_user(session.room.slug, facilitator)
    await facilitate(host, "start_round")
    assert (await host.receive_type("error"))["code"] == "bad_frame"


async def test_a_locked_room_refuses_newcomers_but_not_returners(
    connect, connect_user, session_room
):
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    [(a, _, identity_a)] = await seated(connect, slug, 1)
    await facilitate(host, "lock")
    await state_where(a, lambda f: f["locked"])
    newcomer, first = await connect(slug)
    assert first["type"] == "error" and first["code"] == "room_locked"
    assert await newcomer.closed() == CloseCode.ROOM_LOCKED == 4423
    await a.disconnect()
    back, welcome = await connect(slug, identity=identity_a)
    assert welcome["type"] == "welcome"
    await facilitate(host, "unlock")
    await state_where(back, lambda f: not f["locked"])
    _, welcome = await connect(slug)
    assert welcome["type"] == "welcome"
    assert await sync_to_async(audit_actions)(session.room_id) == ["circle.lock", "circle.unlock"]


async def test_someone_kicked_from_a_locked_room_cannot_come_back_until_it_is_unlocked(
    connect, connect_user, session_room
):
    """A kicked person used to come straight back: their browser had visited the room, which
    let anyone in while locked. Now only a seat a kick did not take does."""
    from django.test import Client

    from moderation.models import Flag

    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    (a, _, identity_a), (b, _, _) = await seated(connect, slug, 2)
    seq = (await a.say("I disagree with all of you about this"))["seq"]
    await b.receive_type("message")
    await b.send(type="report", seq=seq, reason="abusive")
    await b.receive_type("report_ack")
    await facilitate(host, "lock")
    await state_where(b, lambda f: f["locked"])
    flag = await sync_to_async(Flag.objects.get)(message__seq=seq, message__room=session.room)
    moderator = Client()
    await sync_to_async(moderator.force_login)(await sync_to_async(make_user)(moderator=True))

    kicked = await sync_to_async(moderator.post)(
        f"/api/moderation/flags/{flag.pk}/resolve/", {"action": "kick"}
    )

    assert kicked.status_code == 200
    assert (await a.receive_type("error"))["code"] == "kicked"
    assert await a.closed() == CloseCode.REMOVED_BY_MODERATOR
    _, first = await connect(slug, identity=identity_a)
    assert first["type"] == "error" and first["code"] == "room_locked"
    await facilitate(host, "unlock")
    await state_where(b, lambda f: not f["locked"])
    _, welcome = await connect(slug, identity=identity_a)
    assert welcome["type"] == "welcome"


async def test_ending_the_session_closes_the_room_for_everyone(connect, connect_user, session_room):
    session, facilitator = session_room
    slug = session.room.slug
    host, _ = await connect_user(slug, facilitator)
    people = await seated(connect, slug, 2)
    await facilitate(host, "end_session")
    for client in [host] + [p[0] for p in people]:
        ended = await client.receive_type("session_ended")
        assert ended["resources_url"] == "/help/"
        assert "ended" in ended["detail"]
        assert await client.closed() == CloseCode.ROOM_CLOSED
    # This meeting is over (it began 5 minutes from now, so it counts as cancelled); the series
    # and its room go on.
    is_open = await sync_to_async(lambda: Room.objects.get(pk=session.room_id).is_open)()
    assert is_open is True
    _, first = await connect(slug)
    assert first["code"] == "room_closed"
    status = await sync_to_async(lambda: session.occurrences.get().status)()
    assert status == "cancelled"
    entries = await sync_to_async(
        lambda: list(
            AuditEntry.objects.filter(room_id=session.room_id).values("action", "moderator")
        )
    )()
    assert entries == [{"action": "circle.end_session", "moderator": facilitator.pk}]


async def test_a_drop_in_room_nobody_facilitated_sends_no_state(connect, room):
    client, welcome = await connect(room.slug)
    assert welcome["type"] == "welcome"
    assert await client.silent()


async def test_seats_of_people_who_left_are_purged_after_retention(connect, session_room):
    session, _ = session_room
    [(a, _, _), _still_here] = await seated(connect, session.room.slug, 2)
    await a.disconnect()
    await asyncio.sleep(0.2)
    count = sync_to_async(lambda: CircleSeat.objects.filter(room_id=session.room_id).count())
    await sync_to_async(purge_expired)(now=timezone.now() + timedelta(hours=80))
    assert await count() == 1  # the one still here keeps their seat


def test_ending_a_meeting_just_after_its_scheduled_end_keeps_the_series_room(settings):
    """A click on End a moment after the scheduled end found no current meeting and closed the
    room itself, which nothing reopens: every later meeting of the series was refused."""
    from rooms.circle import services
    from rooms.circle.frames import Action, FacilitateFrame
    from rooms.scheduling.models import GroupSession
    from rooms.scheduling.selectors import room_window_state
    from tests.scheduling.factories import make_session

    settings.REDIS_URL = ""
    london = ZoneInfo("Europe/London")
    ended_a_second_ago = (timezone.now() - timedelta(minutes=5, seconds=1)).replace(microsecond=0)
    # Created a week later (a start must be in the future), then moved back onto this meeting.
    session = make_session(
        start=(ended_a_second_ago + timedelta(days=7)).astimezone(london), duration_minutes=5
    )
    GroupSession.objects.filter(pk=session.pk).update(start=ended_a_second_ago)
    session.refresh_from_db()

    services.facilitate(
        room_id=session.room_id,
        room_slug=session.room.slug,
        user_id=session.facilitator_id,
        command=FacilitateFrame(action=Action.END_SESSION),
    )

    assert Room.objects.get(pk=session.room_id).is_open
    next_meeting = session.start + timedelta(days=7)
    assert room_window_state(session.room.slug, next_meeting).open
