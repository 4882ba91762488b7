"""The facilitator's tools on the room page: a session run from the panel, seen by participants.

The facilitator is the seeded session facilitator (not a moderator), signed in through the
desk's sign-in page; participants are anonymous browsers that never get the panel.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Hearth, Visitor
from tests.browser.helpers import axe_violations, join_room, say, sign_in_moderator

pytestmark = [pytest.mark.browser]

FACILITATOR = ("facilitator", "a-long-test-password-for-the-circle")

MAKE_SESSION_ROOM = """
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from rooms.models import Room
from rooms.scheduling.models import GroupSession

facilitator = get_user_model().objects.get(username={user!r})
facilitator.set_password({password!r})
facilitator.save()
room = Room.objects.create(slug={slug!r}, title="Thursday circle", kind="session", capacity=13)
GroupSession.objects.create(
    title=room.title, topic="browser-tests", room=room, capacity=12, duration_minutes=60,
    facilitator=facilitator, time_zone="Europe/London",
    # Whole minutes: occurrence keys are to the second (end_session finds the occurrence by it).
    # Rounded up, so it never starts before the seeded "Starting soon" meeting the lobby test
    # expects among the three soonest.
    start=(timezone.now() + timedelta(minutes=6)).replace(second=0, microsecond=0),
)
"""


def session_room(hearth: Hearth, slug: str) -> str:
    user, password = FACILITATOR
    hearth.manage("shell", "-c", MAKE_SESSION_ROOM.format(slug=slug, user=user, password=password))
    return slug


def sign_in_facilitator(person: Visitor, slug: str) -> Page:
    """Sign in on the desk's page, straight back to the session's room, and join it."""
    page = person.open(f"/desk/login/?next=/rooms/{slug}/")
    user, password = FACILITATOR
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(f"/rooms/{slug}/$"))
    page.get_by_role("button", name="I'll follow these").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    return page


def tools(page: Page) -> Any:
    return page.get_by_role("region", name="Facilitator tools")


def group(page: Page, name: str) -> Any:
    return tools(page).get_by_role("group", name=name, exact=True)


def test_a_facilitator_runs_a_session_from_the_panel(hearth: Hearth, visitor: Any) -> None:
    slug = session_room(hearth, "facilitate-run")
    host = sign_in_facilitator(visitor(), slug)
    ann = join_room(visitor(), slug)
    ben = join_room(visitor(), slug)
    people = (ann, ben)

    # Only the facilitator has the tools, open at once in a session room.
    toggle = tools(host).get_by_role("button", name="Facilitator tools")
    expect(toggle).to_have_attribute("aria-expanded", "true")
    for page in people:
        expect(page.locator("#facilitate")).to_have_count(0)
        expect(page.get_by_text("Facilitator tools")).to_have_count(0)
        expect(page.locator("#circle-segment")).to_have_text("Open conversation")

    guidelines = host.get_by_label("Guidelines for this session")
    guidelines.fill("One voice at a time.\nNo advice unless asked.")
    host.get_by_role("button", name="Pin guidelines").click()
    host.get_by_label("Prompt", exact=True).fill("What helped this week?")
    host.get_by_role("button", name="Pin prompt").click()
    for page in people:
        expect(page.locator("#circle-guidelines")).to_contain_text("One voice at a time.")
        expect(page.locator("#circle-prompt")).to_contain_text("What helped this week?")
    expect(ann.locator("#circle-news")).to_contain_text("New prompt: What helped this week?")

    rounds = group(host, "Talking rounds")
    rounds.get_by_label("By arrival").check()
    rounds.get_by_role("button", name="Start a round").click()
    for page in people:
        expect(page.locator("#circle-segment")).to_have_text("Round")
        expect(page.locator("#circle-order li")).to_have_count(2)
    expect(ann.locator("#circle-turn")).to_have_text(re.compile("It is your turn"))
    expect(ann.get_by_role("button", name="Pass the turn")).to_be_visible()
    expect(ben.get_by_role("button", name="Pass the turn")).to_be_hidden()
    expect(host.locator("#circle-turn")).to_have_text(re.compile("turn. You can write at any time"))

    rounds.get_by_role("button", name="Next turn").click()
    expect(ben.locator("#circle-turn")).to_have_text(re.compile("It is your turn"))
    expect(ann.locator("#circle-order li").first).to_contain_text("(had a turn)")
    ben.get_by_role("button", name="Pass the turn").click()  # the last turn: the round ends
    for page in (host, *people):
        expect(page.locator("#circle-segment")).to_have_text("Open conversation")

    slow = group(host, "Slow mode")
    slow.get_by_role("button", name="30 seconds").click()
    expect(slow.get_by_role("button", name="30 seconds")).to_have_attribute("aria-pressed", "true")
    expect(slow.get_by_role("button", name="Off")).to_have_attribute("aria-pressed", "false")
    for page in people:
        expect(page.locator("#circle-slow")).to_have_text(
            "Slow mode: one message every 30 seconds."
        )
    say(ann, "Thank you for holding this.")
    say(ann, "And one more thing.")
    expect(ann.locator("#composer-error")).to_contain_text("Slow mode is on")

    door = group(host, "Newcomers")
    door.get_by_role("button", name="Lock the room").click()
    expect(door.get_by_role("button", name="Unlock the room")).to_be_visible()
    expect(door).to_contain_text("Locked: nobody new can join")
    for page in people:
        expect(page.locator("#circle-locked")).to_be_visible()
    latecomer = visitor().open(f"/rooms/{slug}/")
    expect(latecomer.locator("#room-alert")).to_contain_text("closed to new arrivals")

    # Ending asks first; "Keep the session going" changes nothing and gives focus back.
    end = host.get_by_role("button", name="End the session…")
    end.click()
    expect(end).to_have_attribute("aria-expanded", "true")
    expect(host.locator("#facilitate-end-question")).to_be_focused()
    host.get_by_role("button", name="Keep the session going").click()
    expect(end).to_be_focused()
    expect(host.get_by_role("button", name="End it for everyone")).to_be_hidden()
    expect(ann.locator("#connection")).to_have_attribute("data-state", "open")

    end.click()
    host.get_by_role("button", name="End it for everyone").click()
    for page in (host, *people):
        expect(page.get_by_role("heading", name="This session has ended")).to_be_visible()
        expect(page.locator("#room-alert")).to_contain_text("This session has ended.")
        expect(page.locator("#composer-send")).to_be_disabled()
    expect(tools(host)).to_be_hidden()
    expect(host.get_by_role("heading", name="This session has ended")).to_be_focused()


def test_a_refused_command_is_shown_in_words_and_participants_get_no_tools(
    hearth: Hearth, visitor: Any
) -> None:
    """A moderator may facilitate a drop-in room (tools folded away there); nobody is seated in
    one, so the server refuses a round and the panel says why, next to the button."""
    slug = hearth.room()
    moderator = visitor()
    sign_in_moderator(moderator)
    host = join_room(moderator, slug)
    guest = join_room(visitor(), slug)
    expect(guest.locator("#facilitate")).to_have_count(0)

    toggle = host.get_by_role("button", name="Facilitator tools")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(host.get_by_role("button", name="Start a round")).to_be_hidden()
    toggle.focus()
    host.keyboard.press("Enter")  # keyboard only
    expect(toggle).to_have_attribute("aria-expanded", "true")
    start = host.get_by_role("button", name="Start a round")
    start.focus()
    host.keyboard.press("Enter")
    error = group(host, "Talking rounds").locator("[role=alert]")
    expect(error).to_have_text("Nobody is seated here yet to go round.")
    expect(group(host, "Talking rounds").get_by_role("alert")).to_be_visible()
    # Not also spoken twice through the page's general status line.
    expect(host.locator("main > p.visually-hidden[role=status]")).to_have_text("")

    # The next command clears it; its room_state reaches the guest, who still has no tools.
    group(host, "Slow mode").get_by_role("button", name="1 minute").click()
    expect(error).to_have_text("")
    expect(guest.locator("#circle-slow")).to_have_text("Slow mode: one message every minute.")
    expect(guest.locator("#facilitate")).to_have_count(0)


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_tools_are_accessible_and_fit_a_phone(
    size: str,
    viewport: dict[str, int],
    hearth: Hearth,
    visitor: Any,
    axe_source: str,
    screenshots: Path,
) -> None:
    slug = session_room(hearth, f"facilitate-look-{size}")
    host = sign_in_facilitator(visitor(viewport=viewport), slug)
    guest = join_room(visitor(viewport=viewport), slug)
    join_room(visitor(viewport=viewport), slug)
    host.get_by_label("Guidelines for this session").fill("One voice at a time.")
    host.get_by_role("button", name="Pin guidelines").click()
    group(host, "Talking rounds").get_by_role("button", name="Start a round").click()
    group(host, "Slow mode").get_by_role("button", name="2 minutes").click()
    expect(guest.locator("#circle-slow")).to_contain_text("2 minutes")
    host.get_by_role("button", name="End the session…").click()  # the question open too
    expect(host.get_by_role("button", name="End it for everyone")).to_be_visible()

    for name, page in (("facilitator", host), ("participant", guest)):
        violations = axe_violations(page, axe_source)
        assert not violations, f"room ({name}) at {size}: {violations}"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"room ({name}) at {size} scrolls sideways by {overflow}px"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshots / f"room-{name}-{size}.png"))
        page.screenshot(path=str(screenshots / f"room-{name}-{size}-full.png"), full_page=True)


SAVE_THE_LAST_SEAT = """
from rooms.scheduling import selectors, services
from rooms.scheduling.models import GroupSession

session = GroupSession.objects.get(room__slug={slug!r})
session.capacity = 1
session.save(update_fields=["capacity"])
# Someone else (another browser's identity) holds the only place of this meeting.
services.rsvp_create(
    session_id=session.pk, key=selectors.occurrence_key(session.start), identity_key="x" * 64
)
"""


def test_a_seat_saved_for_an_rsvp_turns_others_away_with_the_way_to_a_place(
    hearth: Hearth, visitor: Any
) -> None:
    slug = session_room(hearth, "facilitate-saved-seat")
    hearth.manage("shell", "-c", SAVE_THE_LAST_SEAT.format(slug=slug))

    page = visitor(viewport=PHONE).open(f"/rooms/{slug}/")
    page.get_by_role("button", name="I'll follow these").click()

    alert = page.locator("#room-alert")
    expect(alert).to_contain_text("the seats left are saved for people who signed up")
    schedule = alert.get_by_role("link", name="See the schedule")
    expect(schedule).to_have_attribute("href", "/schedule/")
    expect(alert.get_by_role("link", name="Back to the rooms")).to_be_visible()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_disabled()
    schedule.click()
    expect(page).to_have_url(re.compile(r"/schedule/$"))
