"""One facilitated round on the room page: the order, whose turn it is, a reaction and passes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MODERATOR
from tests.browser.helpers import expect_message, join_room, say, sign_in_moderator

pytestmark = [pytest.mark.browser]

MAKE_SESSION_ROOM = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from rooms.models import Room
from rooms.scheduling.models import GroupSession

room = Room.objects.create(slug={slug!r}, title="Round test circle", kind="session", capacity=13)
GroupSession.objects.create(
    title=room.title, topic="browser-tests", room=room, capacity=12, duration_minutes=60,
    facilitator=get_user_model().objects.get(username={user!r}), time_zone="Europe/London",
    start=timezone.now() + timedelta(minutes=5),
)
"""

# Facilitator commands go over a second websocket of the signed-in facilitator's browser.
FACILITATE = """
([slug, frame]) => new Promise((resolve, reject) => {
  const ws = new WebSocket(`ws://${location.host}/ws/rooms/${slug}/`);
  ws.onerror = () => reject(new Error("socket error"));
  ws.onmessage = (event) => {
    if (JSON.parse(event.data).type !== "room_state") return;
    ws.onmessage = null;
    ws.send(JSON.stringify(frame));
    setTimeout(() => { ws.close(); resolve(true); }, 300);
  };
})
"""


def test_one_round_shows_the_order_and_the_turn(hearth, visitor):
    slug = "round-test-circle"
    hearth.manage("shell", "-c", MAKE_SESSION_ROOM.format(slug=slug, user=MODERATOR[0]))
    host_person = visitor()
    sign_in_moderator(host_person)
    host = join_room(host_person, slug)
    ann = join_room(visitor(), slug)
    ben = join_room(visitor(), slug)
    for page in (host, ann, ben):
        expect(page.locator("#circle-segment")).to_have_text("Open conversation")

    host.evaluate(
        FACILITATE,
        [
            slug,
            {
                "type": "facilitate",
                "action": "start_round",
                "order": "arrival",
                "prompt": "What is one thing that helped this week?",
            },
        ],
    )
    for page in (host, ann, ben):
        expect(page.locator("#circle-segment")).to_have_text("Round")
        expect(page.locator("#circle-prompt")).to_contain_text("What is one thing that helped")
        expect(page.locator("#circle-order li")).to_have_count(2)
    expect(ann.locator("#circle-order li").first).to_have_attribute("aria-current", "true")
    expect(ann.locator("#circle-order li").first).to_contain_text("(you)")
    expect(ann.locator("#circle-turn")).to_have_text(re.compile("It is your turn"))
    expect(ann.locator("#circle-pass")).to_be_visible()
    expect(ben.locator("#circle-turn")).to_have_text(re.compile("'s turn. You can react"))
    expect(ben.locator("#circle-pass")).to_be_hidden()

    say(ben, "Can I go first?")  # out of turn: refused, and the text comes back to the box
    expect(ben.locator("#composer-error")).to_contain_text("someone else's turn")
    say(ann, "Walking every morning.")
    message = expect_message(ben, "Walking every morning.")
    message.get_by_role("button", name="I hear you").click()
    expect(
        expect_message(ann, "Walking every morning.").locator(".reaction[data-reaction=hear_you]")
    ).to_have_text("I hear you · 1")

    ann.locator("#circle-pass").click()
    expect(ben.locator("#circle-turn")).to_have_text(re.compile("It is your turn"))
    expect(ann.locator("#circle-order li").first).to_contain_text("(had a turn)")
    ben.locator("#circle-pass").click()  # a pass without writing ends the round
    for page in (host, ann, ben):
        expect(page.locator("#circle-segment")).to_have_text("Open conversation")
        expect(page.locator("#circle-order li")).to_have_count(0)
    say(ben, "Thank you all.")
    expect_message(ann, "Thank you all.")
