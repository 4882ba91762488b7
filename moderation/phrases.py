"""Compiling lexicon phrases (phrase_syntax.py) to regexes over a TextView's canonical text.

Owns: turning a parsed entry into a Phrase: its regex (canonical text starts with a space and
every word ends with one, so a phrase regex starts with a literal space, which lets the regex
engine skip ahead), a dense regex for letter-spaced text, and its anchors: for each required
part of the phrase, the set of words (keys) one of which must be in any message it matches.
A key is the word itself, or "p:" + a word start. Alternatives of plain words compile to a
character trie. Matching is matching.py's business.

Must not: know what a list means (classify.py and context.py decide), or read files per message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.phrase_syntax import (
    Node,
    PhraseError,
    _End,
    _Gap,
    _Group,
    _Not,
    _Num,
    _Prefix,
    _Seq,
    _Word,
    parse,
)
from moderation.skeleton import collapse_repeats

__all__ = ["Phrase", "PhraseError", "alternation", "compile_phrase"]

_DIGITS = {"num": "[0-9]+", "big": "[1-9][0-9]+", "year": "(?:19|20)[0-9][0-9]"}

# Words too common to be a good anchor (see _anchor_cost).
_COMMON = frozenset({
    "i", "me", "my", "myself", "you", "your", "he", "she", "they", "them", "him", "her", "his",
    "it", "is", "am", "are", "was", "were", "be", "been", "to", "the", "a", "an", "and", "of",
    "in", "on", "at", "do", "not", "no", "will", "would", "can", "could", "have", "has", "had",
    "that", "this", "so", "just", "all", "get", "got", "go", "going", "want", "feel", "like",
    "with", "for", "if", "what", "when", ",", ":", "."
})  # fmt: skip
# The commonest of them: nearly every post holds one.
_COMMONEST = frozenset({
    "i", "me", "my", "you", "he", "it", "is", "am", "was", "be", "to", "the", "a", "and", "of",
    "in", "do", "not", "that", "for", "have", ",", "."
})  # fmt: skip
# Words most support-room posts of a few sentences still hold one of (see _anchor_cost).
_FREQUENT = frozenset({
    "about", "after", "again", "any", "anymore", "asked", "back", "because", "being", "but", "by",
    "car", "did", "does", "even", "ever", "every", "everyone", "everything", "ex", "found", "from",
    "good", "help", "here", "home", "house", "how", "kids", "know", "last", "leave", "left",
    "life", "made", "make", "more", "much", "never", "new", "nobody", "now", "off", "one", "only",
    "our", "out", "over", "really", "said", "same", "say", "see", "should", "someone", "still",
    "stop", "tell", "than", "then", "there", "think", "thought", "through", "time", "today",
    "told", "tonight", "too", "up", "way", "we", "went", "where", "why", "work"
})  # fmt: skip


# In letter-spaced text a contraction is spelled as it was typed ("h e s b a c k" is "hesback"),
# while a phrase spells it out ("he is back"): in dense patterns these words may be shortened as
# contractions shorten them ("hes", "im", "youre", "dont", "ill", "id", "ive").
_DENSE_CONTRACTED = {
    "is": "i?s",
    "am": "a?m",
    "are": "a?re",
    "not": "no?t",
    "will": "(?:wi)?l",
    "would": "(?:woul)?d",
    "have": "(?:ha)?ve",
    "has": "(?:ha)?s",
}


def _trie(literals: Sequence[str]) -> str:
    """One regex for many literal strings, factored by shared prefixes.

    "he |her |him |my ex |my husband " becomes "(?:h(?:e |er |im )|my (?:ex |husband ))": the
    regex engine then tests one character per branch instead of every alternative in turn,
    which is what makes the @ab-style macros cheap.
    """
    root: dict[str, dict] = {}
    for literal in literals:
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends_here = "" in node
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends_here:
            body = f"(?:{body})?"
        return body

    return emit(root)


def _literal(node: _Seq, *, dense: bool) -> str | None:
    """The text a sequence of plain words matches, or None if it has anything else."""
    if not all(isinstance(item, _Word) for item in node.items):
        return None
    words = [item.text for item in node.items]  # type: ignore[union-attr]
    if dense:
        if any(word in _DENSE_CONTRACTED for word in words):
            return None
        return "".join(collapse_repeats(word) for word in words)
    return "".join(word + " " for word in words)


def _emit(node: Node, *, dense: bool) -> str:
    if isinstance(node, _Word):
        if dense:
            return _DENSE_CONTRACTED.get(node.text) or re.escape(collapse_repeats(node.text))
        return re.escape(node.text) + " "
    if isinstance(node, _Prefix):
        if dense:
            return re.escape(collapse_repeats(node.text)) + "[a-z]{0,6}"
        return re.escape(node.text) + r"\S* "
    if isinstance(node, _Num):
        digits = _DIGITS[node.kind]
        return digits + ("" if dense else " ")
    if isinstance(node, _Gap):
        return "[a-z]{0,16}?" if dense else r"(?:[^\s.]\S* ){0,3}"
    if isinstance(node, _End):
        return "" if dense else r"(?=[.,] )"
    if isinstance(node, _Not):
        return "" if dense else "(?!" + _emit(node.node, dense=False) + ")"
    if isinstance(node, _Seq):
        items = node.items
        return "".join(
            # "$" followed by words: the part ends here and the next part starts with them
            # ("!($ see you)"), so the boundary is consumed instead of only looked at.
            r"[.,] " if isinstance(item, _End) and not dense and _words_follow(items, i)
            else _emit(item, dense=dense)
            for i, item in enumerate(items)
        )  # fmt: skip
    literals, others = [], []
    for alt in node.alts:
        literal = _literal(alt, dense=dense)
        if literal is None:
            others.append(_emit(alt, dense=dense))
        else:
            literals.append(literal)
    branches = ([_trie(literals)] if literals else []) + others
    return "(?:" + "|".join(branches) + ")" + ("?" if node.optional else "")


def _words_follow(items: tuple[Node, ...], index: int) -> bool:
    """Whether something to match (not a "!" or another "$") follows items[index]."""
    return index + 1 < len(items) and not isinstance(items[index + 1], (_Not, _End))


def _anchors(node: Node) -> frozenset[str] | None:
    """Keys of which at least one occurs in every match, or None when there is no such set."""
    if isinstance(node, _Word):
        return frozenset({node.text})
    if isinstance(node, _Prefix):
        return frozenset({"p:" + node.text})
    if isinstance(node, _Group):
        if node.optional:
            return None
        union: set[str] = set()
        for alt in node.alts:
            alt_keys = _anchors(alt)
            if alt_keys is None:
                return None
            union |= alt_keys
        return frozenset(union)
    if isinstance(node, _Seq):
        options = [keys for item in node.items if (keys := _anchors(item)) is not None]
        return min(options, key=_anchor_cost) if options else None
    return None


def _requirements(node: Node) -> list[frozenset[str]]:
    """Anchor sets of every required part of a phrase: each must meet the message's keys."""
    if isinstance(node, _Seq):
        found: list[frozenset[str]] = []
        for item in node.items:
            found.extend(_requirements(item))
        return found
    keys = _anchors(node)
    return [keys] if keys is not None else []


def _anchor_cost(keys: frozenset[str]) -> float:
    """Roughly how likely a message is to hold any of these keys (lower is a better anchor).

    A common word makes a set nearly always present whatever else is in it, so the estimate
    combines per-word chances instead of adding up a score.
    """
    absent = 1.0
    for key in keys:
        if key.startswith("p:"):
            chance = 0.05 if len(key) >= 6 else 0.3
        else:
            if key in _COMMON:
                chance = 0.7 if key in _COMMONEST else 0.4
            else:
                chance = 0.15 if key in _FREQUENT else 0.02
        absent *= 1.0 - chance
    return 1.0 - absent


def _word_count(node: Node) -> int:
    if isinstance(node, _Word | _Prefix):
        return 1
    if isinstance(node, _Seq):
        return sum(_word_count(item) for item in node.items)
    if isinstance(node, _Group):
        return min(_word_count(alt) for alt in node.alts)
    return 0


@dataclass(frozen=True, slots=True)
class Phrase:
    source: str
    regex: str
    dense_regex: str | None
    # Every set must share a key with the message for the phrase to be able to match; the
    # first (rarest) one is the anchor the phrase is indexed under.
    requirements: tuple[frozenset[str], ...]

    @property
    def anchors(self) -> frozenset[str] | None:
        return self.requirements[0] if self.requirements else None


def _without_optional_start(tree: _Seq) -> _Seq:
    """The phrase without optional parts at its start.

    They cannot decide whether the phrase matches, only where the match starts, and a regex
    that must try an optional alternation at every position is several times slower. (The
    words they would cover stay just before the match, where the context rules read them.)
    """
    items = list(tree.items)
    while len(items) > 1 and (
        isinstance(items[0], _Gap) or (isinstance(items[0], _Group) and items[0].optional)
    ):
        items.pop(0)
    return _Seq(tuple(items))


def compile_phrase(source: str) -> Phrase:
    """Compile one entry; raises PhraseError with the reason when it cannot be."""
    tree = parse(source)
    # Canonical text starts with a space and every word ends with one, so a leading literal
    # space marks a word start; a literal first character also lets the regex engine skip
    # ahead quickly (a lookbehind here made every search several times slower).
    regex = " " + _emit(_without_optional_start(tree), dense=False)
    dense_regex = _emit(tree, dense=True)
    # The regexes are compiled when first needed (matching.py); check_lexicon compiles them
    # all, and the tests run it on every shipped file.
    # Dense matching ignores word boundaries, so short single words would hit inside others.
    long_enough = _word_count(tree) >= 2 or len(dense_regex) >= 7
    requirements = sorted(
        set(_requirements(tree)), key=lambda keys: (_anchor_cost(keys), sorted(keys))
    )
    return Phrase(
        source=source,
        regex=regex,
        dense_regex=dense_regex if long_enough else None,
        requirements=tuple(requirements),
    )


def alternation(regexes: Sequence[str]) -> str:
    return "|".join(f"(?:{regex})" for regex in regexes)
