"""Async glue between a connection's life and its room's circle: join, leave, grace, the turn check.

Joining reads the room's state (and refuses newcomers to a locked room) and seats participants
of session rooms (``services.seat_arrive``), both on the database thread; leaving starts the
grace period after which an absent person's turn is skipped. The timer lives in the process
that saw the disconnect; the skip itself is a service and holds across processes (it checks the
seat in the database). A person can be connected through two processes: the one that saw a
connection close marks the seat empty and asks the room, and a process still holding that
identity marks it taken again, long before the grace runs out.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from django.conf import settings

from rooms.circle import selectors, services
from rooms.db import in_db
from rooms.errors import RoomError
from rooms.events import CircleSnapshot, encode_seat_check_event
from rooms.hub import RoomHub, get_hub
from rooms.protocol import ErrorCode

logger = logging.getLogger(__name__)

_seat_tasks: set[asyncio.Task[object]] = set()


def entry_snapshot(
    *,
    room_id: int,
    identity_key: str,
    can_facilitate: bool,
    facilitated: bool,
) -> CircleSnapshot:
    """The room's stored state for a connection being admitted (its outbox already attached).

    Synchronous: it runs on the database thread, inside joining's one trip there
    (``rooms.membership``). ``facilitated``: the room has a stored state; one that has none is
    open and unlocked, and costs no read. Raises ``room_locked`` while the room is locked for
    anyone but facilitators and people with a seat here (a dropped connection coming back): not
    for someone whose browser merely visited the room once, nor for someone a moderator kicked.
    """
    if not facilitated:
        return selectors.unfacilitated_snapshot()
    snapshot, locked = selectors.room_snapshot(room_id)
    if locked and not can_facilitate and not selectors.may_come_back(room_id, identity_key):
        raise RoomError(ErrorCode.ROOM_LOCKED)
    return snapshot


async def leave_seat(*, room_id: int, slug: str, identity_key: str) -> None:
    """Mark the seat empty once this identity's last local connection left; start the grace."""
    hub = await get_hub()
    if hub.has_identity(slug, identity_key):
        return
    await in_db(services.seat_leave)(room_id=room_id, identity_key=identity_key)
    asyncio.get_running_loop().call_later(
        settings.HEARTH_CIRCLE_GRACE_SECONDS, _start_skip, room_id, slug, identity_key
    )
    try:
        await hub.backplane.publish(
            slug, encode_seat_check_event(room_id=room_id, identity_key=identity_key)
        )
    except Exception:
        logger.warning(
            "could not ask other processes whether a participant is still here", exc_info=True
        )


def keep_seat(hub: RoomHub, *, room_id: int, slug: str, identity_key: str) -> None:
    """Another process marked this identity's seat empty, but it is still connected here."""
    _track(_keep_seat(hub, room_id=room_id, slug=slug, identity_key=identity_key))


async def _keep_seat(hub: RoomHub, *, room_id: int, slug: str, identity_key: str) -> None:
    # Asked again when the task runs: if the last connection here closed meanwhile, its
    # seat_leave is already queued on the database thread, which runs calls in order, and the
    # seat must stay empty.
    if hub.has_identity(slug, identity_key):
        await in_db(services.seat_still_taken)(room_id=room_id, identity_key=identity_key)


def _start_skip(room_id: int, slug: str, identity_key: str) -> None:
    _track(
        in_db(services.skip_if_still_away)(
            room_id=room_id, room_slug=slug, identity_key=identity_key
        )
    )


def _track(work: Coroutine[Any, Any, object]) -> None:
    """Run seat bookkeeping in the background; keep a reference until it is done."""
    task = asyncio.get_running_loop().create_task(work)
    _seat_tasks.add(task)
    task.add_done_callback(_finished)


def _finished(task: asyncio.Task[object]) -> None:
    _seat_tasks.discard(task)
    if not task.cancelled() and task.exception() is not None:
        logger.warning("a seat could not be updated: %r", task.exception())


async def check_turn(
    *, slug: str, identity_key: str, can_facilitate: bool
) -> CircleSnapshot | None:
    """Refuse a message out of turn during a round; return the room's state (no database read)."""
    hub = await get_hub()
    snapshot = hub.circle(slug)
    if snapshot is None or can_facilitate:
        return snapshot
    if snapshot.in_round and snapshot.turn_key != identity_key:
        raise RoomError(ErrorCode.NOT_YOUR_TURN)
    return snapshot
