"""Unicode and whitespace normalisation of a chat message, before anything looks at its words.

Owns: what a message's characters are after this step, which is what is stored and shown:
- line breaks of every kind (CR LF, CR, VT, FF, NEL, U+2028, U+2029) become "\\n";
- control characters (except "\\n" and tab), format characters (zero-width space and joiners,
  BOM, soft hyphen, bidi embeddings/overrides/isolates, tag characters...), surrogates,
  noncharacters and "blank" letters used to fake empty messages (Hangul fillers, braille blank,
  combining grapheme joiner) are removed;
- NFKC (fullwidth and styled letters become plain ones, ligatures split, non-breaking and
  other spaces become a plain space);
- runs of spaces and tabs become one space, spaces at line ends go, at most two consecutive
  newlines are kept (one blank line: people write paragraphs), and the whole text is trimmed.
Removing the zero-width joiner splits composed emoji (a family becomes its members): that is the
price of not letting it hide inside words.

Must not: judge content, touch HTML (sanitize.py does), or do anything case- or
language-specific (the classifier's skeleton does that on its own copy).
"""

from __future__ import annotations

import re
import sys
import unicodedata

__all__ = ["collapse_whitespace", "normalize"]

_LINE_BREAKS = str.maketrans(
    {"\r": "\n", "\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"}
)

# Blank-looking letters (category Lo/So, not format chars) that people paste to post "nothing"
# or to split a word invisibly.
_BLANK_LETTERS = "\u115f\u1160\u3164\uffa0\u2800\u034f"


def _invisible_class() -> str:
    """A regex character class of everything normalisation removes, built once from unicodedata.

    Scanning the planes that hold such characters (BMP, SMP, tags plane) keeps this to a few
    milliseconds at import and follows the interpreter's Unicode version.
    """
    ranges: list[tuple[int, int]] = []

    def add(code: int) -> None:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))

    scan = [*range(0, 0x20000), *range(0xE0000, 0xE1000)]
    for code in scan:
        char = chr(code)
        if char in "\n\t":
            continue
        category = unicodedata.category(char)
        is_nonchar = (code & 0xFFFE) == 0xFFFE or 0xFDD0 <= code <= 0xFDEF
        if category in ("Cc", "Cf", "Cs") or is_nonchar or char in _BLANK_LETTERS:
            add(code)
    # Noncharacters in the planes not scanned above.
    for plane in range(2, 17):
        if plane != 0xE:
            base = plane << 16
            add(base | 0xFFFE)
            add(base | 0xFFFF)
    parts = []
    for low, high in ranges:
        if low == high:
            parts.append(f"\\U{low:08x}")
        else:
            parts.append(f"\\U{low:08x}-\\U{high:08x}")
    return "[" + "".join(parts) + "]"


_INVISIBLE = re.compile(_invisible_class())
# ASCII text needs only this much: it is already NFKC and has no format characters.
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]".replace(r"\x0a", r"\x0b"))
_SPACES = re.compile(r"[ \t]+")
_SPACE_AROUND_NEWLINE = re.compile(r" ?\n ?")
_MANY_NEWLINES = re.compile(r"\n{3,}")

assert sys.maxunicode == 0x10FFFF  # the class above relies on a full-range str


def collapse_whitespace(text: str) -> str:
    """Spaces/tabs to one space, no spaces at line ends, at most one blank line, trimmed."""
    # The substitutions are the slow part; ordinary one-line text needs none of them.
    if "  " in text or "\t" in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _SPACE_AROUND_NEWLINE.sub("\n", text)
        if "\n\n\n" in text:
            text = _MANY_NEWLINES.sub("\n\n", text)
    return text.strip(" \n")


def normalize(text: str) -> str:
    """The message as it will be stored: see the module docstring for every rule."""
    if text.isascii():
        # isprintable() is one C pass; it is false for any line break, tab or control character.
        if text.isprintable():  # the usual message: only runs of spaces to tidy
            return (_SPACES.sub(" ", text) if "  " in text else text).strip(" ")
        if "\r" in text or "\x0b" in text or "\x0c" in text:
            text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
        if _ASCII_CONTROL.search(text):
            text = _ASCII_CONTROL.sub("", text)
        return collapse_whitespace(text)
    text = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    # Removing before NFKC lets a base letter and its accent compose across a hidden character;
    # removing after catches what NFKC itself produces (it maps U+3164 to U+1160, a filler).
    text = _INVISIBLE.sub("", text)
    text = unicodedata.normalize("NFKC", text)
    text = _INVISIBLE.sub("", text)
    return collapse_whitespace(text)
