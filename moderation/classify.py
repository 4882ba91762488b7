"""Which labels a message earns: crisis_self, crisis_danger, harassment, pii.

Owns: running the lexicons (lexicons/*.txt, compiled once on first import) over a message's
TextView and keeping the matches that survive the context rules. Cheap gates come first: a
message's words are looked up once, and a lexicon's phrases run only when the message has one
of their anchor words, so an ordinary message costs a few dictionary look-ups per word.

Must not: decide actions or wording for the author (review.py), touch storage, or do any I/O
after the lexicons are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.context import MessageContext
from moderation.decision import Label
from moderation.phrases import AnchorIndex, PhraseSet, load_phrase_set
from moderation.pii import PiiKind, find_pii
from moderation.skeleton import TextView, view

__all__ = ["Classification", "classify", "classify_view"]

_SELF = load_phrase_set("crisis_self.txt")
_DANGER = load_phrase_set("crisis_danger.txt")
_DANGER_RECENT = load_phrase_set("crisis_danger_recent.txt")
_HARASSMENT = load_phrase_set("harassment.txt")
_SLURS = load_phrase_set("slurs.txt")
_INDEX = AnchorIndex([_SELF, _DANGER, _DANGER_RECENT, _HARASSMENT, _SLURS])


@dataclass(frozen=True, slots=True)
class Classification:
    labels: frozenset[Label]
    pii_kinds: tuple[PiiKind, ...]


def _candidates(phrase_set: PhraseSet, text_view: TextView, keys: set[str]) -> list[tuple[int, int]]:
    if keys.isdisjoint(phrase_set.keys) and phrase_set.unanchored is None:
        return []
    return phrase_set.spans(text_view, keys & phrase_set.keys)


def _crisis_self(text_view: TextView, keys: set[str], context: MessageContext) -> bool:
    for start, end in _candidates(_SELF, text_view, keys):
        if context.self_harm_counts(start, end):
            return True
    # Letter-spaced phrases ("k i l l m y s e l f") have no context to weigh: obfuscating a
    # crisis phrase is itself the signal.
    return bool(text_view.dense) and _SELF.dense_match(text_view)


def _crisis_danger(text_view: TextView, keys: set[str], context: MessageContext) -> bool:
    for start, end in _candidates(_DANGER, text_view, keys):
        if context.danger_counts(start, end, needs_recent=False):
            return True
    for start, end in _candidates(_DANGER_RECENT, text_view, keys):
        if context.danger_counts(start, end, needs_recent=True):
            return True
    return bool(text_view.dense) and _DANGER.dense_match(text_view)


def _harassment(text_view: TextView, keys: set[str], context: MessageContext) -> bool:
    for phrase_set in (_HARASSMENT, _SLURS):
        for start, end in _candidates(phrase_set, text_view, keys):
            if context.harassment_counts(start, end):
                return True
    if text_view.dense:
        return _HARASSMENT.dense_match(text_view) or _SLURS.dense_match(text_view)
    return False


def classify_view(text_view: TextView) -> Classification:
    keys = _INDEX.keys(text_view.words)
    labels: set[Label] = set()
    if keys or text_view.dense:
        context = MessageContext(text_view.canonical)
        if _crisis_self(text_view, keys, context):
            labels.add(Label.CRISIS_SELF)
        if _crisis_danger(text_view, keys, context):
            labels.add(Label.CRISIS_DANGER)
        if _harassment(text_view, keys, context):
            labels.add(Label.HARASSMENT)
    pii_kinds = find_pii(text_view)
    if pii_kinds:
        labels.add(Label.PII)
    return Classification(labels=frozenset(labels), pii_kinds=pii_kinds)


def classify(body: str) -> Classification:
    """Labels of a normalised, sanitised body (review() is the usual way in)."""
    return classify_view(view(body))
