"""Which labels a message earns: crisis_self, crisis_danger, harassment, pii.

Owns: running the lexicons (lexicons/*.txt, compiled once on first import) over a message's
TextView and keeping the matches that survive the context rules (context.py). A message's
words are looked up once (AnchorIndex, set operations in C); a phrase's regex runs only when
the message has a word from every required part of it, and the context rules run only for a
phrase that matched. A plan named only as "it" (lexicons/crisis_self_plans.txt) counts as
crisis_self unless the message names another plan (context.py).

Must not: decide actions or wording for the author (review.py), touch storage, or do any I/O
after the lexicons are loaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from moderation.context import ALL_CUES, MessageContext
from moderation.crisis_model import predict
from moderation.decision import Label
from moderation.matching import AnchorIndex, PhraseSet, load_phrase_set
from moderation.pii import PiiKind, find_pii
from moderation.skeleton import TextView, view

__all__ = [
    "Classification",
    "classify",
    "classify_lexicons_view",
    "classify_view",
    "learned_in_context",
    "lexicons_and_negated",
    "warm_up",
]

_SELF = load_phrase_set("crisis_self.txt")
_SELF_PLANS = load_phrase_set("crisis_self_plans.txt")
_DANGER = load_phrase_set("crisis_danger.txt")
_DANGER_RECENT = load_phrase_set("crisis_danger_recent.txt")
_HARASSMENT = load_phrase_set("harassment.txt")
_SLURS = load_phrase_set("slurs.txt")
# Matched only in letter-spaced text (see _harassment), so not among the triggers.
_SPACED_INSULTS = load_phrase_set("harassment_spaced.txt")
_TRIGGERS = (_SELF, _SELF_PLANS, _DANGER, _DANGER_RECENT, _HARASSMENT, _SLURS)
# All trigger phrases in one set: a message's candidates are found in one pass.
_ALL = PhraseSet.merged("triggers", _TRIGGERS)
_INDEX = AnchorIndex([_ALL, ALL_CUES])


class Classification(NamedTuple):
    """Labels and, for pii, which kinds of detail (NamedTuple: built for every message)."""

    labels: frozenset[Label]
    pii_kinds: tuple[PiiKind, ...]


Span = tuple[int, int]  # (start, end) in canonical text, start at the first letter
Spans = dict[str, list[Span]]  # lexicon file -> sorted spans of its matches


def _crisis_self(text_view: TextView, spans: Spans, context: MessageContext) -> bool:
    for start, end in spans.get("crisis_self.txt", ()):
        if context.self_harm_counts(start, end):
            return True
    for start, end in spans.get("crisis_self_plans.txt", ()):
        if context.plan_counts(start, end):
            return True
    # Letter-spaced phrases ("k i l l m y s e l f") have no context to weigh: obfuscating a
    # crisis phrase is itself the signal.
    return bool(text_view.dense) and _SELF.dense_match(text_view)


def _crisis_danger(text_view: TextView, spans: Spans, context: MessageContext) -> bool:
    for start, end in spans.get("crisis_danger.txt", ()):
        if context.danger_counts(start, end, needs_recent=False):
            return True
    for start, end in spans.get("crisis_danger_recent.txt", ()):
        if context.danger_counts(start, end, needs_recent=True):
            return True
    return bool(text_view.dense) and _DANGER.dense_match(text_view)


def _harassment(text_view: TextView, spans: Spans, context: MessageContext) -> bool:
    for name in ("harassment.txt", "slurs.txt"):
        for start, end in spans.get(name, ()):
            if context.harassment_counts(start, end):
                return True
    if text_view.dense:
        return any(
            phrases.dense_match(text_view) for phrases in (_HARASSMENT, _SLURS, _SPACED_INSULTS)
        )
    return False


def _trigger_spans(indexes: list[int], canonical: str) -> Spans:
    """Where the candidate phrases match, by lexicon file (most messages: nowhere)."""
    found: dict[str, set[Span]] = {}
    tags = _ALL.tags
    for index in indexes:
        regex = _ALL.regex(index)
        if regex.search(canonical):  # usually not: then no match objects are made
            spans = found.setdefault(tags[index], set())
            for match in regex.finditer(canonical):
                spans.add((match.start() + 1, match.end()))
    return {name: sorted(spans) for name, spans in found.items()}


def classify_view(text_view: TextView) -> Classification:
    """The lexicons' labels, plus any crisis label the learned model (crisis_model.py) adds."""
    result, dismissed = _lexicons(text_view)
    added = predict(text_view) - result.labels
    if added:
        added = learned_in_context(text_view, added, dismissed)
        if added:
            return Classification(result.labels | added, result.pii_kinds)
    return result


def learned_in_context(
    text_view: TextView,
    learned: frozenset[Label],
    dismissed: Sequence[Span] = (),
    predictor: Callable[[TextView], frozenset[Label]] = predict,
) -> frozenset[Label]:
    """The model's labels that survive the message's context. The model weighs words, not time
    or intent: a message that says things are better now keeps none ("...but I'm safe now"), a
    plan that the message names as something else is not a suicide plan ("my plan is to do it
    on Monday, then tell the police"), and danger in a hypothetical, a dream or a vague future
    ("he'll find me one day") is not danger now. A protection order (lexicons/orders.txt) is not
    safety now, only protection: it keeps no learned crisis_self label, but a danger label
    stays ("my protective order says 500 ft. he's standing at the end of my drive").

    ``dismissed``: crisis phrases the lexicons found negated, each from its negator ("I'm not
    going to kill myself, I promise"). The model sees neither negation nor idioms, so a label
    it gives must hold without those words and without the message's idioms (idioms.txt:
    "I can't stop beating myself up about it"), and a danger label without someone else's
    threat to harm themselves (other_threats.txt: "he's threatening to kill himself because she
    left"): it is scored again on the message with them cut out, and what rested on them
    goes. (Only these, and a threat quoted as someone else's: phrases withheld as past or
    reported speech are often a crisis said indirectly, "rang my brother and said goodbye to
    him", which the model rightly catches.) ``predictor``: the model (the cross-author folds
    pass one trained without the fold).
    """
    context = MessageContext(text_view, _INDEX.keys(text_view.word_set))
    end = len(text_view.canonical)
    cut = [*dismissed, *context.cue_spans("idioms.txt", 0, end)]
    if Label.CRISIS_DANGER in learned:
        cut += context.cue_spans("other_threats.txt", 0, end)
    if cut:
        learned = learned & predictor(_without(text_view, cut))
        if not learned:
            return _NO_LABELS
    if context.recovery:
        if Label.CRISIS_DANGER not in learned or context.recovered:
            return _NO_LABELS
        learned = _DANGER_ONLY  # only an order: protected, not safe
    if Label.CRISIS_SELF in learned and context.names_other_plan:
        learned = _without_other_plans(text_view, context, learned, predictor)
    if (
        Label.CRISIS_DANGER in learned
        and not context.cue_in("recent.txt", 0, end)
        and any(context.cue_in(name, 0, end) for name in _NOT_NOW)
    ):
        return learned - _DANGER_ONLY
    return learned


def _without_other_plans(
    text_view: TextView,
    context: MessageContext,
    learned: frozenset[Label],
    predictor: Callable[[TextView], frozenset[Label]],
) -> frozenset[Label]:
    """A learned crisis_self label in a message that names another plan (other_plans.txt)
    must hold without the clauses that name it: "my plan is to do it on Monday, then tell the
    police" loses it, while "three weeks no contact... but all i can think about is ending
    it" or "went to every court date. ... i've got the tablets" keep it (the other plan is
    in another clause). Only a message with both a learned label and another plan pays."""
    cut = []
    for start, end in context.cue_spans("other_plans.txt", 0, len(text_view.canonical)):
        clause = context.clause(start, end)
        cut.append((clause.start + 1, clause.end))
    if Label.CRISIS_SELF in predictor(_without(text_view, cut)):
        return learned
    return learned - _SELF_ONLY


def classify_lexicons_view(text_view: TextView) -> Classification:
    """The lexicons' labels alone (the model's cross-author figures compare with these)."""
    return _lexicons(text_view)[0]


def lexicons_and_negated(text_view: TextView) -> tuple[Classification, list[Span]]:
    """The lexicons' labels and the crisis phrases they found negated (what classify_view
    passes to learned_in_context; the cross-author folds use it the same way)."""
    return _lexicons(text_view)


def _lexicons(text_view: TextView) -> tuple[Classification, list[Span]]:
    """The lexicons' labels, and the crisis phrases that matched but whose label the context
    rules withheld because they were negated (see learned_in_context)."""
    labels: set[Label] = set()
    dismissed: list[Span] = []
    keys = _INDEX.keys(text_view.word_set)
    indexes = _ALL.candidates(keys)
    spans = _trigger_spans(indexes, text_view.canonical) if indexes else None
    # Context rules run only for a phrase that matched (or letter-spaced text).
    if spans or text_view.dense:
        spans = spans or {}
        context = MessageContext(text_view, keys)
        if _crisis_self(text_view, spans, context):
            labels.add(Label.CRISIS_SELF)
        else:
            dismissed += _negated(spans, _SELF_FILES, context, danger=False)
            dismissed += _quoted_threats(spans, context)
        if _crisis_danger(text_view, spans, context):
            labels.add(Label.CRISIS_DANGER)
        else:
            dismissed += _negated(spans, _DANGER_FILES, context, danger=True)
        if _harassment(text_view, spans, context):
            labels.add(Label.HARASSMENT)
    pii_kinds = find_pii(text_view)
    if pii_kinds:
        labels.add(Label.PII)
    return Classification(frozenset(labels) if labels else _NO_LABELS, pii_kinds), dismissed


_SELF_FILES = ("crisis_self.txt", "crisis_self_plans.txt")
_DANGER_FILES = ("crisis_danger.txt", "crisis_danger_recent.txt")


def _negated(
    spans: Spans, files: tuple[str, ...], context: MessageContext, *, danger: bool
) -> list[Span]:
    """The negated matches, each from its negator ("not going to kill myself")."""
    found = []
    for name in files:
        for span in spans.get(name, ()):
            negated = context.negated_span(*span, danger=danger)
            if negated is not None:
                found.append(negated)
    return found


def _quoted_threats(spans: Spans, context: MessageContext) -> list[Span]:
    """Someone else's threat to kill themselves, quoted straight after the words that report
    it ("he'd say 'I'll kill myself and it'll be your fault'") or before words that name its
    sender ("the 'I'm going to end it all' texts he sent me"): an abuser's threat retold, cut
    like a negated phrase before the model scores again. An order to the writer ("he told me
    to kill myself") or a reported goodbye is left to the model."""
    return [
        span
        for span in spans.get("crisis_self.txt", ())
        if context.quoted_own_threat(*span) or context.reported_after(*span)
    ]


def _without(text_view: TextView, cut: Sequence[Span]) -> TextView:
    """The view with these phrases cut out of its canonical text, each replaced by a sentence
    end so that no new word pair forms across the cut."""
    canonical = text_view.canonical
    kept, at = [], 0
    for start, end in sorted(cut):
        if start >= at:
            kept.append(canonical[at:start])
            kept.append(". ")
            at = end
        elif end > at:  # overlapping phrases: cut up to the further end
            at = end
    kept.append(canonical[at:])
    text = "".join(kept)
    return text_view._replace(canonical=text, word_set=frozenset(text.split()))


_NO_LABELS: frozenset[Label] = frozenset()
# Cue lists under which a learned danger label, with no sign of now, is not danger now.
_NOT_NOW = ("future.txt", "hypothetical.txt", "dreams.txt")
_DANGER_ONLY = frozenset({Label.CRISIS_DANGER})
_SELF_ONLY = frozenset({Label.CRISIS_SELF})


def warm_up() -> None:
    """Compile every lexicon regex now (they are otherwise compiled on first use)."""
    from moderation.context import ALL_CUES
    from moderation.pii import warm_up as warm_up_pii

    for phrase_set in (_ALL, *_TRIGGERS, _SPACED_INSULTS, ALL_CUES):
        phrase_set.compile_all()
    warm_up_pii()


def classify(body: str) -> Classification:
    """Labels of a normalised, sanitised body (review() is the usual way in)."""
    return classify_view(view(body))
