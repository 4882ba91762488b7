"""The small closed word classes the context rules read, and the two readings made with them
alone: whether a match is negated, and who it is about.

Owns: negators and what ends their reach, person words, and the functions over the words
before a match (its clause part, as context.py cuts it): negated / negation_start (for the
learned model's cut), writer_negated ("if I don't answer, he will..."), nearest_subject.
These are grammar, not vocabulary, so they live in code; the cue phrases are data
(lexicons/*.txt, read by context.py).

Must not: load lexicons, know about clauses or cue lists (context.py), or decide a label.
"""

from __future__ import annotations

__all__ = [
    "FIRST_PERSON",
    "OTHER_SUBJECT_STARTS",
    "SECOND_PERSON",
    "nearest_subject",
    "negated",
    "negation_start",
    "tokens",
    "writer_negated",
]

_NEGATORS = frozenset({"not", "never", "nor", "neither", "hardly", "barely", "nobody"})
# "no" negates only in these pairs: "no longer want to die", not "nooo i want to die".
_NO_PAIRS = frozenset({"longer", "way", "intention", "intentions", "plans", "plan", "desire"})
# Words that end a negation's reach: "I don't think anyone would miss me" still counts,
# "I can't stop thinking about it" is not a denial.
_NEGATION_BLOCKERS = frozenset({
    "think", "thinks", "thought", "know", "knows", "sure", "if", "whether", "why", "how",
    "care", "cares", "believe", "understand", "mean", "matter", "matters", "stop", "help",
    "wait", "anyone", "anybody", "imagine", "remember", "see", "feel", "feels"
})  # fmt: skip
_NEGATION_WINDOW = 4
FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine", "we", "us", "our", "ourselves"})
SECOND_PERSON = frozenset({"you", "your", "yourself", "yourselves", "ur", "ya", "urself"})
_OTHER_PEOPLE = SECOND_PERSON | frozenset({
    "he", "him", "his", "himself", "she", "her", "hers", "herself", "they", "them", "their",
    "themselves", "someone", "somebody", "anyone", "anybody", "everyone", "everybody", "people",
    "person", "friend", "friends", "sister", "brother", "mum", "mom", "mother", "dad", "father",
    "son", "daughter", "ex", "husband", "wife", "partner", "boyfriend", "girlfriend", "bf",
    "gf", "cousin", "aunt", "uncle", "nan", "gran", "grandma", "grandad", "colleague", "kid",
    "kids", "child", "children", "nephew", "niece", "stepdad", "stepmum", "stepmom",
    "neighbour", "neighbor", "mate", "mates", "abuser", "narcissist", "guy", "girl", "man",
    "woman"
})  # fmt: skip
_SUBJECT_WINDOW = 6


def tokens(text: str) -> list[str]:
    """The words of canonical text (punctuation tokens included)."""
    return text.split()


def negated(before: str) -> bool:
    """A negator in the last few words before a match, with no blocker after it."""
    return _negator(before) is not None


def negation_start(before: str) -> int | None:
    """Where in ``before`` the negator that negates the match starts, if one does ("i am
    |not going to..."): cutting a denied phrase cuts its negator too, so that what is left
    ("i am") does not read as "i am not (okay)"."""
    back = _negator(before)
    if back is None:
        return None
    stripped = before.rstrip(" ")
    tail = " ".join(stripped.rsplit(" ", back)[-back:])
    return len(stripped) - len(tail)


def _negator(before: str) -> int | None:
    """How many words from the end of ``before`` the negating word stands (1: the last word),
    or None when the match is not negated."""
    words = tokens(before)
    if "," in words:
        words = words[len(words) - words[::-1].index(",") :]
    words = words[-_NEGATION_WINDOW:]
    for index in range(len(words) - 1, -1, -1):
        token = words[index]
        is_no_pair = token == "no" and index + 1 < len(words) and words[index + 1] in _NO_PAIRS
        # "why don't you just..." suggests rather than denies.
        is_suggestion = token == "not" and words[max(0, index - 2) : index] == ["why", "do"]
        if (token in _NEGATORS or is_no_pair) and not is_suggestion:
            if _NEGATION_BLOCKERS.isdisjoint(words[index + 1 :]):
                return len(words) - index
            return None
    return None


# The first word of a danger phrase that names someone else as the one acting ("he will...").
OTHER_SUBJECT_STARTS = frozenset({
    "he", "she", "they", "him", "them", "someone", "somebody", "my", "his", "her", "their", "a",
    "the"
})  # fmt: skip


def writer_negated(before: str) -> bool:
    """The last negator before a match negates the writer's own verb: "if I don't (answer),
    he will...", "I won't go back, he'll...". Then it says nothing about what another person
    in the match does."""
    words = tokens(before)[-_NEGATION_WINDOW - 2 :]
    for index in range(len(words) - 1, -1, -1):
        if words[index] in _NEGATORS:
            return not FIRST_PERSON.isdisjoint(words[max(0, index - 3) : index])
    return False


def nearest_subject(before: str) -> str | None:
    """ "self", "other" or None: the closest person word before a match, within its clause part."""
    words = tokens(before)
    for token in reversed(words[-_SUBJECT_WINDOW:]):
        if token == ",":
            return None
        if token in FIRST_PERSON:
            return "self"
        if token in _OTHER_PEOPLE:
            return "other"
    return None
