"""Finding compiled lexicon phrases in messages, quickly.

Owns: PhraseSet (the phrases of one lexicon file, indexed by anchor), AnchorIndex (which
anchor keys a message's words carry), and loading and checking lexicon files. A phrase's
regex runs only when the message has a key from every required part of it, so an ordinary
message runs few phrase regexes or none; the look-ups are set operations done in C.

Must not: know what a list means (classify.py and context.py decide), or read files per
message.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from functools import cache

from moderation.datafiles import read_entries
from moderation.phrases import Phrase, PhraseError, alternation, compile_phrase
from moderation.skeleton import TextView

__all__ = ["AnchorIndex", "PhraseSet", "check_lexicon", "load_phrase_set"]


class PhraseSet:
    """The compiled entries of one lexicon file, indexed by anchor."""

    def __init__(
        self, name: str, phrases: Sequence[Phrase], tags: Sequence[str] | None = None
    ) -> None:
        self.name = name
        self.phrases = tuple(phrases)
        # Which file each phrase came from, when several sets are merged into one.
        self.tags = tuple(tags) if tags is not None else (name,) * len(self.phrases)
        by_key: dict[str, list[int]] = defaultdict(list)
        unanchored: list[int] = []
        for index, phrase in enumerate(phrases):
            if phrase.anchors is None:
                unanchored.append(index)
            else:
                for key in phrase.anchors:
                    by_key[key].append(index)
        self.by_key = {key: tuple(indexes) for key, indexes in by_key.items()}
        self.unanchored = tuple(unanchored)  # phrases with no anchorable part run everywhere
        # For candidates(): under each anchor key, its phrases with their second requirement
        # (None when there is none) and the rest. Most checks fail at the second one, so it
        # is tested on its own, without entering a loop.
        self._checks = {
            key: tuple(
                (index, requirements[1] if len(requirements) > 1 else None, requirements[2:])
                for index in indexes
                for requirements in (phrases[index].requirements,)
            )
            for key, indexes in self.by_key.items()
        }
        # Compiled on first use: most phrases are candidates for few messages, and compiling
        # them all up front made importing the moderation step take seconds.
        self._regexes: list[re.Pattern[str] | None] = [None] * len(self.phrases)
        self._dense_source = alternation(
            [phrase.dense_regex for phrase in phrases if phrase.dense_regex]
        )
        self._dense: re.Pattern[str] | None = None
        self.keys = frozenset(self.by_key)

    def candidates(self, keys: AbstractSet[str]) -> list[int]:
        """Phrases that can match text with these anchor keys (every required part present).

        ``keys`` may hold other words too (AnchorIndex.keys returns the message's words): a
        word that no phrase requires changes no answer here.
        """
        found = list(self.unanchored)  # no requirement at all: a candidate everywhere
        checks = self._checks
        # Plain loops: this runs for every message, and generator-based all() costs more.
        for key in self.keys.intersection(keys):
            for index, second, others in checks[key]:
                if second is not None and second.isdisjoint(keys):
                    continue
                for required in others:
                    if required.isdisjoint(keys):
                        break
                else:
                    found.append(index)
        # A phrase whose anchor holds two of the keys was found twice.
        return found if len(found) < 2 else list(dict.fromkeys(found))

    def find(
        self, canonical: str, keys: AbstractSet[str], start: int = 0, end: int | None = None
    ) -> list[tuple[int, int]]:
        """(start, end) of every match inside canonical[start:end]; start is the first letter.

        A window start must be a word's leading space (or 0): matches begin with that space.
        """
        return self.run(self.candidates(keys), canonical, start, end)

    def run(
        self, indexes: Iterable[int], canonical: str, start: int = 0, end: int | None = None
    ) -> list[tuple[int, int]]:
        """Matches of the given phrases (see ``find``), sorted and without duplicates."""
        found: set[tuple[int, int]] = set()
        stop = len(canonical) if end is None else end
        for index in indexes:
            for match in self.regex(index).finditer(canonical, start, stop):
                found.add((match.start() + 1, match.end()))
        return sorted(found)

    def regex(self, index: int) -> re.Pattern[str]:
        """The compiled regex of one phrase (compiled on first use)."""
        regex = self._regexes[index]
        if regex is None:
            regex = self._regexes[index] = re.compile(self.phrases[index].regex)
        return regex

    @classmethod
    def merged(cls, name: str, phrase_sets: Sequence[PhraseSet]) -> PhraseSet:
        """One set holding the phrases of several: one candidate look-up serves them all."""
        phrases = [phrase for phrase_set in phrase_sets for phrase in phrase_set.phrases]
        tags = [tag for phrase_set in phrase_sets for tag in phrase_set.tags]
        return cls(name, phrases, tags)

    def compile_all(self) -> None:
        """Compile every regex now instead of on first use (see review.warm_up)."""
        for index, phrase in enumerate(self.phrases):
            if self._regexes[index] is None:
                self._regexes[index] = re.compile(phrase.regex)
        if self._dense_source and self._dense is None:
            self._dense = re.compile(self._dense_source)

    def dense_match(self, text_view: TextView) -> bool:
        """Whether a letter-spaced run of the message spells one of the phrases."""
        if not self._dense_source or not text_view.dense:
            return False
        if self._dense is None:
            self._dense = re.compile(self._dense_source)
        dense = self._dense
        return any(dense.search(segment) for segment in text_view.dense)


class AnchorIndex:
    """Which anchor keys a message's words carry, for any number of PhraseSets."""

    def __init__(self, phrase_sets: Iterable[PhraseSet]) -> None:
        keys: set[str] = set()
        for phrase_set in phrase_sets:
            for phrase in phrase_set.phrases:
                for required in phrase.requirements:
                    keys |= required
        # A word's key is the word itself; a word start's key is "p:" + the start.
        self._prefixes = frozenset(key[2:] for key in keys if key.startswith("p:"))
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefixes})
        # Words seen so far: those starting with a lexicon prefix, with their keys, and the rest.
        self._prefixed: dict[str, tuple[str, ...]] = {}
        self._unprefixed: set[str] = set()

    def _learn(self, word: str) -> None:
        keys = tuple(
            "p:" + word[:length]
            for length in self._prefix_lengths
            if length <= len(word) and word[:length] in self._prefixes
        )
        if len(self._unprefixed) + len(self._prefixed) >= 100_000:
            self._unprefixed.clear()
            self._prefixed.clear()
        if keys:
            self._prefixed[word] = keys
        else:
            self._unprefixed.add(word)

    def keys(self, words: frozenset[str]) -> frozenset[str]:
        """The anchor keys of a message's set of canonical words, and its other words.

        Every phrase requirement is a set of keys, so words that are not keys never change
        whether one is met: returning them too saves intersecting with the key list.
        """
        unknown = words - self._unprefixed  # words with a word-start key, or not seen yet
        if not unknown:
            return words
        prefixed = self._prefixed
        extra: list[str] = []
        for word in unknown:
            if word not in prefixed:
                self._learn(word)
            extra.extend(prefixed.get(word, ()))
        return words.union(extra) if extra else words


def check_lexicon(name: str) -> list[str]:
    """Every problem in lexicons/<name>, as "name:line: reason" (empty when all compile)."""
    problems = []
    for number, line in read_entries(name):
        try:
            phrase = compile_phrase(line)
            re.compile(phrase.regex)
            if phrase.dense_regex:
                re.compile(phrase.dense_regex)
        except (PhraseError, re.error) as error:
            problems.append(f"{name}:{number}: {error}")
    return problems


@cache
def load_phrase_set(name: str) -> PhraseSet:
    """The compiled lexicons/<name>. A bad line is skipped with a warning, never a crash:
    a moderator's typo must not take the chat down (tests check every shipped file)."""
    phrases = []
    for number, line in read_entries(name):
        try:
            phrases.append(compile_phrase(line))
        except PhraseError as error:
            warnings.warn(f"lexicons/{name}:{number}: {error}", stacklevel=2)
    return PhraseSet(name, phrases)
