"""The watched words moderators keep in the admin, compiled for the moderation step.

Rules are read from the database at most every HEARTH_WATCHED_WORDS_TTL seconds per process and
compiled once; a change in the admin takes effect everywhere within that time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from django.conf import settings

from moderation.decision import Action
from moderation.models import WatchedWord
from rooms.db import in_db

if TYPE_CHECKING:
    from moderation.watched import WatchedRules

ACTION_OF = {
    WatchedWord.Action.FLAG: Action.DELIVER,
    WatchedWord.Action.HOLD: Action.HOLD,
    WatchedWord.Action.BLOCK: Action.BLOCK,
}

_cache: tuple[float, WatchedRules | None] | None = None


def load_rules() -> WatchedRules | None:
    from moderation.watched import WatchedEntry, compile_watched

    entries = [
        WatchedEntry(
            pattern=word.pattern,
            is_regex=word.is_regex,
            action=ACTION_OF[WatchedWord.Action(word.action)],
        )
        for word in WatchedWord.objects.all()
    ]
    return compile_watched(entries) if entries else None


async def current_rules() -> WatchedRules | None:
    global _cache
    now = time.monotonic()
    if _cache is None or now - _cache[0] > settings.HEARTH_WATCHED_WORDS_TTL:
        _cache = (now, await in_db(load_rules)())
    return _cache[1]


def forget_rules() -> None:
    """Drop this process's cached rules (the admin calls it after a change; tests too)."""
    global _cache
    _cache = None
