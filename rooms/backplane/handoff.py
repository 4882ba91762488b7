"""Events handed to a backplane from other threads, delivered on the backplane's own loop.

The in-process backplane receives every event this way (publishes from request threads), and a
Redis backplane receives this way the events Redis refused from a request thread of its own
process (``rooms.backplane.redis.publish_sync``), so that its rooms still get them.
"""

from __future__ import annotations

import asyncio

from rooms.backplane import ControlHandler, RoomEventHandler


class LoopHandoff:
    """Mixin of a backplane class, which sets these four attributes."""

    _loop: asyncio.AbstractEventLoop | None
    _on_event: RoomEventHandler | None
    _on_control: ControlHandler | None
    _followed: set[str]

    def deliver_threadsafe(self, *, room: str | None, payload: str) -> None:
        """Hand an event (``room=None``: a control event) to the handlers, on their loop."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._deliver, room, payload)

    def _deliver(self, room: str | None, payload: str) -> None:
        if room is None:
            if self._on_control is not None:
                self._on_control(payload)
        elif self._on_event is not None and room in self._followed:
            self._on_event(room, payload)
