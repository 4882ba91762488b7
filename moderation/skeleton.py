"""The de-obfuscated "skeleton" of a message that the word lists are matched against.

Owns: turning a stored body into a TextView, once per message:
- ``canonical``: lower case; Cyrillic/Greek/small-capital look-alikes folded to Latin
  (lexicons/confusables.txt); accents dropped; letter-spaced runs joined ("k i l l" -> "kill",
  "k.y.s" -> "kys"); leetspeak undone inside words ("k1ll", "$uicide", "d!e", "p@thetic");
  censoring stars resolved against lexicons/censored.txt ("b*tch"); stretched letters
  respelled to the lexicon word they stretch ("diiiie" -> "die", "kiiilll" -> "kill", while
  "of" stays "of": see ``respell``); contractions and chat spellings expanded
  (lexicons/contractions.txt: "don't" -> "do not", "gonnnna" -> "going to", "u" -> "you"),
  and the "is" of "'s" made "has" before a past participle ("he's been" -> "he has been").
  Words are joined by single spaces, with a space before the first; "," and ":" stay as
  their own tokens; a sentence end (. ! ? ; or a line break) becomes "."; the text always
  ends with " . ".
- ``dense``: letter-spaced runs of four or more characters, joined, with every repeated
  letter collapsed ("k i l l m y s e l f" -> "kilmyself"), for matching phrases written
  without spaces (phrases.py collapses its dense patterns the same way).
Lexicon phrases go through ``canonical_words`` so they are compared in the same form.
Each whitespace-separated chunk is canonicalised once per process and cached; ``view`` joins
the cached texts of a message's chunks in one pass when no letter-spaced run is possible, and
``slow_view`` (the chunk-by-chunk build, also the reference the tests compare with) otherwise.

Must not: decide anything, or be used for what is stored (the body keeps what people typed).
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from moderation.datafiles import LEXICON_DIR, read_entries, read_mapping

__all__ = ["TextView", "canonical_words", "collapse_repeats", "respell", "view"]


# The combining marks NFKD splits off Latin, Greek and Cyrillic letters (the diacritical-mark
# blocks). Marks of other scripts stay: this copy is only for matching English word lists.
_COMBINING_MARKS = "[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"


_COMBINING = re.compile(_COMBINING_MARKS)


def _load_confusables() -> dict[int, str]:
    table: dict[int, str] = {}
    for left, right in read_mapping("confusables.txt").items():
        for char in left.split():
            if len(char) != 1:
                raise ValueError(f"lexicons/confusables.txt: {char!r} is not one character")
            table[ord(char)] = right
    return table


_CONFUSABLES = _load_confusables()

_REPEATS = re.compile(r"([^\W\d_])\1+")
_LONG_RUNS = re.compile(r"([^\W\d_])\1{2,}")
_RUNS = re.compile(r"([^\W\d_])\1*")


def collapse_repeats(word: str) -> str:
    """Every run of one repeated letter becomes one letter: "kiiill" -> "kil"."""
    return _REPEATS.sub(r"\1", word)


def _load_known() -> dict[str, tuple[str, ...]]:
    """Every word used in any lexicon, keyed by its collapsed form ("kil" -> ("kill",))."""
    known: dict[str, set[str]] = {}
    for path in sorted(LEXICON_DIR.glob("*.txt")):
        if path.name == "confusables.txt":
            continue
        for _, entry in read_entries(path.name):
            for word in re.findall(r"[a-z]+", entry.lower()):
                known.setdefault(collapse_repeats(word), set()).add(word)
    return {key: tuple(sorted(words)) for key, words in known.items()}


_KNOWN_BY_SHAPE = _load_known()
_KNOWN = frozenset(word for words in _KNOWN_BY_SHAPE.values() for word in words)


def _load_joinable() -> frozenset[str]:
    """Words of the crisis and harassment lists (four letters or more) that a dot, hyphen or
    underscore inside a chunk may split to dodge them ("sui.cide", "over-dose")."""
    words: set[str] = set()
    for name in _JOINABLE_FILES:
        for _, entry in read_entries(name):
            words.update(word for word in re.findall(r"[a-z]+", entry.lower()) if len(word) >= 4)
    return frozenset(words)


_JOINABLE_FILES = (
    "crisis_self.txt", "crisis_self_plans.txt", "crisis_danger.txt", "crisis_danger_recent.txt",
    "harassment.txt", "slurs.txt", "insults.txt", "macros.txt"
)  # fmt: skip
_JOINABLE = _load_joinable()


def _run_lengths(word: str) -> list[int]:
    return [len(match.group(0)) for match in _RUNS.finditer(word)]


def respell(word: str) -> str:
    """Undo stretched letters without merging real words.

    "diiiie" -> "die" and "kiiilll" -> "kill" (a lexicon word whose doubled letters the token
    also doubles), but "of" stays "of" and "as" stays "as": collapsing every double would make
    "scared of myself" read as "off myself" and a watched "ass" match every "as".
    """
    if word in _KNOWN or not _REPEATS.search(word):
        return word
    candidates = _KNOWN_BY_SHAPE.get(collapse_repeats(word))
    if candidates:
        runs = _run_lengths(word)
        fitting = [
            known
            for known in candidates
            if all(need <= have for need, have in zip(_run_lengths(known), runs, strict=False))
        ]
        if fitting:
            return max(fitting, key=len)
    return _LONG_RUNS.sub(r"\1\1", word)


# Leetspeak: only inside a word that also has a letter, so numbers and times stay numbers.
_LEET = {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
         "$": "s", "@": "a", "!": "i", "|": "l"}  # fmt: skip
_LEET_CHARS = frozenset(_LEET)
# Numbers with a unit or ordinal ("3am", "100mg", "2nd", "4b") are not leetspeak.
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:[a-z]|st|nd|rd|th|am|pm|hrs?|mins?|mg|ml|kg|lbs?|yrs?|yo|ft|cm|mm|km|mph|k|m)?"
)


def _unleet(word: str) -> str:
    out: list[str] = []
    for char in word:
        mapped = _LEET.get(char)
        if mapped is None:
            out.append(char)
        elif char == "1":
            # "k1ll" and "ki11" both mean kill: a 1 after i or l is another l.
            out.append("l" if out and out[-1] in "il" else "i")
        else:
            out.append(mapped)
    return "".join(out)


def _load_censored() -> tuple[str, ...]:
    return tuple(line.lower() for _, line in read_entries("censored.txt"))


_CENSORED = _load_censored()
_STARS = re.compile(r"\*+")


def _uncensor(word: str) -> str:
    parts = _STARS.split(word)
    if len(parts) > 1 and any(parts):
        stars = _STARS.findall(word)
        pattern = "".join(
            re.escape(part) + (f"[a-z]{{1,{len(star) + 1}}}" if i < len(stars) else "")
            for i, (part, star) in enumerate(zip(parts, [*stars, ""], strict=True))
        )
        compiled = re.compile(pattern)
        for candidate in _CENSORED:
            if compiled.fullmatch(candidate):
                return candidate
    return word.replace("*", "")


def _load_expansions() -> dict[str, tuple[str, ...]]:
    expansions: dict[str, tuple[str, ...]] = {}
    for left, right in read_mapping("contractions.txt").items():
        value = tuple(right.lower().split())
        for key in left.lower().split(","):
            key = key.strip()
            if key:
                expansions[key] = value
    return expansions


_EXPANSIONS = _load_expansions()
_BOUNDARY = (".",)
_TOKEN_CACHE: dict[str, tuple[str, ...]] = {}
_TOKEN_CACHE_LIMIT = 50_000


def _canonical_token(token: str) -> tuple[str, ...]:
    first = token[0]
    if first in ".!?;\n":
        return _BOUNDARY
    if first in ",:":
        return (first,)
    word = token.strip("'*_")
    if not word:
        return ()
    hit = _EXPANSIONS.get(word)
    if hit is not None:
        return hit
    word = word.replace("'", "")
    is_leet = not _LEET_CHARS.isdisjoint(word) and re.search("[a-z]", word) is not None
    if is_leet and not _NUMBER_WITH_UNIT.fullmatch(word):
        word = _unleet(word)
    if "*" in word:
        word = _uncensor(word)
    word = respell(word)
    hit = _EXPANSIONS.get(word)
    return hit if hit is not None else (word,)


def _words_of_token(token: str) -> tuple[str, ...]:
    words = _TOKEN_CACHE.get(token)
    if words is None:
        words = _canonical_token(token)
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_LIMIT:
            # Crude but bounded: a flood of unique junk must not grow memory without limit.
            _TOKEN_CACHE.clear()
        _TOKEN_CACHE[token] = words
    return words


_TOKENS = re.compile(r"[.!?;\n]+|[,:]|(?:[\w$@|'*]|!(?=\w))+")
_SINGLE = r"(?:[^\W_]|[$@!|])"
_SPACED_SEPARATORS = re.compile(r"[ .\-*_]")
# Three spaced letters join only when they spell one of these (so "u r a loser" stays words).
_SHORT_SPACED = frozenset({"kys", "kms", "die"})


def _fold(text: str) -> str:
    """Lower case with look-alike letters and accents removed."""
    text = text.lower()
    return text if text.isascii() else _fold_lower(text)


def _fold_lower(text: str) -> str:
    text = text.translate(_CONFUSABLES)
    text = unicodedata.normalize("NFKD", text)
    return _COMBINING.sub("", text)


def canonical_words(text: str) -> tuple[str, ...]:
    """The canonical words of a phrase or message fragment (used to compile lexicons)."""
    words: list[str] = []
    for token in _TOKENS.findall(_fold(text)):
        words.extend(_words_of_token(token))
    return tuple(words)


class TextView(NamedTuple):
    """One message in every form the classifiers need; built once per message by ``view``.

    (A NamedTuple rather than a frozen dataclass: it is built for every message, and a frozen
    dataclass's __init__ costs about a microsecond more.)

    ``canonical`` starts and ends with a space and has single spaces between tokens, so
    " word " finds a whole word; ``word_set`` holds its tokens.
    """

    body: str
    lower: str
    canonical: str
    word_set: frozenset[str]
    dense: tuple[str, ...]


class _Chunk(NamedTuple):
    """What one whitespace-separated chunk of folded text contributes to a TextView."""

    words: tuple[str, ...]
    dense: str | None  # "k.i.l.l" -> "kil": spelled-out letters in one chunk
    letter: str | None  # "k" or "k.": one letter, maybe part of "k i l l"
    special: bool  # dense or letter: needs the slow path in view()
    text: str


_CHUNK_CACHE: dict[str, _Chunk] = {}
# For view()'s fast path, the canonical text of every chunk in _CHUNK_CACHE except dense ones
# ("k.i.l.l"): its words, each followed by a space ("don't" -> "do not "), or by a tab when
# the chunk is a single letter ("i" -> "i\t") that may belong to a letter-spaced run.
_CHUNK_TEXT: dict[str, str] = {}
# Three single-letter chunks in a row, as _CHUNK_TEXT writes them (a letter gives one or more
# words, so a run of three gives three tab-ended words in a row).
_LETTER_RUN = re.compile(r"\t[^\t ]+\t[^\t ]+\t")
_SPACED_CHUNK = re.compile(rf"{_SINGLE}(?:[.\-*_]{_SINGLE}){{2,}}[.!?,;:]*")
_LEET_SINGLES = frozenset("$@!|")


def _chunk(chunk: str) -> _Chunk:
    """Canonical words of one chunk, its dense form and its single letter (cached)."""
    hit = _CHUNK_CACHE.get(chunk)
    if hit is not None:
        return hit
    dense = None
    if _SPACED_CHUNK.fullmatch(chunk):  # "k.i.l.l", "k-y-s"
        joined = _SPACED_SEPARATORS.sub("", chunk.rstrip(".!?,;:"))
        if len(joined) >= 4:
            dense = collapse_repeats(_unleet(joined))
        chunk_words = tuple(w for t in _TOKENS.findall(joined) for w in _words_of_token(t))
        if chunk[-1] in ".!?;":
            chunk_words += _BOUNDARY
    else:
        chunk_words = _joined_words(chunk) or tuple(
            w for t in _TOKENS.findall(chunk) for w in _words_of_token(t)
        )
    letter = _single(chunk)
    result = _Chunk(chunk_words, dense, letter, dense is not None or letter is not None, chunk)
    if len(_CHUNK_CACHE) >= _TOKEN_CACHE_LIMIT:
        _CHUNK_CACHE.clear()
        _CHUNK_TEXT.clear()
    _CHUNK_CACHE[chunk] = result
    if dense is None:
        end = " " if letter is None else "\t"
        _CHUNK_TEXT[chunk] = "".join(word + end for word in chunk_words)
    return result


_SPLIT_WORD = re.compile(r"[\w$@|!*]+(?:[.\-_][\w$@|!*]+)+")
_INNER_SEPARATORS = re.compile(r"[.\-_]")


def _joined_words(chunk: str) -> tuple[str, ...] | None:
    """The words of a chunk whose inner dots, hyphens or underscores split a word of the
    crisis and harassment lists ("sui.cide" -> "suicide", "over-dose."), else None. Only
    towards those words: "fine.then" or "well-being" keep their parts."""
    opened = chunk.lstrip("'\"([")  # an opening quote or bracket gives no words
    core = opened.rstrip(".!?,;:'\")]")
    if not _SPLIT_WORD.fullmatch(core):
        return None
    joined = _INNER_SEPARATORS.sub("", core)
    words = tuple(w for t in _TOKENS.findall(joined) for w in _words_of_token(t))
    if len(words) != 1 or words[0] not in _JOINABLE:
        return None
    end = opened[len(core) :]
    if not end:
        return words
    return words + tuple(w for t in _TOKENS.findall(end) for w in _words_of_token(t))


def _single(chunk: str) -> str | None:
    """The character of a one-character chunk ("k", "k.", "$"), as in "k i l l"."""
    if len(chunk) == 1:
        return chunk if chunk.isalnum() or chunk in _LEET_SINGLES else None
    if len(chunk) == 2 and chunk[1] in ".,-*_" and (chunk[0].isalnum() or chunk[0] in "$@|"):
        return chunk[0]
    return None


def _spaced_run(chunks: list[_Chunk], words: list[str], dense: list[str]) -> None:
    """Join "k i l l" (chunks of one letter each) into one word when it is long enough."""
    joined = "".join(chunk.letter or "" for chunk in chunks)
    if len(joined) >= 4 or joined in _SHORT_SPACED:
        words.extend(_chunk(joined).words)
        if len(joined) >= 4:
            dense.append(collapse_repeats(_unleet(joined)))
        if chunks[-1].text[-1] in ".!?;":
            words.extend(_BOUNDARY)
    else:
        for chunk in chunks:
            words.extend(chunk.words)


def view(body: str) -> TextView:
    """The TextView of a normalised, sanitised body (review() passes it on to watched words).

    Not cached: review() builds one per message, and a cache's bookkeeping cost more than
    it saved.
    """
    lower = body.lower()
    chunks = (lower if lower.isascii() else _fold_lower(lower)).split()
    try:
        text = "".join(map(_CHUNK_TEXT.__getitem__, chunks))
    except KeyError:  # a chunk not seen before, or a dense one ("k.i.l.l")
        return slow_view(body)
    if "\t" in text:
        if _LETTER_RUN.search(text):  # three single letters in a row: maybe "k i l l"
            return slow_view(body)
        text = text.replace("\t", " ")
    # No chunk can join others, so the text is every chunk's words in order, exactly what
    # slow_view's loop builds (tests/moderation/test_fast_paths.py checks).
    canonical = _has_for_is(" " + text)
    if not canonical.endswith(" . "):
        canonical += ". "
    return TextView(body, lower, canonical, frozenset(canonical.split()), ())


def slow_view(body: str) -> TextView:
    """The TextView built chunk by chunk, joining letter-spaced runs (view() without its
    shortcut for text that has none, and without its cache)."""
    lower = body.lower()
    chunks = (lower if lower.isascii() else _fold_lower(lower)).split()
    hits = [_CHUNK_CACHE.get(chunk) or _chunk(chunk) for chunk in chunks]
    words: list[str] = []
    extend = words.extend
    dense: list[str] = []
    run: list[_Chunk] = []
    for hit in hits:
        if not hit.special:
            if run:
                if len(run) < 3:  # "i", "a": one or two letters never spell anything
                    for letter in run:
                        extend(letter.words)
                else:
                    _spaced_run(run, words, dense)
                run = []
            extend(hit.words)
        elif hit.letter is not None:
            run.append(hit)
        else:
            if run:
                _spaced_run(run, words, dense)
                run = []
            extend(hit.words)
            dense.append(hit.dense or "")
    if run:
        _spaced_run(run, words, dense)
    return _text_view(body, lower, words, dense)


def _text_view(body: str, lower: str, words: list[str], dense: list[str]) -> TextView:
    if not words or words[-1] != ".":
        words.append(".")
    canonical = _has_for_is(" " + " ".join(words) + " ")
    return TextView(body, lower, canonical, frozenset(canonical.split()), tuple(dense))


# "'s" stands for "is" or "has", and contractions.txt can give only one ("he's" -> "he is").
# Before a past participle that only "has" takes, "is" becomes "has": "he's been following
# me", "he's got a knife", "she's found my address" read as the lexicons write them.
_IS_BEFORE_PARTICIPLE = re.compile(
    r" is (?=(?:(?:just|already|now|finally|again|only|literally|actually|even|also) )?"
    r"(?:been|got|gotten|had|found|taken|tracked|traced|followed|stalked|threatened|sent|left"
    r"|broken|smashed|locked|kicked|punched|strangled|choked|pushed|grabbed|hacked|told|said"
    r"|started|turned|shown|showed|come|gone|done|put|hidden|moved|changed|slashed|keyed|hacked"
    r"|posted|shared) )"
)


def _has_for_is(canonical: str) -> str:
    if " is " not in canonical:  # a fast scan; most messages have "is" but no participle
        return canonical
    return _IS_BEFORE_PARTICIPLE.sub(" has ", canonical)
