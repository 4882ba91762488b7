"""Reading the moderation data files in moderation/lexicons/ (format: docs/moderation.md).

Owns: the line format shared by every lexicon file: UTF-8, one entry per line, blank lines and
comments ignored ("#" at the start of a line, or " # " with a space on both sides, so entries
may use "#num" and "name#1234"), surrounding spaces trimmed;
mapping files write "left = right".
Must not: interpret entries (phrases.py compiles phrases; each consumer knows its own file) or
be called per message: callers read each file once and keep the result.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

__all__ = ["LEXICON_DIR", "read_entries", "read_mapping"]

LEXICON_DIR = Path(__file__).resolve().parent / "lexicons"


@cache
def read_entries(name: str) -> tuple[tuple[int, str], ...]:
    """(line number, entry) for each entry of lexicons/<name>, in file order."""
    entries: list[tuple[int, str]] = []
    text = (LEXICON_DIR / name).read_text(encoding="utf-8")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#"):
            continue
        cut = line.find(" # ")
        if cut >= 0:
            line = line[:cut].rstrip()
        elif line.endswith(" #"):
            line = line[:-2].rstrip()
        if line:
            entries.append((number, line))
    return tuple(entries)


@cache
def read_mapping(name: str) -> dict[str, str]:
    """left -> right for each "left = right" line of lexicons/<name>; later lines win."""
    mapping: dict[str, str] = {}
    for number, line in read_entries(name):
        left, sep, right = line.partition(" = ")
        if not sep or not left.strip():
            raise ValueError(f"lexicons/{name}:{number}: expected 'left = right', got {line!r}")
        mapping[left.strip()] = right.strip()
    return mapping
