"""Which labels a message earns: crisis_self, crisis_danger, harassment, pii.

Owns: running the lexicons (lexicons/*.txt, compiled once on first import) over a message's
TextView and keeping the matches that survive the context rules (context.py). Phrases never
cross a sentence end, so the work is done sentence by sentence: a sentence's words are looked
up once (AnchorIndex) and a phrase's regex runs, over that sentence only, when the sentence
has a word from every required part of it. An ordinary sentence runs no regex at all.

Must not: decide actions or wording for the author (review.py), touch storage, or do any I/O
after the lexicons are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

from moderation.context import CUES, MessageContext, Sentence
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
_TRIGGERS = (_SELF, _DANGER, _DANGER_RECENT, _HARASSMENT, _SLURS)
_INDEX = AnchorIndex([*_TRIGGERS, *CUES.values()])
_TRIGGER_KEYS = frozenset().union(*(phrase_set.keys for phrase_set in _TRIGGERS))


@dataclass(frozen=True, slots=True)
class Classification:
    labels: frozenset[Label]
    pii_kinds: tuple[PiiKind, ...]


def sentences(canonical: str) -> list[Sentence]:
    """The sentences of canonical text with their anchor keys; each span ends after its ". "."""
    found = []
    start, length = 0, len(canonical)
    while start < length:
        stop = canonical.find(". ", start)
        end = stop + 2 if stop >= 0 else length
        words = canonical[start:stop if stop >= 0 else length].split()
        if words:
            found.append(Sentence(start, end, _INDEX.keys(words)))
        start = end
    return found


def _matches(phrase_set: PhraseSet, context: MessageContext) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for sentence in context.sentences:
        if phrase_set.keys.isdisjoint(sentence.keys) and not phrase_set.unanchored:
            continue
        found.extend(phrase_set.find(context.canonical, sentence.keys, sentence.start, sentence.end))
    return found


def _crisis_self(text_view: TextView, context: MessageContext) -> bool:
    if any(context.self_harm_counts(start, end) for start, end in _matches(_SELF, context)):
        return True
    # Letter-spaced phrases ("k i l l m y s e l f") have no context to weigh: obfuscating a
    # crisis phrase is itself the signal.
    return bool(text_view.dense) and _SELF.dense_match(text_view)


def _crisis_danger(text_view: TextView, context: MessageContext) -> bool:
    for start, end in _matches(_DANGER, context):
        if context.danger_counts(start, end, needs_recent=False):
            return True
    for start, end in _matches(_DANGER_RECENT, context):
        if context.danger_counts(start, end, needs_recent=True):
            return True
    return bool(text_view.dense) and _DANGER.dense_match(text_view)


def _harassment(text_view: TextView, context: MessageContext) -> bool:
    for phrase_set in (_HARASSMENT, _SLURS):
        if any(context.harassment_counts(s, e) for s, e in _matches(phrase_set, context)):
            return True
    if text_view.dense:
        return _HARASSMENT.dense_match(text_view) or _SLURS.dense_match(text_view)
    return False


def classify_view(text_view: TextView) -> Classification:
    labels: set[Label] = set()
    parts = sentences(text_view.canonical)
    if text_view.dense or any(not _TRIGGER_KEYS.isdisjoint(part.keys) for part in parts):
        context = MessageContext(text_view, parts)
        if _crisis_self(text_view, context):
            labels.add(Label.CRISIS_SELF)
        if _crisis_danger(text_view, context):
            labels.add(Label.CRISIS_DANGER)
        if _harassment(text_view, context):
            labels.add(Label.HARASSMENT)
    pii_kinds = find_pii(text_view)
    if pii_kinds:
        labels.add(Label.PII)
    return Classification(labels=frozenset(labels), pii_kinds=pii_kinds)


def classify(body: str) -> Classification:
    """Labels of a normalised, sanitised body (review() is the usual way in)."""
    return classify_view(view(body))
