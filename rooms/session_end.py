"""A session's room closes when its meeting reaches its scheduled end.

A facilitated meeting must not run on unfacilitated: at the end of the current occurrence every
connection gets ``session_ended`` (with the way to crisis resources) and is closed with
ROOM_CLOSED, as when a facilitator ends the session; joining is refused until shortly before the
next meeting (``membership.join_room``). Each process that serves the room keeps one timer for it
on the hub, set at joining to the end the window reports. When it fires the window is read again,
so a meeting moved or extended meanwhile gets a new timer instead of an early close.

The facilitated state (round, prompt, lock) is left for the next meeting's facilitator; ending
the session from the room resets it.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from rooms.circle.frames import session_ended_frame
from rooms.db import in_db
from rooms.hub import RoomHub
from rooms.protocol import CloseCode
from rooms.scheduling.selectors import room_window_state

logger = logging.getLogger(__name__)

SCHEDULED_END_DETAIL = (
    "This meeting has reached its scheduled end. Thank you for being here and for holding space "
    "for each other. If you need someone to talk to now, the crisis resources are open at any "
    "hour."
)
# The window is read again just after the end, not on it: a timer may fire a little early.
MARGIN = timedelta(milliseconds=250)


def close_at_scheduled_end(hub: RoomHub, slug: str, closes_at: datetime | None) -> None:
    """Close the room's connections in this process at ``closes_at`` (None: never)."""
    if closes_at is None:
        return
    hub.call_at_wall_time(slug, closes_at + MARGIN, lambda: _check_soon(hub, slug))


def _check_soon(hub: RoomHub, slug: str) -> None:
    # A fresh context: a window event published from a request thread (the in-process backplane)
    # must not hand the check that thread's asgiref state, which would refuse the database call.
    task = asyncio.get_running_loop().create_task(
        end_if_due(hub, slug), context=contextvars.Context()
    )
    _pending.add(task)
    task.add_done_callback(_pending.discard)


async def end_if_due(hub: RoomHub, slug: str) -> None:
    """Close the room here if its window has closed; otherwise wait for its new end."""
    try:
        window = await in_db(room_window_state)(slug, timezone.now())
    except Exception:
        logger.exception("a session room's window could not be read; trying again in a minute")
        hub.call_at_wall_time(
            slug, timezone.now() + timedelta(minutes=1), lambda: _check_soon(hub, slug)
        )
        return
    if window.open:
        close_at_scheduled_end(hub, slug, window.closes_at)
        return
    frame = session_ended_frame(detail=SCHEDULED_END_DETAIL, resources_url=reverse("frontend:help"))
    hub.close_locally(slug, frame=frame, close_code=CloseCode.ROOM_CLOSED)


_pending: set[asyncio.Task[None]] = set()  # keeps running checks referenced until they finish
