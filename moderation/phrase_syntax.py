"""The phrase language of the lexicon files: parsing an entry into a tree.

Owns: the syntax (also in docs/moderation.md) and its errors:

    word        a whole word; written naturally ("don't", "i'm"): it is canonicalised like the
                message, so it also finds "dont", "do not", "DON'T", "d0nt"
    word*       any word that starts with word ("kill*": kill, kills, killing, killed)
    (a|b c)     one of the alternatives; an alternative may be several words or groups
    [a|b c]     the same, optional
    ...         up to three other words of the same sentence
    $           the sentence or a comma-separated part of it ends here; followed by words, the
                next part starts with them ("goodbye all $ !($ see you)": not "goodbye all.
                see you soon")
    !x          the next words are not x (x: a word, word* or group); consumes nothing
    #num #big   any number; a number of 10 or more
    #year       a year from 1900 to 2099
    @name       the alternatives defined as "@name = a|b|c" in lexicons/macros.txt

Must not: compile regexes (phrases.py) or match anything (matching.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from moderation.datafiles import read_entries, read_mapping
from moderation.skeleton import canonical_words

__all__ = ["Node", "PhraseError", "parse"]


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


Node = _Word | _Prefix | _Num | _Gap | _End | _Not | _Seq | _Group
_Node = Node

_SYNTAX = re.compile(r"\.\.\.|[()\[\]|$!]|[^\s()\[\]|$!]+")


@cache
def _macros() -> dict[str, str]:
    macros = {}
    for name, body in read_mapping("macros.txt").items():
        if body.startswith("file:"):
            # A whole file as alternatives: moderators extend insults.txt line by line.
            body = "|".join(entry for _, entry in read_entries(body[5:].strip()))
        macros[name] = body
    return macros


@cache
def _macro(name: str) -> Node | None:
    """The parsed alternatives of a macro (parsed once: most phrases use a few macros)."""
    body = _macros().get(name)
    return None if body is None else _Parser(f"({body})").element()


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
            following = self.peek()
            if following is None or following in ")]|!$":
                raise self.fail("'!' must be followed by a word or group")
            return _Not(self.element())
        if token == "...":
            return _Gap()
        if token == "$":
            return _End()
        if token in ("#num", "#big", "#year"):
            return _Num(kind=token[1:])
        if token.startswith("@"):
            tree = _macro(token)
            if tree is None:
                raise self.fail(f"unknown macro {token}")
            return tree
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


def parse(source: str) -> _Seq:
    """The tree of one lexicon entry; raises PhraseError saying what is wrong."""
    return _Parser(source).parse()
