"""normalize(): Unicode folding, invisible characters and whitespace, as stored and shown."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from moderation.normalize import collapse_whitespace, normalize


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hello", "hello"),
        ("  padded  ", "padded"),
        ("many    spaces\tand\t\ttabs", "many spaces and tabs"),
        ("line one\r\nline two", "line one\nline two"),
        ("old mac\rline", "old mac\nline"),
        ("para one\n\n\n\n\npara two", "para one\n\npara two"),
        ("trailing space   \n  leading", "trailing space\nleading"),
        ("u2028\u2028and\u2029u2029", "u2028\nand\nu2029"),
        ("vertical\x0btab\x0cfeed\x85nel", "vertical\ntab\nfeed\nnel"),
        ("nul\x00bell\x07esc\x1bdel\x7f", "nulbellescdel"),
        ("zero\u200bwidth\u200cnon\u200djoiner", "zerowidthnonjoiner"),
        ("\ufeffbom first", "bom first"),
        ("soft\u00adhyphen", "softhyphen"),
        ("bidi \u202eevil\u202c override \u2066iso\u2069", "bidi evil override iso"),
        ("word\u2060joiner", "wordjoiner"),
        ("tag\U000e0041\U000e0042chars", "tagchars"),
        ("\uff2b\uff29\uff2c\uff2c fullwidth", "KILL fullwidth"),
        ("\U0001d424\U0001d422\U0001d425\U0001d425 bold maths", "kill bold maths"),
        ("\ufb01ne ligature", "fine ligature"),
        ("non\u00a0breaking\u2003em\u3000ideographic", "non breaking em ideographic"),
        ("hangul\u3164filler", "hangulfiller"),
        ("braille\u2800blank", "brailleblank"),
        ("\u3164\u200b\u2800", ""),
        ("e\u200b\u0301 composes", "\u00e9 composes"),
        ("caf\u00e9 stays accented", "caf\u00e9 stays accented"),
        ("emoji stay \U0001f49b", "emoji stay \U0001f49b"),
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_collapse_whitespace_keeps_one_blank_line() -> None:
    assert collapse_whitespace("a \n \n \n b") == "a\n\nb"


@given(st.text())
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once) == once


@given(st.text())
def test_normalize_leaves_no_invisible_or_control_characters(text: str) -> None:
    import unicodedata

    out = normalize(text)
    for char in out:
        assert char in "\n" or unicodedata.category(char) not in ("Cc", "Cf", "Cs"), repr(char)
    assert "  " not in out and "\t" not in out and "\n\n\n" not in out
    assert out == out.strip()
