"""review()'s shortcuts give exactly what the work they skip would give.

To be fast (docs/moderation.md, "Speed"), the moderation step skips work that cannot change
its answer: a chunk-by-chunk skeleton when no letter-spaced run is possible, phrase regexes
whose required words are missing, personal-detail detectors whose trigger characters or
words are missing. Each test runs a shortcut beside the full work, on the labelled set, the
long ordinary posts and Hypothesis text, so a shortcut that drifts from it fails.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import moderation.classify as classify_module
import moderation.pii as pii_module
import moderation.pii_names as names_module
import moderation.review as review_module
from moderation.evaluation import DEFAULT_PATH, load_examples
from moderation.normalize import collapse_whitespace, normalize
from moderation.review import review
from moderation.sanitize import sanitize
from moderation.skeleton import slow_view, view

_CRAFTED = [
    "k i l l m y s e l f",
    "i a m going to k.i.l.l myself",
    "u r a loser",
    "a b c d e",
    "I a I a I",
    "i want to d i e",
    "k-y-s",
    "$uicide is on my m1nd, I w4nt to d!e",
    "my number is 07700 900123, text me",
    "call me on oh seven seven double oh nine triple one two three",
    "my name is Jane Smith and my ex is John Carter from Leeds",
    "my ex is Tomasz Nowak",
    "MY EX IS John Smith",
    "my ex isJohn Smith",
    "Try Healing from Hidden Abuse by Shannon Thomas",
    "my surname is okafor",
    "his last name is Brown",
    "email me at jane dot doe at gmail dot com or jane(at)gmail.com",
    "add me on snap its lilbee_22, or insta: quiet.heron",
    "https://instagram.com/someone and @QuietHeron and @someone_else",
    "find me at instagram.com/quiet.heron",
    "we live at 42 Elm Street, M14 5RT, NY 10001",
    "he is outside my door right now",
    "O\u2019Brien Smith is my ex\u2019s name",
    "Caf\u00e9 R\u00e9sum\u00e9 is where my ex Jos\u00e9 Garc\u00eda works",
    ".",
    "- . !",
    "i",
]


def _texts() -> list[str]:
    path = DEFAULT_PATH.parent / "ordinary_200.jsonl"
    ordinary = [json.loads(line)["text"] for line in path.read_text("utf-8").splitlines() if line]
    return [example.text for example in load_examples()] + ordinary + _CRAFTED


TEXTS = _texts()
_words = sorted({word for text in TEXTS for word in text.split()})
# Text that exercises every shortcut: corpus words in new orders, single letters and leet
# characters (spaced runs), digits and "@#/" (personal details), capitals (names).
_chatty = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from(list("aeiklmsyAKIJS '.,!?-*@#/$|0123456789\n")), max_size=60),
    st.lists(st.sampled_from(_words), max_size=30).map(" ".join),
    st.lists(
        st.sampled_from(_words + list("iakldyes") + ["k.", "I", "oh", "seven", "Smith"]),
        max_size=20,
    ).map(" ".join),
)


def _body(text: str) -> str:
    return sanitize(normalize(text))


def _assert_view_matches(text: str) -> None:
    body = _body(text)
    expected = slow_view(body)
    assert view(body) == expected  # the first call may fill the chunk caches
    assert view(body) == expected  # and the second takes the shortcut when it can


def test_view_matches_the_chunk_by_chunk_build_on_the_corpus() -> None:
    for text in TEXTS:
        _assert_view_matches(text)


@given(_chatty)
def test_view_matches_the_chunk_by_chunk_build(text: str) -> None:
    _assert_view_matches(text)


def _all_phrases_with_their_words(keys: frozenset[str]) -> list[int]:
    return [
        index
        for index, phrase in enumerate(classify_module._ALL.phrases)
        if all(not required.isdisjoint(keys) for required in phrase.requirements)
    ]


def _assert_candidates_are_complete(text: str) -> None:
    text_view = view(_body(text))
    keys = classify_module._INDEX.keys(text_view.word_set)
    candidates = classify_module._ALL.candidates(keys)
    assert sorted(candidates) == _all_phrases_with_their_words(keys)
    # Every phrase that matches at all is a candidate: the anchors never hide a match.
    phrases = classify_module._ALL
    matching = {
        index
        for index in range(len(phrases.phrases))
        if phrases.regex(index).search(text_view.canonical)
    }
    assert matching <= set(candidates), [phrases.phrases[i].source for i in matching]


def test_candidates_hold_every_matching_phrase_on_the_corpus() -> None:
    for text in TEXTS:
        _assert_candidates_are_complete(text)


@settings(max_examples=60)
@given(_chatty)
def test_candidates_hold_every_matching_phrase(text: str) -> None:
    _assert_candidates_are_complete(text)


@given(_chatty)
def test_word_start_keys_are_complete(text: str) -> None:
    words = view(_body(text)).word_set
    index = classify_module._INDEX
    keys = index.keys(words)
    assert words <= keys
    for word in words:
        for prefix in index._prefixes:
            if word.startswith(prefix):
                assert "p:" + prefix in keys


@given(
    st.one_of(
        st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
        st.text(alphabet=st.sampled_from(list("ab  .")), max_size=20),
    )
)
def test_printable_ascii_needs_only_spaces_tidied(text: str) -> None:
    assert normalize(text) == collapse_whitespace(text)


_pair_parts = [
    "Ab",
    "ab",
    "A",
    "B",
    "b",
    "'",
    "-",
    "\u2019",
    " ",
    "  ",
    "\t",
    "\n",
    ".",
    "\u00c9",
    "\u3000",
]


@pytest.mark.parametrize(
    "text",
    ["Jane Smith", "Jane  Smith", "Jane\tSmith", "Jane\nSmith", "JANE SMITH", "Jane smith",
     "jane Smith", "I Am", "A Bc", "Ab C", "McDonald Smith", "O'Brien-Jones Smith", "x.Ab Cd",
     "Ab \u3000Cd", "Ab\u3000Cd", "\u00c9mile Zola", "Ab \u00c9mile", ""],
)  # fmt: skip
def test_capitalised_pair_shape_agrees_with_the_regex_on_examples(text: str) -> None:
    expected = names_module._CAPITALISED_PAIR.search(text) is not None
    assert names_module._has_capitalised_pair(text) == expected


@given(st.lists(st.sampled_from(_pair_parts), max_size=12).map("".join))
def test_capitalised_pair_shape_agrees_with_the_regex(text: str) -> None:
    expected = names_module._CAPITALISED_PAIR.search(text) is not None
    assert names_module._has_capitalised_pair(text) == expected


_number_words = ["one", "two", "oh", "double", "triple", "seven", "phone", "someone", ","]


@pytest.mark.parametrize(
    "text",
    [
        "one two three four five six seven",
        "oh seven seven double oh nine one",
        "zero, one, two, three, four, five, six",
    ],
)
def test_seven_spoken_digits_are_seven_number_words(text: str) -> None:
    assert pii_module._SPOKEN_NUMBER.search(text)
    assert pii_module._seven_number_words(text)
    assert not pii_module._seven_number_words(text.rsplit(" ", 1)[0])


@given(st.lists(st.sampled_from(_number_words), max_size=14).map(" ".join))
def test_spoken_numbers_need_seven_number_words(text: str) -> None:
    if pii_module._SPOKEN_NUMBER.search(text):
        assert pii_module._seven_number_words(text)


@pytest.mark.parametrize(
    "text", ["my surname is okafor", "last name is brown", "our family name : nowak"]
)
def test_surname_examples_mention_a_surname(text: str) -> None:
    assert names_module._SURNAME.search(text)
    assert names_module._mentions_surname(text)


@given(st.text(alphabet=st.sampled_from(list("surnamelstfiy :")), max_size=30))
def test_surnames_need_a_surname_word(text: str) -> None:
    if names_module._SURNAME.search(text):
        assert names_module._mentions_surname(text)


class _AlwaysFound:
    """Stands in for a gate regex: every text has the marks."""

    def search(self, text: str) -> str:
        return text


def _review_without_shortcuts(texts: list[str]) -> list[object]:
    """review() doing all the work: every shortcut replaced by what it stands for."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(review_module, "view", slow_view)
        patch.setattr(classify_module._ALL, "candidates", _all_phrases_with_their_words)
        patch.setattr(pii_module, "_MARKS", _AlwaysFound())
        patch.setattr(pii_module, "_seven_number_words", lambda lower: True)
        patch.setattr(names_module, "_has_capitalised_pair", lambda body: True)
        patch.setattr(names_module, "_mentions_surname", lambda lower: True)
        return [review(text) for text in texts]


def test_decisions_do_not_depend_on_the_shortcuts_on_the_corpus() -> None:
    fast = [review(text) for text in TEXTS]
    slow = _review_without_shortcuts(TEXTS)
    assert [(text, f, s) for text, f, s in zip(TEXTS, fast, slow, strict=True) if f != s] == []


@settings(max_examples=60)
@given(_chatty)
def test_decisions_do_not_depend_on_the_shortcuts(text: str) -> None:
    assert review(text) == _review_without_shortcuts([text])[0]


def _assert_pii_without_marks_or_gate_words_is_spelled_email_only(text: str) -> None:
    text_view = view(_body(text))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pii_module, "_MARKS", _AlwaysFound())  # never takes the early return
        expected = pii_module.find_pii(text_view)
    assert pii_module.find_pii(text_view) == expected


def test_pii_early_return_changes_nothing_on_the_corpus() -> None:
    for text in TEXTS:
        _assert_pii_without_marks_or_gate_words_is_spelled_email_only(text)


@settings(max_examples=60)
@given(
    st.one_of(
        _chatty,
        st.lists(
            st.sampled_from([*_words, "dot", "com", "at", "(at)", "gmail", "jane", "uk"]),
            max_size=12,
        ).map(" ".join),
    )
)
def test_pii_early_return_changes_nothing(text: str) -> None:
    _assert_pii_without_marks_or_gate_words_is_spelled_email_only(text)
