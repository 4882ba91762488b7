"""Quick exit: the button and Escape twice leave for a neutral site, with no way back."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import EXIT_URL
from tests.browser.helpers import join_room, say

pytestmark = [pytest.mark.browser]

START = "https://start.example/"


def _start_elsewhere(person) -> None:  # type: ignore[no-untyped-def]
    """The tab shows another site first, as a real visit would (a search page, say)."""
    person.context.route(
        "https://start.example/**",
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>Start</h1>"),
    )
    person.page.goto(START)


def test_escape_twice_leaves_and_back_does_not_return(hearth, visitor):
    slug = hearth.room()
    person, other = visitor(), visitor()
    _start_elsewhere(person)
    page = person.open("/")
    entries = page.evaluate("history.length")
    page.get_by_role("link", name=f"Test room {slug[-2:]}").click()
    expect(page).to_have_url(f"{hearth.url}/rooms/{slug}/")
    page.get_by_role("button", name="I'll follow these").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    say(page, "I should not be here long")
    o = join_room(other, slug)
    expect(o.locator("#presence")).to_have_text("2 people here")
    # Hearth's own links replace the history entry: the whole visit is one entry.
    assert page.evaluate("history.length") == entries
    assert page.evaluate("localStorage.length + sessionStorage.length") > 0

    # One Escape (closing a menu, say) is not an exit; two within a second are.
    page.keyboard.press("Escape")
    page.wait_for_timeout(1200)
    page.keyboard.press("Escape")
    expect(page).to_have_url(f"{hearth.url}/rooms/{slug}/")
    page.keyboard.press("Escape")
    expect(page).to_have_url(EXIT_URL)
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    # The socket closed with the page.
    expect(o.locator("#presence")).to_have_text("1 person here")

    page.go_back()
    expect(page).to_have_url(START)
    page.go_forward()
    expect(page).to_have_url(EXIT_URL)
    assert page.evaluate("history.length") == entries

    # Nothing Hearth stored is left in this browser's storage.
    check = person.context.new_page()
    check.goto(f"{hearth.url}/schedule/")
    assert check.evaluate("localStorage.length") == 0


def test_quick_exit_button_on_every_page(hearth, visitor):
    person = visitor()
    _start_elsewhere(person)
    page = person.open("/desk/login/")
    expect(page.get_by_role("link", name="Quick exit")).to_have_attribute("href", EXIT_URL)
    page = person.open("/")
    nav = page.get_by_role("navigation", name="Main")
    slug = hearth.room()
    steps = [
        lambda: nav.get_by_role("link", name="Get help").click(),
        lambda: nav.get_by_role("link", name="Sessions").click(),
        lambda: nav.get_by_role("link", name="Rooms").click(),
        lambda: page.get_by_role("link", name=f"Test room {slug[-2:]}").click(),
    ]
    for step in [lambda: None, *steps]:
        step()
        page.wait_for_load_state()
        button = page.get_by_role("link", name="Quick exit")
        expect(button).to_be_visible()
        expect(button).to_have_attribute("href", EXIT_URL)
    expect(page).to_have_url(f"{hearth.url}/rooms/{slug}/")
    page.get_by_role("link", name="Quick exit").click()
    expect(page).to_have_url(EXIT_URL)
    # Five Hearth pages, one history entry, now the neutral site's: Back leaves Hearth behind.
    page.go_back()
    expect(page).to_have_url(f"{hearth.url}/desk/login/")
    page.go_back()
    expect(page).to_have_url(START)


def test_titles_stay_neutral_except_the_rooms_own(hearth, visitor):
    person = visitor()
    for path in ("/", "/help/", "/schedule/", "/desk/login/"):
        page = person.open(path)
        assert page.title() == "Hearth", path
    page = person.open("/rooms/going-no-contact/")
    assert page.title() == "Going no contact · Hearth"
