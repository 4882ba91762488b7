"""The shipped lexicon files: every entry compiles, and the phrase language behaves."""

from __future__ import annotations

import pytest

from moderation.datafiles import LEXICON_DIR, read_entries
from moderation.matching import check_lexicon
from moderation.phrases import PhraseError, compile_phrase
from moderation.skeleton import view

PHRASE_FILES = sorted(
    path.name
    for path in LEXICON_DIR.glob("*.txt")
    if not path.name.startswith("pii_")
    and path.name
    not in {"common_words.txt", "confusables.txt", "contractions.txt", "censored.txt",
            "macros.txt", "insults.txt"}
)  # fmt: skip


@pytest.mark.parametrize("name", PHRASE_FILES)
def test_every_entry_compiles(name: str) -> None:
    assert check_lexicon(name) == []


@pytest.mark.parametrize("name", PHRASE_FILES)
def test_no_duplicate_entries(name: str) -> None:
    entries = [line for _, line in read_entries(name)]
    assert len(entries) == len(set(entries))


def matches(phrase: str, text: str) -> bool:
    import re

    return re.search(compile_phrase(phrase).regex, view(text).canonical) is not None


@pytest.mark.parametrize(
    ("phrase", "text", "expected"),
    [
        ("want to die", "I want to die", True),
        ("want to die", "I want to diet", False),
        ("kill*", "he was killing time", True),
        ("(a|b c) d", "b c d", True),
        ("(a|b c) d", "b d", False),
        ("x [y] z", "x z", True),
        ("x [y] z", "x y z", True),
        ("x ... z", "x one two three z", True),
        ("x ... z", "x one two three four z", False),
        ("x ... z", "x one. z", False),
        ("done $", "i am done.", True),
        ("done $", "i am done, bye", True),
        ("done $", "i am done with it", False),
        # "$" followed by words: the next part starts with them.
        ("done $ bye", "i am done. bye", True),
        ("done $ bye", "i am done, bye", True),
        ("done $ bye", "i am done bye", False),
        ("bye all $ !($ see you)", "bye all. see you soon", False),
        ("bye all $ !($ see you)", "bye all, see you soon", False),
        ("bye all $ !($ see you)", "bye all. sorry", True),
        ("live !(in|with)", "live in leeds", False),
        ("live !(in|with)", "live anymore", True),
        ("took #big pills", "took 30 pills", True),
        ("took #big pills", "took 2 pills", False),
        ("in #year", "in 2015", True),
        ("@me", "us", True),
        ("don't", "dont", True),
        ("i'm", "im", True),
    ],
)
def test_phrase_language(phrase: str, text: str, expected: bool) -> None:
    assert matches(phrase, text) is expected


@pytest.mark.parametrize(
    "bad", ["(a|b", "a)", "[]", "(a|)", "!", "@nosuchmacro", "...?", "end ?", "  "]
)
def test_bad_phrases_are_refused(bad: str) -> None:
    with pytest.raises(PhraseError):
        compile_phrase(bad)


def test_warm_up_compiles_every_regex() -> None:
    from moderation import classify
    from moderation.review import warm_up

    warm_up()
    assert all(regex is not None for regex in classify._ALL._regexes)
