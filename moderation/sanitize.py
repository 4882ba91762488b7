"""Markup removal: the one place in Hearth that imports bleach.

Owns: turning a normalised message into the plain text that is stored and broadcast.

Semantics (the frontend renders bodies with textContent, never as HTML):
- Tags and comments are removed; the text between tags stays: "<b>bold</b>" -> "bold",
  "<script>alert(1)</script>hi" -> "alert(1)hi" (the words are harmless as text, and dropping
  a whole element's text would make an unclosed "<b" swallow the rest of a person's message).
- Everything else is kept exactly as typed, including entities: "I <3 you & him" stays as is,
  and "&lt;script&gt;" stays the literal eight-plus characters the person typed. Entities are
  never decoded, because a person who typed "&amp;" wants to see "&amp;", and decoding would
  let "&lt;b&gt;" turn into a tag on a second pass.
- To get this from bleach, "&" is escaped before cleaning and bleach's own escaping is undone
  after it (html.unescape), so unescaping can only give back characters the person typed.
- The result is a fixed point: cleaning it again changes nothing. Nested tricks such as
  "<<b>b>" (which one pass turns into "<b>") are cleaned again until nothing changes.
- Text where no "<" is followed by a letter, "/", "!" or "?" cannot contain markup (that is
  where the HTML tokenizer starts a tag, comment or declaration), so bleach is not called at all.

Must not: normalise Unicode or whitespace beyond tidying what removed tags leave behind, or
judge content.
"""

from __future__ import annotations

import html
import re

import bleach.sanitizer

from moderation.normalize import collapse_whitespace

__all__ = ["sanitize"]

_CLEANER = bleach.sanitizer.Cleaner(
    tags=set(),
    attributes={},
    protocols=set(),
    strip=True,
    strip_comments=True,
)
_MARKUP_START = re.compile(r"<[A-Za-z/!?]")
_MAX_PASSES = 4


def _clean_once(text: str) -> str:
    return html.unescape(_CLEANER.clean(text.replace("&", "&amp;")))


def sanitize(text: str) -> str:
    """Plain text with every tag and comment removed; see the module docstring."""
    if "<" not in text or not _MARKUP_START.search(text):  # "in" is a fast C scan
        return text
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
        if not _MARKUP_START.search(text):
            break
    else:
        # Still changing after several passes: deliberately adversarial nesting. Breaking every
        # remaining tag opener keeps the promise that no markup survives.
        while _MARKUP_START.search(text):
            text = _MARKUP_START.sub(lambda m: m.group(0)[1:], text)
    return collapse_whitespace(text)
