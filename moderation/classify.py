"""Which labels a message earns: crisis_self, crisis_danger, harassment, pii.

Owns: running the lexicons (lexicons/*.txt, compiled once on first import) over a message's
TextView and keeping the matches that survive the context rules (context.py). A message's
words are looked up once (AnchorIndex, set operations in C); a phrase's regex runs only when
the message has a word from every required part of it, and a message with no word from any
crisis or harassment phrase skips that work entirely.

Must not: decide actions or wording for the author (review.py), touch storage, or do any I/O
after the lexicons are loaded.
"""

from __future__ import annotations

from typing import NamedTuple

from moderation.context import ALL_CUES, MessageContext
from moderation.decision import Label
from moderation.matching import AnchorIndex, PhraseSet, load_phrase_set
from moderation.pii import PiiKind, find_pii
from moderation.skeleton import TextView, view

__all__ = ["Classification", "classify", "classify_view", "warm_up"]

_SELF = load_phrase_set("crisis_self.txt")
_DANGER = load_phrase_set("crisis_danger.txt")
_DANGER_RECENT = load_phrase_set("crisis_danger_recent.txt")
_HARASSMENT = load_phrase_set("harassment.txt")
_SLURS = load_phrase_set("slurs.txt")
_TRIGGERS = (_SELF, _DANGER, _DANGER_RECENT, _HARASSMENT, _SLURS)
# All trigger phrases in one set: a message's candidates are found in one pass.
_ALL = PhraseSet.merged("triggers", _TRIGGERS)
_INDEX = AnchorIndex([_ALL, ALL_CUES])


class Classification(NamedTuple):
    """Labels and, for pii, which kinds of detail (NamedTuple: built for every message)."""

    labels: frozenset[Label]
    pii_kinds: tuple[PiiKind, ...]


def _matches(
    candidates: dict[str, list[int]], name: str, context: MessageContext
) -> list[tuple[int, int]]:
    indexes = candidates.get(name)
    if not indexes:
        return []
    return _ALL.run(indexes, context.canonical)


def _crisis_self(
    text_view: TextView, candidates: dict[str, list[int]], context: MessageContext
) -> bool:
    for start, end in _matches(candidates, "crisis_self.txt", context):
        if context.self_harm_counts(start, end):
            return True
    # Letter-spaced phrases ("k i l l m y s e l f") have no context to weigh: obfuscating a
    # crisis phrase is itself the signal.
    return bool(text_view.dense) and _SELF.dense_match(text_view)


def _crisis_danger(
    text_view: TextView, candidates: dict[str, list[int]], context: MessageContext
) -> bool:
    for start, end in _matches(candidates, "crisis_danger.txt", context):
        if context.danger_counts(start, end, needs_recent=False):
            return True
    for start, end in _matches(candidates, "crisis_danger_recent.txt", context):
        if context.danger_counts(start, end, needs_recent=True):
            return True
    return bool(text_view.dense) and _DANGER.dense_match(text_view)


def _harassment(
    text_view: TextView, candidates: dict[str, list[int]], context: MessageContext
) -> bool:
    for name in ("harassment.txt", "slurs.txt"):
        for start, end in _matches(candidates, name, context):
            if context.harassment_counts(start, end):
                return True
    if text_view.dense:
        return _HARASSMENT.dense_match(text_view) or _SLURS.dense_match(text_view)
    return False


def classify_view(text_view: TextView) -> Classification:
    labels: set[Label] = set()
    keys = _INDEX.keys(text_view.word_set)
    indexes = _ALL.candidates(keys)
    if indexes or text_view.dense:
        candidates: dict[str, list[int]] = {}
        tags = _ALL.tags
        for index in indexes:
            candidates.setdefault(tags[index], []).append(index)
        context = MessageContext(text_view, keys)
        if _crisis_self(text_view, candidates, context):
            labels.add(Label.CRISIS_SELF)
        if _crisis_danger(text_view, candidates, context):
            labels.add(Label.CRISIS_DANGER)
        if _harassment(text_view, candidates, context):
            labels.add(Label.HARASSMENT)
    pii_kinds = find_pii(text_view)
    if pii_kinds:
        labels.add(Label.PII)
    return Classification(labels=frozenset(labels), pii_kinds=pii_kinds)


def warm_up() -> None:
    """Compile every lexicon regex now (they are otherwise compiled on first use)."""
    from moderation.context import CUES
    from moderation.pii import warm_up as warm_up_pii

    for phrase_set in (_ALL, *_TRIGGERS, *CUES.values()):
        phrase_set.compile_all()
    warm_up_pii()


def classify(body: str) -> Classification:
    """Labels of a normalised, sanitised body (review() is the usual way in)."""
    return classify_view(view(body))
