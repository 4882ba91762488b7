"""The room page in a real browser: conversation, presence, resume, reconnect, composer, XSS."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import bodies, expect_message, join_room, say, seqs

pytestmark = [pytest.mark.browser]


def test_two_people_exchange_messages_and_agree_on_presence(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(), visitor(viewport=PHONE)
    a = join_room(ann, slug)
    expect(a.locator("#presence")).to_have_text("1 person here")
    b = join_room(ben, slug)
    expect(a.locator("#presence")).to_have_text("2 people here")
    expect(b.locator("#presence")).to_have_text("2 people here")

    say(a, "Is anyone awake?")
    say(b, "I am. Day 12 of no contact.")
    say(a, "That is huge. Well done.")
    for page in (a, b):
        for text in ("Is anyone awake?", "I am. Day 12 of no contact.", "That is huge. Well done."):
            expect_message(page, text)
        expect(page.locator("#messages .message--pending")).to_have_count(0)
        assert bodies(page) == [
            "Is anyone awake?",
            "I am. Day 12 of no contact.",
            "That is huge. Well done.",
        ]
        assert seqs(page) == [1, 2, 3]
    # Your own messages are marked as yours, in words and not only by colour.
    mine = a.locator("#messages .message--mine")
    expect(mine).to_have_count(2)
    expect(mine.first.locator(".message__you")).to_have_text("(you)")
    expect(b.locator("#messages .message--mine .message__body")).to_have_text(
        ["I am. Day 12 of no contact."]
    )
    # The list is a polite live region that announces additions only.
    log = a.locator("#log")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-relevant", "additions")
    expect(log).to_have_attribute("aria-busy", "false")

    ben.context.close()
    expect(a.locator("#presence")).to_have_text("1 person here")


def test_messages_missed_while_offline_arrive_once_and_in_order(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)
    say(b, "before the tunnel")
    expect_message(a, "before the tunnel")

    ann.context.set_offline(True)
    expect(a.locator("#connection")).to_have_attribute("data-state", "offline")
    expect(a.locator("#connection")).to_contain_text("Reconnecting when you are back")
    missed = [f"missed {n}" for n in range(1, 6)]
    for text in missed:
        say(b, text)
    expect_message(b, missed[-1])
    # Written while offline: waits in the outbox, shown as sending.
    say(a, "written in the tunnel")
    expect(a.locator("#messages .message--pending .message__state")).to_have_text("Sending…")
    a.wait_for_timeout(300)
    assert "missed 1" not in bodies(a)

    ann.context.set_offline(False)
    expect(a.locator("#connection")).to_have_attribute("data-state", "open")
    expect_message(a, "written in the tunnel")
    expect_message(b, "written in the tunnel")
    expected = ["before the tunnel", *missed, "written in the tunnel"]
    for page in (a, b):
        expect(page.locator("#messages .message--pending")).to_have_count(0)
        assert bodies(page) == expected
        assert seqs(page) == list(range(1, len(expected) + 1))


def test_server_restart_shows_reconnecting_and_loses_nothing(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)
    say(a, "just before the restart")
    expect_message(b, "just before the restart")

    hearth.stop()
    try:
        for page in (a, b):
            expect(page.locator("#connection")).to_have_attribute("data-state", "reconnecting")
            expect(page.locator("#connection")).to_have_text("Reconnecting…")
        say(a, "sent while the server was away")
        expect(a.locator("#messages .message--pending")).to_have_count(1)
    finally:
        hearth.start()

    for page in (a, b):
        expect(page.locator("#connection")).to_have_attribute("data-state", "open", timeout=20_000)
        expect_message(page, "sent while the server was away")
        assert bodies(page) == ["just before the restart", "sent while the server was away"]
        assert seqs(page) == [1, 2]
    expect(a.locator("#presence")).to_have_text("2 people here")


def test_reload_shows_the_same_conversation_once(hearth, visitor):
    slug = hearth.room()
    ann = visitor()
    a = join_room(ann, slug)
    for text in ("one", "two", "three"):
        say(a, text)
    expect_message(a, "three")
    a.reload()
    expect(a.locator("#connection")).to_have_attribute("data-state", "open")
    expect_message(a, "three")
    assert bodies(a) == ["one", "two", "three"]
    # Accepted guidelines are remembered on this device.
    expect(a.locator("#composer")).to_be_visible()
    expect(a.locator("#guidelines")).to_be_hidden()


def test_guidelines_come_before_the_first_message(hearth, visitor):
    page = join_room(visitor(), hearth.room(), accept=False)
    expect(page.get_by_role("heading", name="Before you write")).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message", exact=True)).to_be_hidden()
    page.get_by_role("button", name="I'll follow these").click()
    expect(page.get_by_role("textbox", name="Your message", exact=True)).to_be_focused()


def test_composer_counts_characters_and_explains_refusals(hearth, visitor):
    page = join_room(visitor(), hearth.room())
    box = page.get_by_role("textbox", name="Your message", exact=True)
    box.fill("héllo 👋")
    expect(page.locator("#composer-counter")).to_have_text("7 / 2000")
    box.fill("x" * 2003)
    expect(page.locator("#composer-counter")).to_have_text("2003 / 2000 (3 too many)")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#composer-error")).to_have_text(
        "Messages can be up to 2000 characters; this one has 2003."
    )
    assert bodies(page) == []
    box.fill("   ")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#composer-error")).to_have_text(
        "That message is empty. Write something before sending."
    )
    # The server's own refusal, in its words: markup only is empty once sanitized.
    box.fill("<b></b>")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#composer-error")).to_have_text(
        "That message is empty. Write something before sending."
    )
    expect(page.locator("#messages .message--pending")).to_have_count(0)
    # Enter sends; Shift+Enter is a new line.
    box.fill("")
    box.type("first line")
    box.press("Shift+Enter")
    box.type("second line")
    box.press("Enter")
    expect_message(page, "first line\nsecond line")


XSS_PAYLOADS = [
    '<img src=x onerror="window.__xss=1">hello',
    "<script>window.__xss=2</script>after",
    '"><svg/onload=window.__xss=3> &lt;b&gt;not bold&lt;/b&gt;',
    "x < img src=x onerror=window.__xss=4> javascript:window.__xss=5 {{7*7}} ${7*7}",
]


def test_xss_payloads_from_the_server_render_as_text(hearth, visitor):
    slug = hearth.room()
    ann, ben = visitor(), visitor()
    a, b = join_room(ann, slug), join_room(ben, slug)
    for payload in XSS_PAYLOADS:
        say(a, payload)
    expect(b.locator("#messages .message[data-seq]")).to_have_count(len(XSS_PAYLOADS))
    for page in (a, b):
        expect(page.locator("#messages .message--pending")).to_have_count(0)
        assert page.evaluate("window.__xss") is None
        assert page.locator("#messages img, #messages script, #messages svg").count() == 0
    shown = bodies(b)
    # What survives the server's sanitizer is shown exactly as text.
    assert shown[2] == '"> &lt;b&gt;not bold&lt;/b&gt;'
    assert shown[3] == XSS_PAYLOADS[3]


def test_a_hostile_frame_renders_as_text_and_runs_nothing(hearth, visitor):
    """Even a server that forwarded markup could not make this page run it."""
    person = visitor()
    page = person.page
    routes = []

    def intercept(ws):  # type: ignore[no-untyped-def]
        ws.connect_to_server()
        routes.append(ws)

    page.route_web_socket(re.compile(r".*/ws/rooms/.*"), intercept)
    join_room(person, hearth.room())
    alias = '<img src=x onerror="window.__xss=6">'
    body = "<script>window.__xss=7</script><b onmouseover=window.__xss=8>hi</b>"
    routes[-1].send(
        json.dumps(
            {
                "type": "message",
                "seq": 900,
                "alias": alias,
                "body": body,
                "sent_at": "2026-11-25T21:14:03.120Z",
            }
        )
    )
    routes[-1].send(
        json.dumps(
            {
                "type": "resources",
                "reason": "crisis_self",
                "country": "XX",
                "country_name": "<i>Nowhere</i>",
                "emergency": "112<script>",
                "note": None,
                "resources": [
                    {
                        "name": "<b>Line</b>",
                        "phone": "1",
                        "phone_dial": "javascript:window.__xss=9",
                        "sms": None,
                        "sms_body": None,
                        "chat_url": "javascript:window.__xss=10",
                        "url": "data:text/html,<script>window.__xss=11</script>",
                        "hours": "24/7",
                        "categories": ["suicide"],
                    }
                ],
            }
        )
    )
    message = page.locator('#messages .message[data-seq="900"]')
    expect(message.locator(".message__body")).to_have_text(body)
    expect(message.locator(".message__alias")).to_have_text(alias)
    panel = page.locator("#private .private-panel")
    expect(panel).to_contain_text("Help in <i>Nowhere</i>")
    expect(panel.get_by_role("link", name="Call 112<script>")).to_have_attribute("href", "tel:112")
    # Only tel:, sms: and https: links are made; the rest is left out.
    hrefs = panel.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(href.startswith(("tel:", "sms:", "https:", "/")) for href in hrefs), hrefs
    message.locator(".message__body").hover()
    assert page.evaluate("window.__xss") is None
    assert page.locator("#messages img, #messages script, #messages b, #private i").count() == 0
