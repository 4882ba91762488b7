"""What a person does on Hearth's pages, as Playwright steps shared by the browser tests."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import MODERATOR, Visitor


def join_room(person: Visitor, slug: str, *, accept: bool = True) -> Page:
    """Open a room page, accept the guidelines and wait until the room is connected."""
    page = person.open(f"/rooms/{slug}/")
    if accept:
        page.get_by_role("button", name="I'll follow these").click()
    expect(page.locator("#connection")).to_have_attribute("data-state", "open")
    return page


def say(page: Page, text: str) -> None:
    box = page.get_by_role("textbox", name="Your message", exact=True)
    box.fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def bodies(page: Page) -> list[str]:
    """The text of every message shown in the list, in order (pending ones included)."""
    return page.locator("#messages .message .message__body").all_text_contents()


def seqs(page: Page) -> list[int]:
    return [
        int(s)
        for s in page.locator("#messages .message[data-seq]").evaluate_all(
            "nodes => nodes.map(n => n.dataset.seq)"
        )
    ]


def expect_message(page: Page, text: str) -> Any:
    message = page.locator("#messages .message[data-seq]").filter(
        has=page.locator(".message__body", has_text=re.compile(f"^{re.escape(text)}$"))
    )
    expect(message).to_have_count(1)
    return message


def sign_in_moderator(person: Visitor) -> Page:
    page = person.open("/desk/")
    expect(page).to_have_url(re.compile(r"/desk/login/"))
    user, password = MODERATOR
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Moderator desk")).to_be_visible()
    expect(page.locator("#desk-live")).to_have_attribute("data-state", "open")
    return page


def axe_violations(page: Page, axe_source: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now.

    page.evaluate runs through the DevTools protocol, which the page's CSP does not govern, so
    axe is injected without weakening the policy under test.
    """
    page.evaluate(axe_source)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map(n => n.target.join(" ")).slice(0, 5),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in {"serious", "critical"}]


def report(page: Page, message: Any, reason: str = "") -> None:
    """Report a message through its menu and wait for the server's acknowledgement."""
    message.locator(".message__options").click()
    page.get_by_role("button", name="Report this message").click()
    form = message.get_by_role("form", name="Report this message")
    form.get_by_role("textbox").fill(reason)
    form.get_by_role("button", name="Send report").click()
    expect(message.locator("[data-report-status]")).to_contain_text("Reported.")


def open_flag(desk: Page, text: str) -> Any:
    """Open the queue's flag whose message contains ``text``; returns the flag panel."""
    item = desk.locator("#queue .queue__item").filter(has_text=text)
    expect(item).to_have_count(1)
    item.click()
    panel = desk.locator("#flag")
    expect(panel.locator("#flag-context .message--flagged")).to_contain_text(text)
    return panel
