"""Whether a matched phrase means what it seems to, given the words around it.

Owns: the rules that keep a support room's everyday talk about abuse from reading as a crisis
or an attack. Each rule looks at the clause around a match in the canonical text (a clause ends
at a sentence end or at "but", "though", "however"...):
- negation just before it ("I would never hurt myself", "please don't kill yourself");
- who it is about ("he wants to die", "you want to die?" are not the writer's own crisis);
- reported speech ("my therapist asked if I wanted to die", "he'd scream 'you're worthless'"),
  unless the writer answers yes;
- time: a distant past in the clause ("years ago", "used to", "when I was 16") with no sign of
  now ("tonight", "again", "just"), or a past tense when the message also says the writer is
  safe or better now ("...but that was before; I'm okay now");
- hypotheticals and a vague future for danger ("unless he hurts me", "he'll find me one day");
- idioms overlapping the match ("dying to see", "I'd kill for a coffee").
The cue phrases are data (lexicons/past.txt, recent.txt, recovery.txt, reported.txt,
harassment_reported.txt, hypothetical.txt, future.txt, idioms.txt); the small closed word classes below
(negators, pronouns) are grammar, not vocabulary, and live here.

Must not: find the phrases themselves (classify.py does) or decide actions.
"""

from __future__ import annotations

import re
from functools import cached_property

from moderation.phrases import compile_cue

__all__ = ["Clause", "MessageContext"]

_NEGATORS = frozenset({"not", "never", "nor", "neither", "hardly", "barely", "nobody"})
# "no" negates only in these pairs: "no longer want to die", not "nooo i want to die".
_NO_PAIRS = frozenset({"longer", "way", "intention", "intentions", "plans", "plan", "desire"})
# Words that end a negation's reach: "I don't think anyone would miss me" still counts,
# "I can't stop thinking about it" is not a denial.
_NEGATION_BLOCKERS = frozenset(
    "think thinks thought know knows sure if whether why how care cares believe understand mean "
    "matter matters stop help wait anyone anybody imagine remember see feel feels".split()
)
_NEGATION_WINDOW = 4
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our", "ourselves"})
SECOND_PERSON = frozenset({"you", "your", "yourself", "yourselves", "ur", "ya", "urself"})
_OTHER_PEOPLE = SECOND_PERSON | frozenset(
    "he him his himself she her hers herself they them their themselves someone somebody anyone "
    "anybody everyone everybody people person friend friends sister brother mum mom mother dad "
    "father son daughter ex husband wife partner boyfriend girlfriend bf gf cousin aunt uncle "
    "nan gran grandma grandad colleague kid kids child children nephew niece stepdad stepmum "
    "stepmom neighbour neighbor mate mates abuser narcissist guy girl man woman".split()
)
_SUBJECT_WINDOW = 6
_WEAK_PAST_SELF = frozenset(
    "was were felt wanted thought tried used had did wished considered attempted planned went "
    "became kept".split()
)
_WEAK_PAST_DANGER = _WEAK_PAST_SELF | frozenset(
    "said threatened would told texted swore promised could stalked followed".split()
)
_CLAUSE_BREAK = re.compile(
    r"(?<!\S)(?:\.|but|tho|though|although|however|whereas|anyway|except|nowadays) "
)
_SAID_YES = re.compile(
    r"(?<!\S)(?:i (?:said|answered|told (?:her|him|them)|replied|admitted)|and i said) "
    r"(?:yes|yeah|yep|i do|i have|i did|that i do|that i have) "
)


def _tokens(text: str) -> list[str]:
    return text.split()


def negated(before: str) -> bool:
    """A negator in the last few words before a match, with no blocker after it."""
    tokens = _tokens(before)
    if "," in tokens:
        tokens = tokens[len(tokens) - tokens[::-1].index(",") :]
    tokens = tokens[-_NEGATION_WINDOW:]
    for index in range(len(tokens) - 1, -1, -1):
        token = tokens[index]
        is_no_pair = token == "no" and index + 1 < len(tokens) and tokens[index + 1] in _NO_PAIRS
        # "why don't you just..." suggests rather than denies.
        is_suggestion = token == "not" and tokens[max(0, index - 2) : index] == ["why", "do"]
        if (token in _NEGATORS or is_no_pair) and not is_suggestion:
            return _NEGATION_BLOCKERS.isdisjoint(tokens[index + 1 :])
    return False


def nearest_subject(before: str) -> str | None:
    """"self", "other" or None: the closest person word before a match, within its clause part."""
    tokens = _tokens(before)
    for token in reversed(tokens[-_SUBJECT_WINDOW:]):
        if token == ",":
            return None
        if token in FIRST_PERSON:
            return "self"
        if token in _OTHER_PEOPLE:
            return "other"
    return None


class Clause:
    """The clause around one match: text before it, the match, and the whole clause."""

    __slots__ = ("before", "match", "text")

    def __init__(self, canonical: str, start: int, end: int, breaks: list[tuple[int, int]]):
        clause_start, clause_end = 0, len(canonical)
        for break_start, break_end in breaks:
            if break_end <= start:
                clause_start = break_end
            elif break_start >= end:
                clause_end = break_start
                break
        self.before = canonical[clause_start:start]
        self.match = canonical[start:end]
        self.text = canonical[clause_start:clause_end]

    def match_words(self) -> set[str]:
        return set(_tokens(self.match))


class MessageContext:
    """Per-message state for the rules, computed only when a phrase has matched."""

    def __init__(self, canonical: str) -> None:
        self.canonical = canonical

    @cached_property
    def breaks(self) -> list[tuple[int, int]]:
        return [m.span() for m in _CLAUSE_BREAK.finditer(self.canonical)]

    @cached_property
    def recovery(self) -> bool:
        return compile_cue("recovery.txt").search(self.canonical) is not None

    @cached_property
    def said_yes(self) -> bool:
        return _SAID_YES.search(self.canonical) is not None

    @cached_property
    def idioms(self) -> list[tuple[int, int]]:
        return [m.span() for m in compile_cue("idioms.txt").finditer(self.canonical)]

    def clause(self, start: int, end: int) -> Clause:
        return Clause(self.canonical, start, end, self.breaks)

    def in_idiom(self, start: int, end: int) -> bool:
        return any(s < end and start < e for s, e in self.idioms)

    def _is_past(self, clause: Clause, weak_past: frozenset[str]) -> bool:
        if compile_cue("recent.txt").search(clause.text):
            return False
        if compile_cue("past.txt").search(clause.text):
            return True
        nearby = _tokens(clause.before)[-3:] + _tokens(clause.match)[:3]
        return self.recovery and not weak_past.isdisjoint(nearby)

    def self_harm_counts(self, start: int, end: int) -> bool:
        if self.in_idiom(start, end):
            return False
        clause = self.clause(start, end)
        if negated(clause.before):
            return False
        if FIRST_PERSON.isdisjoint(clause.match_words()):
            if nearest_subject(clause.before) == "other":
                return False
        if compile_cue("reported.txt").search(clause.before) and not self.said_yes:
            return False
        return not self._is_past(clause, _WEAK_PAST_SELF)

    def danger_counts(self, start: int, end: int, *, needs_recent: bool) -> bool:
        if self.in_idiom(start, end):
            return False
        clause = self.clause(start, end)
        if negated(clause.before):
            return False
        if compile_cue("hypothetical.txt").search(clause.before):
            return False
        recent = compile_cue("recent.txt").search(clause.text) is not None
        if needs_recent and not recent:
            return False
        if not recent and compile_cue("future.txt").search(clause.text):
            return False
        return not self._is_past(clause, _WEAK_PAST_DANGER)

    def harassment_counts(self, start: int, end: int) -> bool:
        if self.in_idiom(start, end):
            return False
        clause = self.clause(start, end)
        if negated(clause.before):
            return False
        if compile_cue("harassment_reported.txt").search(clause.before):
            return False
        # "I keep crying", "I'm trying to get over it": phrases without "you" need a target.
        if SECOND_PERSON.isdisjoint(clause.match_words()):
            return nearest_subject(clause.before) != "self"
        return True
