"""Whether a matched phrase means what it seems to, given the words around it.

Owns: the rules that keep a support room's everyday talk about abuse from reading as a crisis
or an attack. Each rule looks at the clause around a match in the canonical text (a clause ends
at a sentence end or at "but", "though", "however"...):
- negation just before it ("I would never hurt myself", "please don't kill yourself"), except
  the writer's own negated verb before a danger phrase about someone else ("if I don't answer,
  he'll hurt me");
- who it is about ("he wants to die", "you want to die?" are not the writer's own crisis);
- reported speech ("my therapist asked if I wanted to die", "he'd scream 'you're worthless'"),
  unless the writer answers yes, also when the speaker is named after the words ("'I'll kill
  myself' he'd say", "the 'I'm going to end it all' texts he sent") or as a label ("Him: ...");
- dreams told ("the dream I keep having is me jumping off a bridge");
- time: a distant past in the clause ("years ago", "used to", "when I was 16") or dated by the
  next sentence ("...with me in it. that was 2018."), with no sign of now ("tonight", "again",
  "just"), or a past tense when the message also says the writer is safe or better now
  ("...but that was before; I'm okay now");
- hypotheticals and a vague future for danger ("unless he hurts me", "he'll find me one day");
- idioms overlapping the match ("dying to see", "I'd kill for a coffee");
- for a plan named only as "it", another plan named in the message ("...to leave him").
The cue phrases are data (lexicons/past.txt, past_after.txt, recent.txt, recovery.txt,
orders.txt, reported.txt, reported_after.txt, harassment_reported.txt, hypothetical.txt,
dreams.txt, future.txt, idioms.txt, other_plans.txt; other_threats.txt is for the learned
model, classify.py); the small closed word classes (negators, pronouns) and the negation and
subject readings made with them are grammar, not vocabulary, and live in grammar.py.

Must not: find the phrases themselves (classify.py does) or decide actions.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from moderation.grammar import (
    FIRST_PERSON,
    OTHER_SUBJECT_STARTS,
    SECOND_PERSON,
    nearest_subject,
    negated,
    negation_start,
    tokens,
    writer_negated,
)
from moderation.matching import PhraseSet, load_phrase_set
from moderation.skeleton import TextView

__all__ = ["ALL_CUES", "CUES", "Clause", "MessageContext"]

_WEAK_PAST_SELF = frozenset({
    "was", "were", "felt", "wanted", "thought", "tried", "used", "had", "did", "wished",
    "considered", "attempted", "planned", "went", "became", "kept"
})  # fmt: skip
_WEAK_PAST_DANGER = _WEAK_PAST_SELF | frozenset({
    "said", "threatened", "would", "told", "texted", "swore", "promised", "could", "stalked",
    "followed"
})  # fmt: skip
# What stands between a reporting verb and a quoted threat of the speaker's own.
_QUOTED_INTENT = frozenset({
    "i will", "i am going to", "i am gonna", "i would", "i will just", "i am just going to",
    "that he would", "that she would", "that they would", "he would", "she would"
})  # fmt: skip
_CLAUSE_BREAK = re.compile(r" (?:but|tho|though|although|however|whereas|anyway|except|nowadays) ")
_SAID_YES = re.compile(
    r"(?<!\S)(?:i (?:said|answered|told (?:her|him|them)|replied|admitted)|and i said) "
    r"(?:yes|yeah|yep|i do|i have|i did|that i do|that i have) "
)
# What may stand between a quoted phrase and the words after it that name its speaker ("'i'm
# going to end it' all texts he sent", "'i want to die', he'd say").
_QUOTE_GAP = frozenset({",", ":", "all", "it", "again", "now", "that", "tonight", "today", "too"})


CUE_FILES = (
    "idioms.txt",
    "past.txt",
    "past_after.txt",
    "recent.txt",
    "recovery.txt",
    "orders.txt",
    "reported.txt",
    "reported_after.txt",
    "harassment_reported.txt",
    "hypothetical.txt",
    "dreams.txt",
    "future.txt",
    "other_plans.txt",
    "other_threats.txt",
)
CUES: dict[str, PhraseSet] = {name: load_phrase_set(name) for name in CUE_FILES}
# All cue phrases in one set, for the anchor index (each list is still matched on its own, and
# only when a rule needs it).
ALL_CUES = PhraseSet.merged("cues", list(CUES.values()))


class Clause:
    """The clause around one match: its start, the match, and its end (positions in canonical).

    A clause is part of one sentence, cut at "but", "though", "however"...; ``start`` is the
    space before its first word and ``end`` is just past the sentence's " . " (or the space
    before a cutting word), so a cue lies in the clause when it lies in canonical[start:end].
    """

    __slots__ = ("before", "end", "match", "match_start", "start")

    def __init__(self, canonical: str, start: int, end: int, bounds: tuple[int, int]) -> None:
        self.start, self.end = bounds
        self.match_start = start
        self.before = canonical[self.start : start]
        self.match = canonical[start:end]

    def match_words(self) -> set[str]:
        return set(tokens(self.match))


class MessageContext:
    """Per-message state for the rules, used only when a phrase has matched.

    Computed at most once per message and reused for every match: where clauses are cut, and
    which phrases of each cue list the message's words allow (cue lists are anchored like any
    lexicon); those are then run only inside the clause in question.
    """

    def __init__(self, text_view: TextView, keys: frozenset[str]) -> None:
        self.view = text_view
        self.keys = keys
        self.canonical = text_view.canonical
        self._cues: dict[str, list[int]] | None = None
        # Computed on first use (plain attributes: functools.cached_property takes a lock).
        self._cuts_found: tuple[list[int], list[int]] | None = None
        self._recovery: bool | None = None
        self._said_yes: bool | None = None
        self._other_plan: bool | None = None

    def _cue_candidates(self, name: str) -> list[int]:
        """The phrases of cue list <name> the message's words allow, as indexes of ALL_CUES
        (found for every list at once, the first time any is needed)."""
        if self._cues is None:
            self._cues = {}
            tags = ALL_CUES.tags
            for index in ALL_CUES.candidates(self.keys):
                self._cues.setdefault(tags[index], []).append(index)
        return self._cues.get(name, [])

    def cue_spans(self, name: str, start: int, end: int) -> list[tuple[int, int]]:
        """Matches of the cue list lexicons/<name> inside canonical[start:end]."""
        indexes = self._cue_candidates(name)
        if not indexes:
            return []
        # Two more characters let a cue ending in "$" see the ". " after the window.
        return ALL_CUES.run(indexes, self.canonical, start, min(len(self.canonical), end + 2))

    def cue_in(self, name: str, start: int, end: int) -> bool:
        """Whether a cue of lexicons/<name> lies within canonical[start:end]."""
        if start >= end:
            return False
        # A cue may end one character past the window: its trailing space is the window's end.
        return any(e <= end + 1 for _, e in self.cue_spans(name, start, end))

    def _cuts(self) -> tuple[list[int], list[int]]:
        """Where clauses start (after a cut) and end (before one), both sorted."""
        if self._cuts_found is not None:
            return self._cuts_found
        canonical = self.canonical
        starts, ends = [0], []
        position = canonical.find(" . ")
        while position >= 0:
            ends.append(position + 3)  # the clause keeps its " . " so "$" can see it
            starts.append(position + 2)
            position = canonical.find(" . ", position + 1)
        for found in _CLAUSE_BREAK.finditer(canonical):
            ends.append(found.start() + 1)
            starts.append(found.end() - 1)
        ends.append(len(canonical))
        starts.sort()
        ends.sort()
        self._cuts_found = (starts, ends)
        return starts, ends

    @property
    def recovery(self) -> bool:
        """The message says the writer is safe or better now (recovery.txt), or protected by
        an order (orders.txt)."""
        if self._recovery is None:
            self._recovery = self.recovered or bool(
                self.cue_spans("orders.txt", 0, len(self.canonical))
            )
        return self._recovery

    @property
    def recovered(self) -> bool:
        """The message says the writer is safe or better now (recovery.txt; an order alone
        does not say so)."""
        return bool(self.cue_spans("recovery.txt", 0, len(self.canonical)))

    @property
    def names_other_plan(self) -> bool:
        """Whether the message names a plan other than suicide (lexicons/other_plans.txt)."""
        if self._other_plan is None:
            self._other_plan = bool(self.cue_spans("other_plans.txt", 0, len(self.canonical)))
        return self._other_plan

    @property
    def said_yes(self) -> bool:
        if self._said_yes is None:
            self._said_yes = _SAID_YES.search(self.canonical) is not None
        return self._said_yes

    def clause(self, start: int, end: int) -> Clause:
        starts, ends = self._cuts()
        clause_start = starts[bisect_right(starts, start) - 1]
        clause_end = ends[bisect_left(ends, end)]
        return Clause(self.canonical, start, end, (clause_start, clause_end))

    def in_idiom(self, clause: Clause) -> bool:
        match_end = clause.match_start + len(clause.match)
        spans = self.cue_spans("idioms.txt", clause.start, clause.end)
        return any(s < match_end and clause.match_start < e for s, e in spans)

    def _recent(self, clause: Clause) -> bool:
        """A sign of now in the clause that is not part of a past cue ("a year ago tonight"
        tells an anniversary, not tonight)."""
        return self._now_in(clause, None)

    def _recent_outside_match(self, clause: Clause) -> bool:
        """A sign of now in the clause that is not a word of the match itself: "again" in
        "he'd say I'd never see the kids again" does not make a retold threat current."""
        return self._now_in(clause, (clause.match_start, clause.match_start + len(clause.match)))

    def _now_in(self, clause: Clause, besides: tuple[int, int] | None) -> bool:
        """Whether a recent.txt cue lies in the clause, outside canonical[besides] (a match)
        and outside every past cue ("a year ago tonight", "this time last year")."""
        found = [
            (s, e)
            for s, e in self.cue_spans("recent.txt", clause.start, clause.end)
            if e <= clause.end + 1 and not (besides and besides[0] - 1 <= s and e <= besides[1] + 1)
        ]
        if not found:
            return False
        past = self.cue_spans("past.txt", clause.start, clause.end)
        return any(not any(ps <= s and e <= pe for ps, pe in past) for s, e in found)

    def _before(self, name: str, clause: Clause) -> bool:
        return self.cue_in(name, clause.start, clause.match_start)

    def _told_as_past(
        self, clause: Clause, weak_past: frozenset[str], *, own_words_are_now: bool = True
    ) -> bool:
        """A distant past, or a past tense in a message that says things are better now;
        either way with no sign of now in the clause (for danger, outside the match: its own
        "again" or "just" is part of the threat, not a time). (The order saves work: the
        cheap word check and the likeliest cue come first.)"""
        recent = self._recent if own_words_are_now else self._recent_outside_match
        if self._distant_past(clause):
            return not recent(clause)
        nearby = tokens(clause.before)[-3:] + tokens(clause.match)[:3]
        if weak_past.isdisjoint(nearby) or not self.recovery:
            return False
        return not recent(clause)

    def _distant_past(self, clause: Clause) -> bool:
        """A distant-past cue in the clause (past.txt), or a next sentence that dates this one."""
        return self.cue_in("past.txt", clause.start, clause.end) or self._dated_after(clause)

    def _dated_after(self, clause: Clause) -> bool:
        """The sentence after the match's starts by pointing back to it (past_after.txt: "that
        was", "this happened") and dates it to a distant past (past.txt), with no sign of now
        in that clause outside the past cue: "he said he'd burn the house down with me in it.
        that was 2018.", "my last message to him was 'goodbye forever'. that was 6 months ago
        today"."""
        canonical = self.canonical
        at = canonical.find(" . ", clause.match_start)
        if at < 0 or at + 3 >= len(canonical):
            return False
        start = at + 2  # the leading space of the next sentence's first word
        if not any(s == start + 1 for s, _ in self.cue_spans("past_after.txt", start, start + 40)):
            return False
        following = self.clause(start + 1, start + 2)
        return self.cue_in("past.txt", following.start, following.end) and not self._recent(
            following
        )

    def reported_after(self, start: int, end: int) -> bool:
        """Whether words straight after the match name someone else as its speaker or sender
        (reported_after.txt): "'i'll kill myself' he'd say whenever i packed a bag", "the 'i'm
        going to end it all' texts he sent me". Only a comma or a word such as "all" may stand
        between (_QUOTE_GAP); "i want to die, he said i should" is not his words."""
        clause = self.clause(start, end)
        for cue_start, _ in self.cue_spans("reported_after.txt", end - 1, clause.end):
            gap = tokens(self.canonical[end:cue_start])
            return len(gap) <= 2 and _QUOTE_GAP.issuperset(gap)
        return False

    def negated_at(self, start: int, end: int, *, danger: bool = False) -> bool:
        """Whether the match at canonical[start:end] is negated ("I'm not going to ..."), as
        self_harm_counts (or, with ``danger``, danger_counts) reads negation."""
        return self.negated_span(start, end, danger=danger) is not None

    def negated_span(self, start: int, end: int, *, danger: bool = False) -> tuple[int, int] | None:
        """The match with the negator that denies it ("not going to kill myself"), or None
        when it is not negated (as negated_at reads it)."""
        clause = self.clause(start, end)
        at = negation_start(clause.before)
        if at is None or (danger and self._writer_negated_for_other(clause)):
            return None
        return clause.start + at, end

    @staticmethod
    def _writer_negated_for_other(clause: Clause) -> bool:
        # "if I don't leave, he will kill me": the writer's own verb is negated, not the threat.
        first = clause.match.split(" ", 1)[0]
        return first in OTHER_SUBJECT_STARTS and writer_negated(clause.before)

    def quoted_own_threat(self, start: int, end: int) -> bool:
        """Whether the match is someone else's threat against themselves, quoted straight
        after the words that report it: "he'd say 'I'll kill myself'", "she would scream 'i'm
        going to kill myself'". Not "he told me to kill myself" (an order to the writer, who
        may be about to obey) nor "...and I will kill myself" after a report (the writer)."""
        if self.said_yes:
            return False
        clause = self.clause(start, end)
        for _, cue_end in self.cue_spans("reported.txt", clause.start, clause.match_start):
            if self.canonical[cue_end : clause.match_start].strip() in _QUOTED_INTENT:
                return True
        return False

    def plan_counts(self, start: int, end: int) -> bool:
        """Whether a crisis_self_plans match (a plan named only as "it") is the writer's crisis:
        as self_harm_counts, and the message names no other plan ("...to leave him")."""
        return not self.names_other_plan and self.self_harm_counts(start, end)

    def self_harm_counts(self, start: int, end: int) -> bool:
        """Whether a crisis_self match at canonical[start:end] is the writer's crisis now."""
        clause = self.clause(start, end)
        if negated(clause.before):
            return False
        # "he wants to die" is not the writer's crisis; "kill myself" names its own subject.
        if (
            FIRST_PERSON.isdisjoint(clause.match_words())
            and nearest_subject(clause.before) == "other"
        ):
            return False
        if self._told_as_past(clause, _WEAK_PAST_SELF):
            return False
        if (self._before("reported.txt", clause) or self.reported_after(start, end)) and (
            not self.said_yes
        ):
            return False
        if self._before("dreams.txt", clause):
            return False
        return not self.in_idiom(clause)

    def danger_counts(self, start: int, end: int, *, needs_recent: bool) -> bool:
        """Whether a crisis_danger match is danger now (``needs_recent``: a past-tense one)."""
        clause = self.clause(start, end)
        if negated(clause.before) and not self._writer_negated_for_other(clause):
            return False
        if needs_recent:
            if not self._recent(clause):
                return False
        elif self._told_as_past(clause, _WEAK_PAST_DANGER, own_words_are_now=False):
            return False
        if self._before("hypothetical.txt", clause) or self._before("dreams.txt", clause):
            return False
        if self.cue_in("future.txt", clause.start, clause.end) and not self._recent(clause):
            return False
        return not self.in_idiom(clause)

    def harassment_counts(self, start: int, end: int) -> bool:
        clause = self.clause(start, end)
        if negated(clause.before) or self.in_idiom(clause):
            return False
        if self._before("harassment_reported.txt", clause) or self.reported_after(start, end):
            return False
        # Retold from the distant past ("one of his flying monkeys wrote 'watch your back' on my
        # facebook in 2021"): a story about an attack, not one on someone in the room now. Not
        # when the clause speaks to "you" outside the insult's own words: "you used to be my
        # friend you stupid bitch" is an insult now, past words and all.
        if self._distant_past(clause) and not self._recent(clause):
            after = self.canonical[clause.match_start + len(clause.match) : clause.end]
            if SECOND_PERSON.isdisjoint(tokens(clause.before + after)):
                return False
        # "I keep crying", "I'm trying to get over it": phrases without "you" need a target.
        if SECOND_PERSON.isdisjoint(clause.match_words()):
            return nearest_subject(clause.before) != "self"
        return True
