"""The lobby (live counts, sessions, help, guidelines) and the Schedule page (RSVP, waitlist,
moving a sign-up to another browser)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import axe_violations, join_room

pytestmark = [pytest.mark.browser]


def test_lobby_lists_rooms_with_live_counts_sessions_help_and_guidelines(hearth, visitor):
    slug = hearth.room()
    person = visitor()
    person.page.clock.install()
    page = person.open("/")
    expect(page.get_by_role("link", name="Get help now")).to_have_attribute("href", "/help/")
    expect(page.get_by_role("heading", name="Community guidelines")).to_be_visible()
    sessions = page.locator("#upcoming-sessions")
    expect(sessions).to_contain_text("Starting soon")
    # Session rooms are reached from the schedule, not listed with the drop-in rooms.
    expect(page.locator("#room-list")).not_to_contain_text("Starting soon")
    card = page.locator(f'.room-card[data-slug="{slug}"]')
    expect(card.locator(".room-card__count")).to_have_text("No one here right now")

    join_room(visitor(), slug)
    join_room(visitor(), slug)
    page.clock.run_for(16_000)  # the lobby refreshes its counts every 15 s
    expect(card.locator(".room-card__count")).to_have_text("2 people here now")
    expect(page.locator("#room-list")).not_to_contain_text("Starting soon")


def _session(page, title):  # type: ignore[no-untyped-def]
    return page.locator(".session", has=page.get_by_role("heading", name=title, exact=True))


def test_rsvp_waitlist_promotion_cancel_and_calendar(hearth, visitor):
    ann, ben = visitor(), visitor(timezone_id="America/New_York")
    a = ann.open("/schedule/")
    expect(a.locator("#timezone-note")).to_have_text(
        "Times are shown in your time zone (Europe/London)."
    )
    circle = _session(a, "Evening circle")
    expect(circle.locator(".session__seats")).to_have_text("1 of 1 place left.")
    circle.get_by_role("button", name=re.compile(r"^Save me a place for Evening circle")).click()
    expect(circle.locator(".session__state")).to_have_text("You have a place.")
    expect(a.locator("#schedule-status")).to_have_text("You have a place at Evening circle.")
    expect(circle.get_by_role("button", name=re.compile(r"^Cancel my place"))).to_be_focused()

    # Ben, in New York, sees the same meeting at his own local time, and it is full.
    b = ben.open("/schedule/")
    theirs = _session(b, "Evening circle")
    start = theirs.locator(".session__time time").first.get_attribute("datetime")
    assert start
    local = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(
        ZoneInfo("America/New_York")
    )
    expect(theirs.locator(".session__time time").first).to_have_text(local.strftime("%H:%M"))
    expect(theirs.locator(".session__seats")).to_have_text("Full. The waitlist is open.")
    theirs.get_by_role("button", name=re.compile(r"^Join the waitlist")).click()
    expect(theirs.locator(".session__state")).to_have_text(
        "You are on the waitlist: number 1. You will get a place if one frees up."
    )
    b.reload()
    expect(_session(b, "Evening circle").locator(".session__state")).to_contain_text("number 1")

    # Ann gives up her place: Ben, first in line, gets it.
    circle.get_by_role("button", name=re.compile(r"^Cancel my place")).click()
    expect(a.locator("#schedule-status")).to_have_text(
        "Your place is cancelled. Thank you for letting others have it."
    )
    expect(circle.locator(".session__state")).to_have_count(0)
    b.reload()
    expect(_session(b, "Evening circle").locator(".session__state")).to_have_text(
        "You have a place."
    )

    # The calendar file is the session's .ics.
    link = circle.get_by_role("link", name=re.compile(r"^Add to calendar \(\.ics\)"))
    response = a.request.get(hearth.url + link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VCALENDAR" in response.text()
    assert "Evening circle" in response.text()


def test_cancel_works_after_the_token_was_cleared(hearth, visitor):
    person = visitor()
    page = person.open("/schedule/")
    first = _session(page, "No contact, week 1").first
    first.get_by_role("button", name=re.compile(r"^Save me a place")).click()
    expect(first.locator(".session__state")).to_have_text("You have a place.")
    page.evaluate("localStorage.clear()")  # as quick exit does
    page.reload()
    first = _session(page, "No contact, week 1").first
    expect(first.locator(".session__state")).to_have_text("You have a place.")
    first.get_by_role("button", name=re.compile(r"^Cancel my place")).click()
    expect(first.locator(".session__state")).to_have_count(0)
    expect(first.get_by_role("button", name=re.compile(r"^Save me a place"))).to_be_visible()


def test_an_open_session_room_is_one_click_away(hearth, visitor):
    person = visitor()
    page = person.open("/schedule/")
    soon = _session(page, "Starting soon")
    soon.get_by_role("link", name="Go to the room").click()
    expect(page).to_have_url(re.compile(r"/rooms/starting-soon-[0-9a-f]+/$"))
    page.get_by_role("button", name="I'll follow these").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")


def test_a_sign_up_moves_to_another_phone_by_its_code(hearth, visitor, axe_source):
    phone, other = visitor(viewport=PHONE), visitor(viewport=PHONE)
    p = phone.open("/schedule/")
    mine = _session(p, "No contact, week 1").nth(2)
    mine.get_by_role("button", name=re.compile(r"^Save me a place")).click()
    expect(mine.locator(".session__state")).to_have_text("You have a place.")
    mine.get_by_role("button", name=re.compile(r"^Use this sign-up on another device")).click()
    code = mine.get_by_label("Your sign-up code").input_value()
    assert len(code) >= 40

    o = other.open("/schedule/")
    theirs = _session(o, "No contact, week 1").nth(2)
    theirs.get_by_role("button", name=re.compile(r"^Save me a place")).click()
    expect(theirs.locator(".session__state")).to_have_text("You have a place.")
    o.get_by_text("Signed up on another device?").click()
    box = o.get_by_label("Sign-up code")
    use = o.get_by_role("button", name="Use this sign-up in this browser")
    box.fill("not-a-real-code")
    use.click()
    expect(o.locator("#claim-error")).to_contain_text("That code was not found.")
    # Two places for one person is one too many: this phone gives its own up first.
    box.fill(code)
    use.click()
    expect(o.locator("#claim-error")).to_contain_text("already has its own sign-up")
    theirs.get_by_role("button", name=re.compile(r"^Cancel my place")).click()
    expect(theirs.locator(".session__state")).to_have_count(0)
    box.fill(code)
    use.click()
    expect(o.locator("#claim-result")).to_have_text(
        "Your sign-up now belongs to this browser: you have a place at No contact, week 1."
    )
    expect(o.locator("#claim-error")).to_be_empty()
    expect(theirs.locator(".session__state")).to_have_text("You have a place.")
    expect(theirs.get_by_role("button", name=re.compile(r"^Cancel my place"))).to_be_visible()
    assert not axe_violations(o, axe_source)
    overflow = o.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the schedule scrolls sideways by {overflow}px on a phone"

    # The first phone holds it no more, and its old code is gone with it.
    p.reload()
    mine = _session(p, "No contact, week 1").nth(2)
    expect(mine.get_by_role("button", name=re.compile(r"^Save me a place"))).to_be_visible()
    expect(mine.locator(".session__state")).to_have_count(0)


def test_a_sign_up_from_before_the_cookies_were_cleared_can_be_used_again(hearth, visitor):
    person = visitor(viewport=PHONE)
    page = person.open("/schedule/")
    second = _session(page, "No contact, week 1").nth(1)
    second.get_by_role("button", name=re.compile(r"^Save me a place")).click()
    expect(second.locator(".session__state")).to_have_text("You have a place.")
    person.context.clear_cookies()  # a new identity; the code stays in localStorage
    page.reload()

    second = _session(page, "No contact, week 1").nth(1)
    expect(second.locator(".session__state")).to_contain_text("in an earlier visit")
    second.get_by_role("button", name=re.compile(r"^Use my sign-up in this browser")).click()
    expect(page.locator("#schedule-status")).to_have_text(
        "Your sign-up now belongs to this browser: you have a place at No contact, week 1."
    )
    expect(second.locator(".session__state")).to_have_text("You have a place.")
    page.reload()
    second = _session(page, "No contact, week 1").nth(1)
    expect(second.locator(".session__state")).to_have_text("You have a place.")
