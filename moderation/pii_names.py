"""Full names given as identification: "my name is Jane Smith", "my ex is John Carter".

Owns: the name part of pii detection. A name counts only after an introduction
(lexicons/pii_name_intros.txt): "strong" ones say outright that a name follows ("my name
is", "his name is", "is called"), "surname" ones take one word ("my surname is Okafor"), and
plain ones ("I'm", "my ex is", "my husband") need a known first name
(lexicons/pii_first_names.txt) or, after "... is", two capitalised words. Two words are needed
(a first name alone is fine to share), neither an ordinary word (lexicons/common_words.txt)
nor a title ("Dr Patel").

Must not: return the name itself, or look for other kinds of detail (pii.py does).
"""

from __future__ import annotations

import re
from collections.abc import Set

from moderation.datafiles import read_entries
from moderation.skeleton import TextView

__all__ = ["NAME_WORDS", "has_full_name"]


def _words(name: str) -> frozenset[str]:
    return frozenset(entry.lower() for _, entry in read_entries(name))


_COMMON = _words("common_words.txt")
_FIRST_NAMES = _words("pii_first_names.txt")
_TITLES = frozenset({
    "dr", "doctor", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "lord",
    "lady", "officer", "pc", "detective", "sergeant", "nurse", "judge", "father", "sister",
    "brother", "saint", "st"
})  # fmt: skip


def _intros() -> dict[str, list[tuple[str, str]]]:
    """Name intros keyed by their last word: (phrase, kind) with kind strong/surname/weak."""
    by_last: dict[str, list[tuple[str, str]]] = {}
    for _, entry in read_entries("pii_name_intros.txt"):
        kind, sep, phrase = entry.partition(": ")
        if not sep:
            kind, phrase = "weak", entry
        phrase = " ".join(phrase.lower().split())
        by_last.setdefault(phrase.rsplit(" ", 1)[-1], []).append((phrase, kind))
    return by_last


_INTROS_BY_LAST = _intros()


def _intro_before(body: str, start: int) -> tuple[str, str] | None:
    """The name intro that ends just before ``start`` ("my name is "), as (phrase, kind)."""
    window = body[max(0, start - 40) : start].lower().replace("\u2019", "'").rstrip(" ,:-\t\n")
    window = " ".join(window.split())
    last = window.rsplit(" ", 1)[-1]
    for phrase, kind in _INTROS_BY_LAST.get(last, ()):
        if window == phrase or window.endswith(" " + phrase):
            return phrase, kind
    return None


_STRONG_WORDS = frozenset(
    {"name", "names", "called", "surname", "maiden", "google", "goes", "search", "look"}
)
_RELATION_WORDS = frozenset(
    {"ex", "husband", "wife", "partner", "boyfriend", "girlfriend", "abuser", "stepdad",
     "stepfather", "dad", "father", "mum", "mom", "mother", "fiance", "fiancee"}
)  # fmt: skip
# Two capitalised words, or a known first name followed by a word: where a full name can start.
_CAPITALISED_PAIR = re.compile(r"[A-Z][a-z'\u2019\-]+(?:\s+[A-Z][a-z'\u2019\-]+)+")
_NAME_WORDS = re.compile(
    r"([A-Za-z][A-Za-z'\u2019\-]+)(?:\s+([A-Za-z][A-Za-z'\u2019\-]+))?(?:\s+([A-Za-z][A-Za-z'\u2019\-]+))?"
)


def _namey(word: str) -> bool:
    lower = word.lower()
    return len(word) >= 2 and lower not in _COMMON and lower not in _TITLES


def _is_full_name(kind: str, intro: str, words: list[str]) -> bool:
    first, second = words[0], words[1] if len(words) > 1 else None
    if kind == "surname":
        return _namey(first)
    if second is None or not (_namey(first) and _namey(second)):
        return False
    known_first = first.lower() in _FIRST_NAMES
    both_capitalised = first[0].isupper() and second[0].isupper()
    same_case = both_capitalised or (first.islower() and second.islower())
    if kind == "strong":
        return both_capitalised or known_first or same_case
    if known_first and same_case:
        return True
    # "my ex is Tomasz Nowak": a relation named outright, in capitals, is a name too.
    return both_capitalised and intro.lower().split()[-1] == "is"


# _CAPITALISED_PAIR's shape, for a fast test on ASCII text: bytes.translate maps every
# character to its class in that regex (U: [A-Z], l: [a-z'-], space: \s, x: anything else),
# and a regex with a literal first character (which Python's re finds quickly) looks for a
# capitalised word, spaces and another capitalised word in the classes.
_SHAPE_TABLE = bytes(
    ord("U") if "A" <= char <= "Z" else ord("l") if char in "abcdefghijklmnopqrstuvwxyz'-"
    else ord(" ") if char.isspace() else ord("x")
    for char in map(chr, range(256))
)  # fmt: skip
_CAPITALISED_PAIR_SHAPE = re.compile(rb"Ul+ +Ul")


def _has_capitalised_pair(body: str) -> bool:
    """Whether _CAPITALISED_PAIR matches anywhere in body (without its slow scan, mostly)."""
    if body.isascii():
        shape = body.encode("ascii").translate(_SHAPE_TABLE)
        return _CAPITALISED_PAIR_SHAPE.search(shape) is not None
    return _CAPITALISED_PAIR.search(body) is not None


# What can follow a full name to say who it is: "is my ex", ", my husband", "(my abuser)",
# "is his real name".
_TWO_WORDS = re.compile(r"[A-Za-z][A-Za-z'\u2019\-]+\s+[A-Za-z][A-Za-z'\u2019\-]+")
_INTRO_AFTER = re.compile(
    r"\s*[,(\-\u2013\u2014:]?\s*(?:(?:is|was|=)\s+)?(?:my|our)\s+(?:ex[\s\-]?)?"
    rf"(?:{'|'.join(sorted(_RELATION_WORDS, key=len, reverse=True))}|stalker)\b"
    r"|\s+(?:is|was)\s+(?:his|her|their|my)\s+(?:full\s+|real\s+)?name\b",
    re.IGNORECASE,
)
# Or where they are from: "Craig Dunmore from Sheffield" (a capitalised place).
_PLACE_AFTER = re.compile(r"\s+(?:from|in|of)\s+[A-Z][a-z]{2,}")
_MAX_NAME_STARTS = 32  # a message with more capitalised pairs is not introducing someone


def _name_starts(view: TextView, first_names: Set[str]) -> list[int]:
    starts = [match.start() for match in _CAPITALISED_PAIR.finditer(view.body)]
    for name in first_names:
        starts.extend(m.start() for m in re.finditer(rf"\b{re.escape(name)}\b", view.lower))
    return sorted(set(starts))[:_MAX_NAME_STARTS]


# A message with none of these words gives no name (see has_full_name).
NAME_WORDS = _FIRST_NAMES | _STRONG_WORDS | _RELATION_WORDS


def has_full_name(view: TextView) -> bool:
    """Whether the message gives a full name (or a surname) after an introduction."""
    words = view.word_set
    first_names = _FIRST_NAMES & words
    if not first_names and _STRONG_WORDS.isdisjoint(words) and _RELATION_WORDS.isdisjoint(words):
        return False
    body = view.body
    # Without a known first name, a name can only start at a capitalised pair (usually none).
    starts = _name_starts(view, first_names) if first_names or _has_capitalised_pair(body) else []
    for start in starts:
        following = _NAME_WORDS.match(body, start)
        if following is None:
            continue
        name = [w for w in following.groups() if w]
        intro = _intro_before(body, start)
        if intro is not None and _is_full_name(intro[1], intro[0], name):
            return True
        # "Daniel Okafor is my ex", "Jane Smith, my abuser": the introduction comes after.
        pair = _TWO_WORDS.match(body, start)
        if (
            pair
            and (_INTRO_AFTER.match(body, pair.end()) or _PLACE_AFTER.match(body, pair.end()))
            and _is_full_name("weak", "is", name)
        ):
            return True
    # "my surname is okafor": one word after a surname intro, in any case.
    lower = view.lower
    if ("surname" in words or "last" in words or "family" in words) and _mentions_surname(lower):
        for match in _SURNAME.finditer(lower):
            if _namey(match.group(1)):
                return True
    return False


def _mentions_surname(lower: str) -> bool:
    """Whether the text holds what _SURNAME starts with (three fast scans; the regex is slow)."""
    return "surname" in lower or "last name" in lower or "family name" in lower


_SURNAME = re.compile(
    r"\b(?:surname|last name|family name)(?:\s+is\s+|\s*:\s*)([a-z][a-z'\u2019\-]+)"
)
