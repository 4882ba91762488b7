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

from moderation.phrases import PhraseSet, load_phrase_set
from moderation.skeleton import TextView

__all__ = ["CUES", "Clause", "MessageContext", "nearest_subject", "negated"]

_NEGATORS = frozenset({"not", "never", "nor", "neither", "hardly", "barely", "nobody"})
# "no" negates only in these pairs: "no longer want to die", not "nooo i want to die".
_NO_PAIRS = frozenset({"longer", "way", "intention", "intentions", "plans", "plan", "desire"})
# Words that end a negation's reach: "I don't think anyone would miss me" still counts,
# "I can't stop thinking about it" is not a denial.
_NEGATION_BLOCKERS = frozenset(
    ["think", "thinks", "thought", "know", "knows", "sure", "if", "whether", "why", "how", "care", "cares", "believe", "understand", "mean", "matter", "matters", "stop", "help", "wait", "anyone", "anybody", "imagine", "remember", "see", "feel", "feels"]
)
_NEGATION_WINDOW = 4
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our", "ourselves"})
SECOND_PERSON = frozenset({"you", "your", "yourself", "yourselves", "ur", "ya", "urself"})
_OTHER_PEOPLE = SECOND_PERSON | frozenset(
    ["he", "him", "his", "himself", "she", "her", "hers", "herself", "they", "them", "their", "themselves", "someone", "somebody", "anyone", "anybody", "everyone", "everybody", "people", "person", "friend", "friends", "sister", "brother", "mum", "mom", "mother", "dad", "father", "son", "daughter", "ex", "husband", "wife", "partner", "boyfriend", "girlfriend", "bf", "gf", "cousin", "aunt", "uncle", "nan", "gran", "grandma", "grandad", "colleague", "kid", "kids", "child", "children", "nephew", "niece", "stepdad", "stepmum", "stepmom", "neighbour", "neighbor", "mate", "mates", "abuser", "narcissist", "guy", "girl", "man", "woman"]
)
_SUBJECT_WINDOW = 6
_WEAK_PAST_SELF = frozenset(
    ["was", "were", "felt", "wanted", "thought", "tried", "used", "had", "did", "wished", "considered", "attempted", "planned", "went", "became", "kept"]
)
_WEAK_PAST_DANGER = _WEAK_PAST_SELF | frozenset(
    ["said", "threatened", "would", "told", "texted", "swore", "promised", "could", "stalked", "followed"]
)
_CLAUSE_BREAK = re.compile(r" (?:but|tho|though|although|however|whereas|anyway|except|nowadays) ")
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


CUE_FILES = (
    "idioms.txt",
    "past.txt",
    "recent.txt",
    "recovery.txt",
    "reported.txt",
    "harassment_reported.txt",
    "hypothetical.txt",
    "future.txt",
)
CUES: dict[str, PhraseSet] = {name: load_phrase_set(name) for name in CUE_FILES}


class Clause:
    """The clause around one match: its start, the match, and its end (positions in canonical).

    A clause is part of one sentence, cut at "but", "though", "however"...; ``start`` is the
    space before its first word and ``end`` is just past the sentence's " . " (or the space
    before a cutting word), so cue phrases can be searched in canonical[start:end].
    """

    __slots__ = ("before", "end", "match", "match_start", "start")

    def __init__(self, canonical: str, start: int, end: int) -> None:
        dot = canonical.rfind(" . ", 0, start)
        sentence_start = 0 if dot < 0 else dot + 2
        dot = canonical.find(" . ", end - 1)
        sentence_end = len(canonical) if dot < 0 else dot + 3
        clause_start, clause_end = sentence_start, sentence_end
        for found in _CLAUSE_BREAK.finditer(canonical, sentence_start, sentence_end):
            if found.end() <= start:
                clause_start = found.end() - 1
            elif found.start() >= end - 1:
                clause_end = found.start() + 1
                break
        self.start, self.match_start, self.end = clause_start, start, clause_end
        self.before = canonical[clause_start:start]
        self.match = canonical[start:end]

    def match_words(self) -> set[str]:
        return set(_tokens(self.match))


class MessageContext:
    """Per-message state for the rules, used only when a phrase has matched.

    Cue lists are anchored like any lexicon (only phrases whose words the message has are
    run), and a cue is looked for only inside the clause in question.
    """

    def __init__(self, text_view: TextView, keys: set[str]) -> None:
        self.view = text_view
        self.keys = keys
        self.canonical = text_view.canonical

    def cue_in(self, name: str, start: int, end: int) -> bool:
        """Whether a cue of lexicons/<name> lies within canonical[start:end]."""
        if start >= end:
            return False
        # Two more characters let a cue ending in "$" see the ". " after the window.
        limit = min(len(self.canonical), end + 2)
        return any(e <= end + 1 for _, e in CUES[name].find(self.canonical, self.keys, start, limit))

    @cached_property
    def recovery(self) -> bool:
        return bool(CUES["recovery.txt"].find(self.canonical, self.keys))

    @cached_property
    def said_yes(self) -> bool:
        return _SAID_YES.search(self.canonical) is not None

    def clause(self, start: int, end: int) -> Clause:
        return Clause(self.canonical, start, end)

    def in_idiom(self, clause: Clause) -> bool:
        match_end = clause.match_start + len(clause.match)
        spans = CUES["idioms.txt"].find(self.canonical, self.keys, clause.start, clause.end)
        return any(s < match_end and clause.match_start < e for s, e in spans)

    def _recent(self, clause: Clause) -> bool:
        return self.cue_in("recent.txt", clause.start, clause.end)

    def _before(self, name: str, clause: Clause) -> bool:
        return self.cue_in(name, clause.start, clause.match_start)

    def _is_past(self, clause: Clause, weak_past: frozenset[str], *, recent: bool) -> bool:
        if recent:
            return False
        if self.cue_in("past.txt", clause.start, clause.end):
            return True
        nearby = _tokens(clause.before)[-3:] + _tokens(clause.match)[:3]
        return not weak_past.isdisjoint(nearby) and self.recovery

    def self_harm_counts(self, start: int, end: int) -> bool:
        clause = self.clause(start, end)
        if self.in_idiom(clause) or negated(clause.before):
            return False
        if FIRST_PERSON.isdisjoint(clause.match_words()):
            if nearest_subject(clause.before) == "other":
                return False
        if self._before("reported.txt", clause) and not self.said_yes:
            return False
        return not self._is_past(clause, _WEAK_PAST_SELF, recent=self._recent(clause))

    def danger_counts(self, start: int, end: int, *, needs_recent: bool) -> bool:
        clause = self.clause(start, end)
        if self.in_idiom(clause) or negated(clause.before):
            return False
        if self._before("hypothetical.txt", clause):
            return False
        recent = self._recent(clause)
        if needs_recent and not recent:
            return False
        if not recent and self.cue_in("future.txt", clause.start, clause.end):
            return False
        return not self._is_past(clause, _WEAK_PAST_DANGER, recent=recent)

    def harassment_counts(self, start: int, end: int) -> bool:
        clause = self.clause(start, end)
        if self.in_idiom(clause) or negated(clause.before):
            return False
        if self._before("harassment_reported.txt", clause):
            return False
        # "I keep crying", "I'm trying to get over it": phrases without "you" need a target.
        if SECOND_PERSON.isdisjoint(clause.match_words()):
            return nearest_subject(clause.before) != "self"
        return True
