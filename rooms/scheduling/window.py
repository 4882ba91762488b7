"""When a session's room is open: from a configurable time before an occurrence until its end.

Pure: takes the effective occurrences (already moved, cancelled ones left out) and ``now``; no
database, no settings, no clock. ``selectors.room_window`` feeds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True, slots=True)
class WindowState:
    """Whether a room can be joined now, and if not, when its next occurrence starts."""

    open: bool
    next_start: datetime | None = None
    closes_at: datetime | None = None  # open: when the current meeting ends (None: it does not)

    @property
    def next_start_iso(self) -> str | None:
        """``next_start`` as every frame carries a time: ISO 8601 UTC, milliseconds and a Z."""
        if self.next_start is None:
            return None
        utc = self.next_start.astimezone(UTC)
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"

    @property
    def detail(self) -> str:
        """A sentence for the person who could not join."""
        if self.open:
            return "This room is open."
        if self.next_start is None:
            return "This session has no upcoming meetings."
        return "This session's room is closed until shortly before its next meeting."


ALWAYS_OPEN = WindowState(open=True)


def window_state(
    *, occurrences: Iterable[tuple[datetime, datetime]], now: datetime, opens_before: timedelta
) -> WindowState:
    """Open if ``start - opens_before <= now < end`` for some (start, end); else the next start."""
    next_start: datetime | None = None
    for start, end in occurrences:
        if start - opens_before <= now < end:
            return WindowState(open=True, closes_at=end)
        if start > now and (next_start is None or start < next_start):
            next_start = start
    return WindowState(open=False, next_start=next_start)
