"""Watched words: validation the admin form shows, matching, and the strongest action winning."""

from __future__ import annotations

import pytest

from moderation.decision import Action
from moderation.normalize import normalize
from moderation.watched import WatchedEntry, compile_watched, validate_pattern


def rules(*entries: tuple[str, bool, Action]):  # type: ignore[no-untyped-def]
    return compile_watched(WatchedEntry(p, r, a) for p, r, a in entries)


@pytest.mark.parametrize(
    ("pattern", "is_regex", "problem"),
    [
        ("idiot", False, None),
        ("go away", False, None),
        (r"\bfree\s+money\b", True, None),
        ("", False, "Enter a word or a pattern."),
        ("   ", True, "Enter a word or a pattern."),
        ("!!!", False, "A watched word needs at least one letter or digit."),
        ("x" * 201, False, "Keep it to 200 characters or fewer."),
        ("(unclosed", True, "This is not a valid regular expression"),
        ("a|", True, "This pattern matches an empty message"),
        (".*", True, "This pattern matches an empty message"),
        ("(a+)+b", True, "This pattern repeats a part that itself repeats"),
        (r"(\w+\s?)*end", True, "This pattern repeats a part that itself repeats"),
        ("(a|aa)+b", True, "This pattern repeats a part that itself repeats"),
        ("(?:cat|dog)s?", True, None),
        ("x(?=(a+)+)", True, "This pattern repeats a part that itself repeats"),
        ("(?i)word", True, "Flags such as (?i) are not needed"),
        ("a{2,5}b", True, None),
    ],
)
def test_validate_pattern(pattern: str, is_regex: bool, problem: str | None) -> None:
    got = validate_pattern(pattern, is_regex)
    if problem is None:
        assert got is None
    else:
        assert got is not None and got.startswith(problem)


def test_plain_words_match_whole_words_through_obfuscation() -> None:
    watched = rules(("idiot", False, Action.HOLD))
    for text in ["you IDIOT", "1d10t", "\u0456d\u0456\u043et", "i d i o t", "idiooooot!"]:
        assert watched.match(normalize(text)) is Action.HOLD, text
    for text in ["idiotic plan", "an idiom", "ideas"]:
        assert watched.match(normalize(text)) is None, text


def test_plain_words_do_not_merge_doubled_letters() -> None:
    watched = rules(("ass", False, Action.BLOCK))
    assert watched.match("as if") is None
    assert watched.match("what an asssss") is Action.BLOCK


def test_multi_word_entries_match_as_a_phrase() -> None:
    watched = rules(("go away", False, Action.HOLD))
    assert watched.match("just go away") is Action.HOLD
    assert watched.match("go far away") is None


def test_regex_entries_match_text_and_skeleton() -> None:
    watched = rules((r"\bcrypto\w*", True, Action.BLOCK))
    assert watched.match("buy CRYPTOcoins now") is Action.BLOCK
    assert watched.match("cr\u0443pto") is Action.BLOCK  # Cyrillic y: only the skeleton matches


def test_strongest_action_wins() -> None:
    watched = rules(
        ("flagme", False, Action.DELIVER),
        ("holdme", False, Action.HOLD),
        ("blockme", False, Action.BLOCK),
    )
    assert watched.match("flagme") is Action.DELIVER
    assert watched.match("flagme holdme") is Action.HOLD
    assert watched.match("holdme blockme flagme") is Action.BLOCK
    assert watched.match("nothing here") is None


def test_bad_entries_are_skipped_not_raised() -> None:
    watched = rules(
        ("(a+)+", True, Action.BLOCK), ("[", True, Action.BLOCK), ("ok", False, Action.HOLD)
    )
    assert [entry.pattern for entry, _ in watched.skipped] == ["(a+)+", "["]
    assert watched.match("aaaa [") is None
    assert watched.match("ok then") is Action.HOLD


def test_empty_rules_are_falsy() -> None:
    assert not compile_watched([])
