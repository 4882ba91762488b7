"""The moderators' desk in a real browser, with participants' pages open at the same time."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import (
    bodies,
    expect_message,
    join_room,
    open_flag,
    report,
    say,
    sign_in_moderator,
)

pytestmark = [pytest.mark.browser]


def test_the_desk_needs_a_moderator(visitor):
    page = visitor().open("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/\?next=/desk/$"))
    expect(page.get_by_role("heading", name="Moderator sign-in")).to_be_visible()
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "That name and password did not match. Please try again."
    )


def test_reported_message_reaches_the_desk_and_removal_disappears_live(hearth, visitor):
    slug = hearth.room()
    desk = sign_in_moderator(visitor())
    ann, ben = visitor(), visitor(viewport=PHONE)
    a, b = join_room(ann, slug), join_room(ben, slug)
    say(b, "before it")
    say(b, "nobody will ever believe you")
    say(b, "after it")
    message = expect_message(a, "nobody will ever believe you")
    expect_message(a, "after it")

    report(a, message, "This is what my ex used to say")
    # The queue updates live: no reload.
    panel = open_flag(desk, "nobody will ever believe you")
    expect(desk.locator("#flag-title")).to_have_text(re.compile(r"^Reported in Test room"))
    expect(panel.locator("#flag-reports")).to_have_text("This is what my ex used to say")
    expect(panel.locator("#flag-context .message__body")).to_have_text(
        ["before it", "nobody will ever believe you", "after it"]
    )

    panel.get_by_label("Remove message").check()
    panel.get_by_label(re.compile(r"^Reason")).fill("Hurtful; against the guidelines")
    panel.get_by_role("button", name="Apply").click()

    for page in (a, b):
        expect(page.locator("#messages .message__body", has_text="nobody will")).to_have_count(0)
        assert bodies(page) == ["before it", "after it"]
    expect(desk.locator("#queue .queue__item", has_text="nobody will")).to_have_count(0)
    row = desk.locator("#audit-rows tr").first
    expect(row).to_contain_text("Removed")
    expect(row).to_contain_text("Hurtful; against the guidelines")
    expect(row).to_contain_text(slug)


def test_warning_and_mute_reach_the_writer_in_words(hearth, visitor):
    slug = hearth.room()
    desk = sign_in_moderator(visitor())
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)

    say(b, "you are overreacting again")
    report(a, expect_message(a, "you are overreacting again"))
    panel = open_flag(desk, "you are overreacting again")
    panel.get_by_label("Warn the writer").check()
    panel.get_by_label(re.compile(r"^Reason")).fill("Please be gentle with each other here.")
    panel.get_by_role("button", name="Apply").click()
    note = b.get_by_role("region", name="A note from the moderators")
    expect(note).to_contain_text("Please be gentle with each other here.")
    expect(a.get_by_role("region", name="A note from the moderators")).to_have_count(0)

    say(b, "whatever")
    report(a, expect_message(a, "whatever"))
    panel = open_flag(desk, "whatever")
    panel.get_by_label("Mute the writer").check()
    minutes = panel.get_by_label("For how many minutes")
    expect(minutes).to_be_visible()
    minutes.fill("30")
    panel.get_by_role("button", name="Apply").click()
    expect(b.get_by_role("region", name="Your messages are paused")).to_contain_text("30 minutes")

    say(b, "can I still write?")
    expect(b.locator("#composer-error")).to_have_text(
        re.compile(r"^A moderator paused your messages\. You can write again in \d+ minutes?\.$")
    )
    expect(b.get_by_role("textbox", name="Your message", exact=True)).to_have_value(
        "can I still write?"
    )
    assert "can I still write?" not in bodies(a)
    expect(desk.locator("#audit-rows tr").first).to_contain_text("Muted")


def test_held_message_is_released_from_the_desk(hearth, visitor):
    slug = hearth.room()
    desk = sign_in_moderator(visitor())
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)
    say(b, "stop being so dramatic")
    held = b.locator("#messages .message--held")
    expect(held).to_contain_text("Only you can see this")
    a.wait_for_timeout(300)
    assert bodies(a) == []

    panel = open_flag(desk, "stop being so dramatic")
    expect(desk.locator("#flag-title")).to_have_text(re.compile(r"^Held in Test room"))
    panel.get_by_label("Release (show it)").check()
    panel.get_by_role("button", name="Apply").click()
    expect_message(a, "stop being so dramatic")
    expect(desk.locator("#audit-rows tr").first).to_contain_text("Released")
