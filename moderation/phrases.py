"""The phrase language of the lexicon files, compiled to regexes over a TextView's canonical text.

Owns: parsing and compiling entries such as "(want|wish) to die !(my hair)" and finding them
quickly. The syntax (also in docs/moderation.md):

    word        a whole word; written naturally ("don't", "i'm"): it is canonicalised like the
                message, so it also finds "dont", "do not", "DON'T", "d0nt"
    word*       any word that starts with word ("kill*": kill, kills, killing, killed)
    (a|b c)     one of the alternatives; an alternative may be several words or groups
    [a|b c]     the same, optional
    ...         up to three other words of the same sentence
    $           the sentence or a comma-separated part of it ends here
    !x          the next words are not x (x: a word, word* or group); consumes nothing
    #num #big   any number; a number of 10 or more
    #year       a year from 1900 to 2099
    @name       the alternatives defined as "@name = a|b|c" in lexicons/macros.txt

Speed: each phrase has an anchor, a word or word-start every match must contain, chosen to be
as rare as possible (its key is the word itself, or "p:" + the word start). A message's words are looked up once (AnchorIndex); a phrase's regex runs only when the
message has a key from every required part of it, so most messages run none. Alternatives of
plain words compile to a character trie.

Must not: know what a list means (classify.py and context.py decide), or read files per message.
"""

from __future__ import annotations

import re
import warnings
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from moderation.datafiles import read_entries, read_mapping
from moderation.skeleton import TextView, canonical_words, collapse_repeats

__all__ = [
    "AnchorIndex",
    "Phrase",
    "PhraseError",
    "PhraseSet",
    "check_lexicon",
    "compile_phrase",
    "load_phrase_set",
]


class PhraseError(ValueError):
    """A lexicon entry that cannot be compiled; the message says where and why."""


@dataclass(frozen=True, slots=True)
class _Word:
    text: str


@dataclass(frozen=True, slots=True)
class _Prefix:
    text: str


@dataclass(frozen=True, slots=True)
class _Num:
    kind: str  # "num", "big" (10 or more) or "year" (1900-2099)


@dataclass(frozen=True, slots=True)
class _Gap:
    pass


@dataclass(frozen=True, slots=True)
class _End:
    pass


@dataclass(frozen=True, slots=True)
class _Not:
    node: _Node


@dataclass(frozen=True, slots=True)
class _Seq:
    items: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Group:
    alts: tuple[_Seq, ...]
    optional: bool


_Node = _Word | _Prefix | _Num | _Gap | _End | _Not | _Seq | _Group

_DIGITS = {"num": "[0-9]+", "big": "[1-9][0-9]+", "year": "(?:19|20)[0-9][0-9]"}
_SYNTAX = re.compile(r"\.\.\.|[()\[\]|$!]|[^\s()\[\]|$!]+")
# Words too common to be an anchor when anything rarer is available.
_COMMON = frozenset(
    ["i", "me", "my", "myself", "you", "your", "he", "she", "they", "them", "him", "her", "his", "it", "is", "am", "are", "was", "were", "be", "been", "to", "the", "a", "an", "and", "of", "in", "on", "at", "do", "not", "no", "will", "would", "can", "could", "have", "has", "had", "that", "this", "so", "just", "all", "get", "got", "go", "going", "want", "feel", "like", "with", "for", "if", "what", "when", ",", ":", "."]
)


@cache
def _macros() -> dict[str, str]:
    macros = {}
    for name, body in read_mapping("macros.txt").items():
        if body.startswith("file:"):
            # A whole file as alternatives: moderators extend insults.txt line by line.
            body = "|".join(entry for _, entry in read_entries(body[5:].strip()))
        macros[name] = body
    return macros


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _SYNTAX.findall(source)
        self.pos = 0

    def fail(self, problem: str) -> PhraseError:
        return PhraseError(f"{problem} in {self.source!r}")

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def parse(self) -> _Seq:
        seq = self.sequence(stop=())
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek()!r}")
        if not seq.items:
            raise self.fail("empty phrase")
        return seq

    def sequence(self, *, stop: tuple[str, ...]) -> _Seq:
        items: list[_Node] = []
        while (token := self.peek()) is not None and token not in stop:
            if token in ")]|":
                raise self.fail(f"unbalanced {token!r}")
            items.append(self.element())
        return _Seq(tuple(items))

    def element(self) -> _Node:
        token = self.take()
        if token in "([":
            closer = ")" if token == "(" else "]"
            alts = [self.sequence(stop=("|", closer))]
            while self.peek() == "|":
                self.take()
                alts.append(self.sequence(stop=("|", closer)))
            if self.peek() != closer:
                raise self.fail(f"missing {closer!r}")
            self.take()
            if any(not alt.items for alt in alts):
                raise self.fail("empty alternative")
            return _Group(tuple(alts), optional=token == "[")
        if token == "!":
            if self.peek() is None or self.peek() in ")]|!$":
                raise self.fail("'!' must be followed by a word or group")
            return _Not(self.element())
        if token == "...":
            return _Gap()
        if token == "$":
            return _End()
        if token in ("#num", "#big", "#year"):
            return _Num(kind=token[1:])
        if token.startswith("@"):
            body = _macros().get(token)
            if body is None:
                raise self.fail(f"unknown macro {token}")
            return _Parser(f"({body})").element()
        return _word(token, self)


def _word(token: str, parser: _Parser) -> _Node:
    if token.endswith("*"):
        stem = canonical_words(token[:-1])
        if len(stem) != 1 or not stem[0]:
            raise parser.fail(f"{token!r} is not a word start")
        return _Prefix(stem[0])
    words = canonical_words(token)
    if not words:
        raise parser.fail(f"{token!r} has no letters")
    if "." in words:
        raise parser.fail(f"{token!r}: sentence ends cannot be matched (use $)")
    if len(words) == 1:
        return _Word(words[0])
    return _Seq(tuple(_Word(word) for word in words))


def _trie(literals: Sequence[str]) -> str:
    """One regex for many literal strings, factored by shared prefixes.

    "he |her |him |my ex |my husband " becomes "(?:h(?:e |er |im )|my (?:ex |husband ))": the
    regex engine then tests one character per branch instead of every alternative in turn,
    which is what makes the @ab-style macros cheap.
    """
    root: dict[str, dict] = {}
    for literal in literals:
        node = root
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        ends_here = "" in node
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends_here:
            body = f"(?:{body})?"
        return body

    return emit(root)


def _literal(node: _Seq, *, dense: bool) -> str | None:
    """The text a sequence of plain words matches, or None if it has anything else."""
    if not all(isinstance(item, _Word) for item in node.items):
        return None
    words = [item.text for item in node.items]  # type: ignore[union-attr]
    if dense:
        return "".join(collapse_repeats(word) for word in words)
    return "".join(word + " " for word in words)


def _emit(node: _Node, *, dense: bool) -> str:
    if isinstance(node, _Word):
        if dense:
            return re.escape(collapse_repeats(node.text))
        return re.escape(node.text) + " "
    if isinstance(node, _Prefix):
        if dense:
            return re.escape(collapse_repeats(node.text)) + "[a-z]{0,6}"
        return re.escape(node.text) + r"\S* "
    if isinstance(node, _Num):
        digits = _DIGITS[node.kind]
        return digits + ("" if dense else " ")
    if isinstance(node, _Gap):
        return "[a-z]{0,16}?" if dense else r"(?:[^\s.]\S* ){0,3}"
    if isinstance(node, _End):
        return "" if dense else r"(?=[.,] )"
    if isinstance(node, _Not):
        return "" if dense else "(?!" + _emit(node.node, dense=False) + ")"
    if isinstance(node, _Seq):
        return "".join(_emit(item, dense=dense) for item in node.items)
    literals, others = [], []
    for alt in node.alts:
        literal = _literal(alt, dense=dense)
        if literal is None:
            others.append(_emit(alt, dense=dense))
        else:
            literals.append(literal)
    branches = ([_trie(literals)] if literals else []) + others
    return "(?:" + "|".join(branches) + ")" + ("?" if node.optional else "")


def _anchors(node: _Node) -> frozenset[str] | None:
    """Keys of which at least one occurs in every match, or None when there is no such set."""
    if isinstance(node, _Word):
        return frozenset({node.text})
    if isinstance(node, _Prefix):
        return frozenset({"p:" + node.text})
    if isinstance(node, _Group):
        if node.optional:
            return None
        keys: set[str] = set()
        for alt in node.alts:
            alt_keys = _anchors(alt)
            if alt_keys is None:
                return None
            keys |= alt_keys
        return frozenset(keys)
    if isinstance(node, _Seq):
        options = [keys for item in node.items if (keys := _anchors(item)) is not None]
        return min(options, key=_anchor_cost) if options else None
    return None


def _requirements(node: _Node) -> list[frozenset[str]]:
    """Anchor sets of every required part of a phrase: each must meet the message's keys."""
    if isinstance(node, _Seq):
        found: list[frozenset[str]] = []
        for item in node.items:
            found.extend(_requirements(item))
        return found
    keys = _anchors(node)
    return [keys] if keys is not None else []


def _anchor_cost(keys: frozenset[str]) -> int:
    cost = 0
    for key in keys:
        is_word = not key.startswith("p:")
        text = key if is_word else key[2:]
        if is_word:
            cost += 1000 if text in _COMMON else 2
        else:
            cost += 3 if len(text) >= 4 else 50
    return cost


def _word_count(node: _Node) -> int:
    if isinstance(node, _Word | _Prefix):
        return 1
    if isinstance(node, _Seq):
        return sum(_word_count(item) for item in node.items)
    if isinstance(node, _Group):
        return min(_word_count(alt) for alt in node.alts)
    return 0


@dataclass(frozen=True, slots=True)
class Phrase:
    source: str
    regex: str
    dense_regex: str | None
    # Every set must share a key with the message for the phrase to be able to match; the
    # first (rarest) one is the anchor the phrase is indexed under.
    requirements: tuple[frozenset[str], ...]

    @property
    def anchors(self) -> frozenset[str] | None:
        return self.requirements[0] if self.requirements else None


def compile_phrase(source: str) -> Phrase:
    """Compile one entry; raises PhraseError with the reason when it cannot be."""
    tree = _Parser(source).parse()
    # Canonical text starts with a space and every word ends with one, so a leading literal
    # space marks a word start; a literal first character also lets the regex engine skip
    # ahead quickly (a lookbehind here made every search several times slower).
    regex = " " + _emit(tree, dense=False)
    dense_regex = _emit(tree, dense=True)
    try:
        re.compile(regex)
        re.compile(dense_regex)
    except re.error as error:  # pragma: no cover - the emitter only writes valid regexes
        raise PhraseError(f"cannot compile {source!r}: {error}") from error
    # Dense matching ignores word boundaries, so short single words would hit inside others.
    long_enough = _word_count(tree) >= 2 or len(dense_regex) >= 7
    requirements = sorted(
        set(_requirements(tree)), key=lambda keys: (_anchor_cost(keys), sorted(keys))
    )
    return Phrase(
        source=source,
        regex=regex,
        dense_regex=dense_regex if long_enough else None,
        requirements=tuple(requirements),
    )


def _alternation(regexes: Sequence[str]) -> str:
    return "|".join(f"(?:{regex})" for regex in regexes)


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
        self._regexes = tuple(re.compile(phrase.regex) for phrase in phrases)
        self._rest = tuple(phrase.requirements[1:] for phrase in phrases)
        dense = [phrase.dense_regex for phrase in phrases if phrase.dense_regex]
        self.dense = re.compile(_alternation(dense)) if dense else None
        self.keys = frozenset(self.by_key)

    def candidates(self, keys: set[str]) -> list[int]:
        """Phrases that can match text with these anchor keys (every required part present)."""
        hit = self.keys.intersection(keys)
        if not hit:
            return list(self.unanchored)
        by_key, rest = self.by_key, self._rest
        if len(hit) == 1 and not self.unanchored:
            indexes: Iterable[int] = by_key[next(iter(hit))]
        else:
            indexes = set(self.unanchored).union(*[by_key[key] for key in hit])
        found = []
        # A plain loop: this runs for every message, and generator-based all() costs more.
        for index in indexes:
            for required in rest[index]:
                if required.isdisjoint(keys):
                    break
            else:
                found.append(index)
        return found

    def find(
        self, canonical: str, keys: set[str], start: int = 0, end: int | None = None
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
        regexes = self._regexes
        stop = len(canonical) if end is None else end
        for index in indexes:
            for match in regexes[index].finditer(canonical, start, stop):
                found.add((match.start() + 1, match.end()))
        return sorted(found)

    @classmethod
    def merged(cls, name: str, phrase_sets: Sequence[PhraseSet]) -> PhraseSet:
        """One set holding the phrases of several: one candidate look-up serves them all."""
        phrases = [phrase for phrase_set in phrase_sets for phrase in phrase_set.phrases]
        tags = [tag for phrase_set in phrase_sets for tag in phrase_set.tags]
        return cls(name, phrases, tags)

    def dense_match(self, text_view: TextView) -> bool:
        """Whether a letter-spaced run of the message spells one of the phrases."""
        if self.dense is None:
            return False
        return any(self.dense.search(segment) for segment in text_view.dense)


class AnchorIndex:
    """Which anchor keys a message's words carry, for any number of PhraseSets."""

    def __init__(self, phrase_sets: Iterable[PhraseSet]) -> None:
        keys: set[str] = set()
        for phrase_set in phrase_sets:
            for phrase in phrase_set.phrases:
                for required in phrase.requirements:
                    keys |= required
        # A word's key is the word itself; a word start's key is "p:" + the start.
        # A plain set, so that "self._exact & words" is a set the caller can extend.
        self._exact: set[str] = {key for key in keys if not key.startswith("p:")}
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

    def keys(self, words: frozenset[str] | set[str]) -> set[str]:
        """The anchor keys of a message's set of canonical words."""
        # Set operations run in C: an ordinary message costs a few microseconds here.
        found = self._exact & words
        unknown = words - self._unprefixed
        if unknown:
            prefixed = self._prefixed
            for word in unknown:
                if word not in prefixed:
                    self._learn(word)
                found.update(prefixed.get(word, ()))
        return found


def check_lexicon(name: str) -> list[str]:
    """Every problem in lexicons/<name>, as "name:line: reason" (empty when all compile)."""
    problems = []
    for number, line in read_entries(name):
        try:
            compile_phrase(line)
        except PhraseError as error:
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
