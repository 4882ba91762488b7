"""What keeps people safe in a room: crisis resources, held messages, blocks, the Help page."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import bodies, expect_message, join_room, say

pytestmark = [pytest.mark.browser]


def test_crisis_message_brings_resources_to_its_author_only(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(viewport=PHONE), visitor()
    # Ann chose her region on the Help page; the room passes it to the server (?region=).
    help_page = ann.open("/help/")
    help_page.get_by_label("Your region").select_option("GB")
    expect(help_page.locator(".resources")).to_have_attribute("data-country", "GB")
    a, b = join_room(ann, slug), join_room(ben, slug)

    say(a, "I want to die")
    panel = a.get_by_role("region", name="Only you can see this")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("heading", name="Help in United Kingdom")).to_be_visible()
    call = panel.get_by_role("link", name="Call 116 123")
    expect(call).to_have_attribute("href", "tel:116123")
    expect(panel.get_by_role("link", name="Call 999").first).to_have_attribute("href", "tel:999")
    expect(panel.get_by_role("link", name="Text SHOUT to 85258")).to_have_attribute(
        "href", "sms:85258?&body=SHOUT"
    )
    # The message itself still reaches the room; the resources do not.
    expect_message(b, "I want to die")
    b.wait_for_timeout(300)
    expect(b.locator("#private .private-panel")).to_have_count(0)
    assert "Samaritans" not in b.locator("body").inner_text()

    panel.get_by_role("button", name="Close").click()
    expect(panel).to_have_count(0)
    expect(a.get_by_role("textbox", name="Your message", exact=True)).to_be_focused()


def test_message_with_a_phone_number_is_held_explained_and_can_be_resent(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)

    say(a, "my number is 07700 900123")
    held = a.locator("#messages .message--held")
    expect(held).to_have_count(1)
    expect(held).to_contain_text("Only you can see this")
    expect(held.locator(".held-note")).not_to_be_empty()
    expect(held.locator(".message__body")).to_have_text("my number is 07700 900123")
    expect(a.locator("#messages .message--pending")).to_have_count(0)

    held.get_by_role("button", name="Edit and resend").click()
    box = a.get_by_role("textbox", name="Your message", exact=True)
    expect(box).to_be_focused()
    expect(box).to_have_value("my number is 07700 900123")
    expect(held).to_have_count(0)
    box.fill("you can find me here in the room instead")
    a.get_by_role("button", name="Send", exact=True).click()
    expect_message(b, "you can find me here in the room instead")
    assert bodies(b) == ["you can find me here in the room instead"]


def test_a_blocked_persons_messages_stop_showing(hearth, visitor):
    slug = hearth.room()
    ann, ben, cat = visitor(), visitor(), visitor()
    sent: list[dict] = []  # Ann's frames: the block must name the message its menu was on
    ann.page.on(
        "websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(json.loads(payload)))
    )
    a, b, c = join_room(ann, slug), join_room(ben, slug), join_room(cat, slug)
    say(b, "you always overreact")
    message = expect_message(a, "you always overreact")
    alias = message.get_attribute("data-alias")
    seq = int(message.get_attribute("data-seq") or 0)
    assert alias and seq

    person = message.get_by_role("button", name=f"{alias}: options for this person")
    person.click()
    expect(person).to_have_attribute("aria-expanded", "true")
    a.get_by_role("button", name=f"Block {alias}").click()
    a.get_by_role("form", name=f"Block {alias}").get_by_role(
        "button", name=f"Block {alias}"
    ).click()
    expect(a.locator(f'#messages .message[data-alias="{alias}"]')).to_have_count(0)
    blocked = a.get_by_role("region", name="People you blocked")
    expect(blocked).to_contain_text(alias)
    assert {"type": "block", "seq": seq} in sent

    say(b, "answer me")
    say(c, "I'm here with you")
    expect_message(c, "answer me")
    expect_message(a, "I'm here with you")
    assert "answer me" not in bodies(a)
    assert bodies(a) == ["I'm here with you"]

    # Unblocking works from the list; new messages show again.
    blocked.get_by_role("button", name=f"Unblock {alias}").click()
    expect(blocked).to_be_hidden()
    assert {"type": "unblock", "seq": seq} in sent
    say(b, "sorry")
    expect_message(a, "sorry")


def test_menus_work_from_the_keyboard(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)
    say(b, "a message to open a menu on")
    message = expect_message(a, "a message to open a menu on")
    options = message.locator(".message__options")
    options.focus()
    a.keyboard.press("Enter")
    item = a.get_by_role("button", name="Report this message")
    expect(item).to_be_focused()
    a.keyboard.press("Escape")
    expect(item).to_have_count(0)
    expect(options).to_be_focused()
    expect(options).to_have_attribute("aria-expanded", "false")
    a.keyboard.press("Enter")
    a.keyboard.press("Enter")
    reason = a.get_by_label("What is wrong? (optional; only moderators read this)")
    expect(reason).to_be_focused()
    reason.fill("This felt aimed at me")
    a.keyboard.press("Tab")
    a.keyboard.press("Enter")
    expect(message.locator("[data-report-status]")).to_have_text(
        "Reported. Thank you. A moderator will look at it, and nobody will know it was you."
    )


def test_help_page_defaults_to_the_browsers_region_and_links_work_on_a_phone(visitor):
    person = visitor(viewport=PHONE, locale="en-US")
    page = person.open("/help/")
    expect(page.get_by_label("Your region")).to_have_value("US")
    expect(page.locator(".resources")).to_have_attribute("data-country", "US")
    links = page.locator(".resources a")
    hrefs = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert any(h.startswith("tel:") for h in hrefs)
    assert any(h.startswith("sms:") for h in hrefs)
    for href in hrefs:
        assert href.startswith(("tel:", "sms:", "https://", "/")), href
        if href.startswith("tel:"):
            assert href[4:].lstrip("+").isdigit(), href

    page.get_by_label("Your region").select_option("IE")
    expect(page.locator(".resources")).to_have_attribute("data-country", "IE")
    # The choice is kept on this device, and wins over the browser's language next time.
    page = person.open("/help/")
    expect(page.get_by_label("Your region")).to_have_value("IE")
    expect(page.locator(".resources")).to_have_attribute("data-country", "IE")
