"""Watched words: moderators' own list of words and patterns, each with an action.

Owns: validating and compiling WatchedEntry rows (which moderation's models store and the
admin form edits) into WatchedRules, and matching a message against them.
- A plain entry ("idiot", "go away") matches whole words, case-insensitively, on the same
  de-obfuscated text the classifier reads: "1d10t", "IDIOT", the word in Cyrillic look-alike
  letters, "i d i o t" and "idiooot" all match "idiot", but "ass" does not match "as".
- A regex entry is a Python regular expression, matched case-insensitively against the stored
  text and against the de-obfuscated text. validate_pattern refuses the ones that cannot
  compile, match an empty message (they would match everything), or repeat a part that
  itself repeats or has alternatives ("(a+)+", "(a|aa)+"), which can take exponential time.
- The strongest matching action wins: block > hold > deliver (deliver means "flag, but
  deliver": review() returns reason "watched_word" with Action.DELIVER, i.e. Decision.flag).

Must not: touch the database (the caller passes entries in and caches the compiled rules),
or raise on a bad entry at match time: compile_watched skips it and lists it in ``skipped``.
"""

from __future__ import annotations

import re

# The regex parser (re._parser since Python 3.11) is only used to reject slow patterns.
import re._parser as _sre_parse
from collections.abc import Iterable
from dataclasses import dataclass, field

from moderation.decision import Action
from moderation.skeleton import TextView, canonical_words, collapse_repeats, view

__all__ = ["WatchedEntry", "WatchedRules", "compile_watched", "validate_pattern"]

MAX_PATTERN_LENGTH = 200
_STRENGTH = (Action.BLOCK, Action.HOLD, Action.DELIVER)


@dataclass(frozen=True)
class WatchedEntry:
    pattern: str
    is_regex: bool
    action: Action


def _risky_repeat(parsed: object, *, inside_repeat: bool = False) -> bool:
    """Whether an unbounded repeat contains another repeat or an alternation.

    That is the shape of catastrophic backtracking ("(a+)+", "(a|aa)+"): on a long message such
    a pattern can take exponential time, and Python's re has no timeout.
    """
    for op, argument in parsed:  # type: ignore[attr-defined]
        name = str(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            _low, high, body = argument
            unbounded = high == _sre_parse.MAXREPEAT or high > 50
            if unbounded and inside_repeat:
                return True
            if _risky_repeat(body, inside_repeat=inside_repeat or unbounded):
                return True
        elif name == "SUBPATTERN":
            if _risky_repeat(argument[-1], inside_repeat=inside_repeat):
                return True
        elif name == "BRANCH":
            if inside_repeat:
                return True
            if any(_risky_repeat(branch, inside_repeat=False) for branch in argument[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT") and _risky_repeat(
            argument[1], inside_repeat=inside_repeat
        ):
            return True
    return False


def validate_pattern(pattern: str, is_regex: bool) -> str | None:
    """None when the entry can be used, else one sentence saying what to change."""
    if not pattern.strip():
        return "Enter a word or a pattern."
    if len(pattern) > MAX_PATTERN_LENGTH:
        return f"Keep it to {MAX_PATTERN_LENGTH} characters or fewer."
    if not is_regex:
        if not _plain_words(pattern):
            return "A watched word needs at least one letter or digit."
        return None
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        return f"This is not a valid regular expression ({error})."
    if compiled.search(""):
        return "This pattern matches an empty message, so it would match every message."
    if "(?" in pattern and re.search(r"\(\?[aiLmsux]*\)", pattern):
        return "Flags such as (?i) are not needed: matching already ignores case."
    try:
        parsed = _sre_parse.parse(pattern)
    except Exception:  # pragma: no cover - compile() above already accepted it
        return None
    if _risky_repeat(parsed):
        return (
            "This pattern repeats a part that itself repeats or has alternatives (like (a+)+ "
            "or (a|b)+), which can make matching very slow; simplify it."
        )
    return None


def _plain_words(pattern: str) -> tuple[str, ...]:
    return tuple(word for word in canonical_words(pattern) if word not in ".,:")


def _plain_regex(words: tuple[str, ...]) -> str:
    return r"(?<!\S)" + "".join(re.escape(word) + " " for word in words)


@dataclass(frozen=True)
class _ActionRules:
    single_words: frozenset[str]
    phrases: re.Pattern[str] | None
    dense: re.Pattern[str] | None
    regexes: tuple[re.Pattern[str], ...]

    def matches(self, text_view: TextView) -> bool:
        if self.single_words and not self.single_words.isdisjoint(text_view.word_set):
            return True
        if self.phrases is not None and self.phrases.search(text_view.canonical):
            return True
        if self.dense is not None and any(self.dense.search(d) for d in text_view.dense):
            return True
        return any(
            regex.search(text_view.body) or regex.search(text_view.canonical)
            for regex in self.regexes
        )


@dataclass(frozen=True)
class WatchedRules:
    """Compiled watched words; build once per change of the list and reuse for every message."""

    by_action: tuple[tuple[Action, _ActionRules], ...]
    skipped: tuple[tuple[WatchedEntry, str], ...] = field(default=())

    def match(self, normalized_text: str) -> Action | None:
        """The strongest action among the entries the (normalised) text matches, or None."""
        return self.match_view(view(normalized_text))

    def match_view(self, text_view: TextView) -> Action | None:
        for action, rules in self.by_action:
            if rules.matches(text_view):
                return action
        return None

    def __bool__(self) -> bool:
        return bool(self.by_action)


def compile_watched(entries: Iterable[WatchedEntry]) -> WatchedRules:
    """Compile entries; invalid ones are skipped and reported in ``skipped``, never raised."""
    singles: dict[Action, set[str]] = {action: set() for action in _STRENGTH}
    phrases: dict[Action, list[str]] = {action: [] for action in _STRENGTH}
    dense: dict[Action, list[str]] = {action: [] for action in _STRENGTH}
    regexes: dict[Action, list[re.Pattern[str]]] = {action: [] for action in _STRENGTH}
    skipped: list[tuple[WatchedEntry, str]] = []
    for entry in entries:
        action = Action(entry.action)
        problem = validate_pattern(entry.pattern, entry.is_regex)
        if problem is not None:
            skipped.append((entry, problem))
            continue
        if entry.is_regex:
            regexes[action].append(re.compile(entry.pattern, re.IGNORECASE))
            continue
        words = _plain_words(entry.pattern)
        if len(words) == 1:
            singles[action].add(words[0])
        else:
            phrases[action].append(_plain_regex(words))
        joined = collapse_repeats("".join(words))
        if len(joined) >= 4:
            dense[action].append(re.escape(joined))
    by_action = []
    for action in _STRENGTH:
        if singles[action] or phrases[action] or regexes[action]:
            by_action.append(
                (
                    action,
                    _ActionRules(
                        single_words=frozenset(singles[action]),
                        phrases=re.compile("|".join(phrases[action])) if phrases[action] else None,
                        dense=re.compile("|".join(dense[action])) if dense[action] else None,
                        regexes=tuple(regexes[action]),
                    ),
                )
            )
    return WatchedRules(by_action=tuple(by_action), skipped=tuple(skipped))
