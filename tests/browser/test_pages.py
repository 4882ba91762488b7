"""Every page: an axe-core audit, keyboard focus, 360 px without sideways scrolling, screenshots.

Screenshots land in test-artifacts/screenshots/<page>-<desktop|phone>.png (what a person sees
first) and <page>-<desktop|phone>-full.png (the whole page).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Hearth, Visitor
from tests.browser.helpers import (
    axe_violations,
    expect_message,
    join_room,
    say,
    sign_in_moderator,
)

pytestmark = [pytest.mark.browser]


def _lobby(hearth: Hearth, person: Visitor, make: Callable[..., Visitor]) -> Page:
    return person.open("/")


def _room(hearth: Hearth, person: Visitor, make: Callable[..., Visitor]) -> Page:
    slug = hearth.room()
    other = make(viewport=person.page.viewport_size)
    o = join_room(other, slug)
    page = join_room(person, slug)
    say(o, "Day 30 of no contact today. It still doesn't feel real.")
    say(page, "That's huge. Well done. I'm on day 4.")
    say(page, "I want to die some nights")
    say(page, "my number is 07700 900123")
    expect(page.locator("#messages .message--held")).to_have_count(1)
    expect(page.locator("#private .private-panel")).to_have_count(1)
    # A menu open, so the audit covers it too.
    message = expect_message(page, "Day 30 of no contact today. It still doesn't feel real.")
    message.locator(".message__options").click()
    page.locator("#main").evaluate("main => main.scrollIntoView()")
    return page


def _help(hearth: Hearth, person: Visitor, make: Callable[..., Visitor]) -> Page:
    return person.open("/help/")


def _schedule(hearth: Hearth, person: Visitor, make: Callable[..., Visitor]) -> Page:
    page = person.open("/schedule/")
    page.wait_for_load_state("networkidle")
    return page


def _login(hearth: Hearth, person: Visitor, make: Callable[..., Visitor]) -> Page:
    return person.open("/desk/login/")


def _desk(hearth: Hearth, person: Visitor, make: Callable[..., Visitor]) -> Page:
    writer = make()
    slug = hearth.room()
    w = join_room(writer, slug)
    say(w, "I can't do this anymore, I want to die")
    page = sign_in_moderator(person)
    item = page.locator("#queue .queue__item").filter(has_text=f"Test room {slug[-2:]}")
    item.click()
    expect(page.locator("#flag-body")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    return page


PAGES: dict[str, Callable[[Hearth, Visitor, Callable[..., Visitor]], Page]] = {
    "lobby": _lobby,
    "room": _room,
    "help": _help,
    "schedule": _schedule,
    "login": _login,
    "desk": _desk,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_accessible_and_fits_a_phone(
    name: str, hearth: Hearth, visitor: Any, axe_source: str, screenshots: Path
) -> None:
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        person = visitor(viewport=viewport)
        page = PAGES[name](hearth, person, visitor)
        violations = axe_violations(page, axe_source)
        assert not violations, f"{name} at {size}: {violations}"
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {size} scrolls sideways by {overflow}px"
        page.screenshot(path=str(screenshots / f"{name}-{size}.png"))
        page.screenshot(path=str(screenshots / f"{name}-{size}-full.png"), full_page=True)


def test_keyboard_reaches_the_skip_link_and_quick_exit_first_with_visible_focus(
    hearth: Hearth, visitor: Any
) -> None:
    page = visitor(viewport=PHONE).open("/help/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # type: ignore[index]
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    exit_link = page.get_by_role("link", name="Quick exit")
    expect(exit_link).to_be_focused()
    outline = exit_link.evaluate(
        "e => getComputedStyle(e).outlineStyle + ' ' + getComputedStyle(e).outlineWidth"
    )
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline
    skip.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    assert page.url.endswith("/help/")  # an in-page link adds no history entry
