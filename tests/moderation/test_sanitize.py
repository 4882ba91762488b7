"""sanitize(): no markup survives; everything else is kept exactly as typed."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import moderation.sanitize as sanitize_module
from moderation.normalize import normalize
from moderation.sanitize import sanitize

_TAG = re.compile(r"<[A-Za-z/!?]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I <3 you & him", "I <3 you & him"),
        ("a < b and c > d", "a < b and c > d"),
        ("<b>bold</b>", "bold"),
        ("<script>alert(1)</script>hi", "alert(1)hi"),
        ("<img src=x onerror=alert(1)>", ""),
        ("before<img src=x onerror=alert(1)>after", "beforeafter"),
        ("<svg onload=alert(1)>x</svg>", "x"),
        ('<a href="javascript:alert(1)">link</a>', "link"),
        ("<iframe src=//evil></iframe>ok", "ok"),
        ("<!-- hidden comment -->shown", "shown"),
        ("<![CDATA[x]]>y", "y"),
        ("<<b>b>", ""),
        ("<scr<script>ipt>alert(1)</script>", "ipt>alert(1)"),
        ("<b><i>nested</i> tags</b>", "nested tags"),
        ("<p>one</p><p>two</p>", "one\ntwo"),
        ("<style>body{display:none}</style>text", "body{display:none}text"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("fish &amp; chips", "fish &amp; chips"),
        ("caf&eacute; &#60;b&#62;", "caf&eacute; &#60;b&#62;"),
        ("<b>&lt;i&gt;</b>", "&lt;i&gt;"),
        ("x <y and z", "x <y and z"),
        ("</3 heartbroken", "</3 heartbroken"),
        ("quotes ' \" stay", "quotes ' \" stay"),
        ("  <b> spaced </b>   out  ", "spaced out"),
    ],
)
def test_sanitize(text: str, expected: str) -> None:
    assert sanitize(normalize(text)) == expected


def test_text_that_cannot_hold_markup_skips_bleach(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(_: str) -> str:
        raise AssertionError("bleach was called")

    monkeypatch.setattr(sanitize_module, "_clean_once", fail)
    assert sanitize("I <3 you & him > anyone") == "I <3 you & him > anyone"


def test_adversarial_nesting_still_leaves_no_tag() -> None:
    out = sanitize("<" * 12 + "b>" * 12 + "x")
    assert not _TAG.search(out)


_markupish = st.text(alphabet=st.sampled_from(list("<>/!?&;ab =\"'3 \n")), max_size=40)


@given(st.one_of(st.text(max_size=60), _markupish))
def test_sanitize_is_a_fixed_point(text: str) -> None:
    once = sanitize(normalize(text))
    assert sanitize(once) == once


@given(st.one_of(st.text(max_size=60), _markupish))
def test_no_element_survives(text: str) -> None:
    out = sanitize(normalize(text))
    # Whatever remains is text to an HTML parser: cleaning it as HTML changes nothing.
    assert html.unescape(sanitize_module._CLEANER.clean(out.replace("&", "&amp;"))) == out


@given(st.text(alphabet=st.characters(blacklist_characters="<"), max_size=80))
def test_fast_path_agrees_with_bleach(text: str) -> None:
    body = normalize(text)
    assert sanitize(body) == body
    assert sanitize_module._clean_once(body) == body
