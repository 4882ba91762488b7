"""Websocket transport of a room (/ws/rooms/<slug>/): parse frames, call services, send frames.

No domain logic and no ORM here: joining is ``rooms.membership``, the message path is
``rooms.services``. Every frame this consumer writes goes through the connection's Outbox, so
frames reach the client in the order they were pushed.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError

from moderation.crisis import resources_frame_for, visitor_region
from rooms.circle.commands import run_circle_frame
from rooms.circle.frames import FacilitateFrame, PassFrame, ReactFrame
from rooms.circle.permissions import can_facilitate
from rooms.db import in_db
from rooms.errors import RoomError
from rooms.identity import (
    Identity,
    history_floor,
    new_identity,
    remember_first_visit,
    session_identity,
)
from rooms.limits import (
    FLOOD_CLOSE_AFTER,
    FrameBucket,
    address_key,
    admit_connection,
    handshake_refusal,
    release_connection,
)
from rooms.membership import Arrival, Member, join_room, leave_room, read_arrival
from rooms.outbox import Outbox
from rooms.protocol import (
    CLOSE_CODE_FOR_ERROR,
    DEFAULT_DETAIL,
    MAX_SEQ,
    BlockFrame,
    CloseCode,
    ErrorCode,
    PingFrame,
    ProtocolError,
    ReportFrame,
    SendFrame,
    ack_frame,
    block_ack_frame,
    error_frame,
    held_frame,
    parse_client_frame,
    pong_frame,
    report_ack_frame,
)
from rooms.services import Posted, block_author, file_report, post_message
from server.daphne_socket import DIRECT_SOCKET_SCOPE_KEY

logger = logging.getLogger(__name__)

OUTBOX_LIMIT = 1024
CANNOT_OPEN_ROOM = "Hearth cannot open this room right now. Please try again in a moment."
ENDS_CONNECTION = frozenset({ErrorCode.BANNED, ErrorCode.KICKED})
NOT_DONE = "Something went wrong on Hearth's side and that was not done. Please try again."


class RoomConsumer(AsyncWebsocketConsumer):
    # Room traffic goes through the hub, not the channel layer: naming no configured layer here
    # spares every connection a layer channel and its receive loop.
    channel_layer_alias = "rooms-use-the-hub-not-a-channel-layer"

    member: Member | None = None
    outbox: Outbox | None = None
    admitted: tuple[str, str | None] | None = None
    frames: FrameBucket | None = None

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Call the handler directly.

        Channels 4.2+ hops to a thread to close stale database connections before every handler
        call; every database call here already runs through ``rooms.db.in_db``, which does
        the same, so the extra hop would only slow each frame down.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        try:
            await handler(message)
        except StopConsumer:
            raise
        except Exception:
            # A consumer that dies here never gets its disconnect: its place in the room, its
            # seat and its connection counts would stay taken until the process restarts. The
            # handlers answer what they expect; this is the net under what they do not.
            logger.exception("a websocket event could not be handled; closing the connection")
            await self.disconnect(CloseCode.INTERNAL_ERROR)
            with contextlib.suppress(Exception):
                await self.close(code=int(CloseCode.INTERNAL_ERROR))
            raise StopConsumer() from None

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        """Leave the room and stop, without Channels' extra thread hop afterwards to close stale
        database connections (as ``dispatch``: ``rooms.db.in_db`` does that around every call).
        This consumer joins no channel-layer group, so there is none to leave."""
        await self.disconnect(message["code"])
        raise StopConsumer()

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["slug"]
        address = address_key(self.scope)
        # Before any database read: a flood of handshakes from one network costs no query.
        too_fast = await handshake_refusal(address)
        if too_fast is not None:
            await self.accept()
            self.outbox = self._new_outbox(identity_key="")  # it never joins: nobody's
            self._refuse(ErrorCode.TOO_MANY_CONNECTIONS, too_fast)
            return
        try:
            facts = await in_db(_handshake_facts)(self.scope, slug)
        except Exception:  # the database is away, or the session cookie cannot be read
            logger.exception("a room handshake could not be read")
            await self.accept()
            self.outbox = self._new_outbox(identity_key="")
            self._refuse(ErrorCode.UNAVAILABLE, CANNOT_OPEN_ROOM)
            return
        identity, floor, facilitator_id = facts.identity, facts.floor, facts.facilitator_id
        await self.accept()
        self.outbox = self._new_outbox(identity_key=identity.key)
        refusal = admit_connection(identity.key, address)
        if refusal is not None:
            self._refuse(ErrorCode.TOO_MANY_CONNECTIONS, refusal)
            return
        self.admitted = (identity.key, address)
        self.frames = FrameBucket(
            rate=settings.HEARTH_FRAME_RATE, burst=settings.HEARTH_FRAME_BURST
        )
        try:
            since = _since_of(self.scope)
            self.member = await join_room(
                slug=slug,
                identity=identity,
                arrival=facts.arrival,
                since=since,
                outbox=self.outbox,
                history_floor=floor,
                region=visitor_region(self.scope),
                can_facilitate=facilitator_id is not None,
                user_id=facilitator_id,
            )
            if floor is None and facts.in_session:  # only a session can remember it
                await in_db(remember_first_visit)(self.scope, slug, self.member.joined_seq)
        except RoomError as error:
            self._refuse(error.code, error.detail, **error.extra)
        except DatabaseError:
            logger.exception("joining a room failed: database unavailable")
            self._refuse(ErrorCode.UNAVAILABLE, CANNOT_OPEN_ROOM)
        except Exception:
            logger.exception("joining a room failed")
            self._refuse(ErrorCode.UNAVAILABLE, CANNOT_OPEN_ROOM)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        outbox, member, frames = self.outbox, self.member, self.frames
        if outbox is None or member is None or frames is None:
            return
        if not frames.take():
            self._answer_flood(outbox, frames)
            return
        try:
            frame = parse_client_frame(text_data, max_bytes=settings.HEARTH_MAX_FRAME_BYTES)
        except ProtocolError as error:
            outbox.push(error_frame(error.code, error.detail))
            return
        try:
            if isinstance(frame, SendFrame):
                posted = await post_message(
                    member=member, body=frame.body, client_id=frame.client_id
                )
                self._answer_send(member, outbox, posted)
            elif isinstance(frame, ReportFrame):
                await file_report(member=member, seq=frame.seq, reason=frame.reason)
                outbox.push(report_ack_frame(seq=frame.seq))
            elif isinstance(frame, BlockFrame):
                target = await block_author(
                    member=member, seq=frame.seq, alias=frame.alias, blocked=frame.block
                )
                outbox.push(
                    block_ack_frame(alias=target.alias, blocked=frame.block, seq=target.seq)
                )
            elif isinstance(frame, PingFrame):
                outbox.push(pong_frame())
            elif isinstance(frame, ReactFrame | PassFrame | FacilitateFrame):
                await run_circle_frame(member=member, frame=frame)
        except RoomError as error:
            if error.code in ENDS_CONNECTION:  # a ban found at sending: no more reading either
                self._refuse(error.code, error.detail, **_answering(frame), **error.extra)
                return
            outbox.push(error_frame(error.code, error.detail, **_answering(frame), **error.extra))
        except DatabaseError:
            logger.exception("a frame could not be stored")
            outbox.push(error_frame(ErrorCode.UNAVAILABLE, **_answering(frame)))
        except Exception:
            # One frame's failure must not end the connection, nor leave it half in the room.
            logger.exception("a frame could not be handled")
            outbox.push(error_frame(ErrorCode.UNAVAILABLE, NOT_DONE, **_answering(frame)))

    def _answer_flood(self, outbox: Outbox, frames: FrameBucket) -> None:
        """One error per run of refused frames (a flood must not make the server flood back)."""
        if frames.denied_in_a_row == 1:
            outbox.push(
                error_frame(
                    ErrorCode.RATE_LIMITED,
                    "You are sending faster than Hearth can take. Some of it was not received; "
                    "please wait a moment.",
                )
            )
        elif frames.denied_in_a_row >= FLOOD_CLOSE_AFTER:
            self._refuse(ErrorCode.FLOODING, DEFAULT_DETAIL[ErrorCode.FLOODING])
            self.frames = None

    @staticmethod
    def _answer_send(member: Member, outbox: Outbox, posted: Posted) -> None:
        if posted.seq is not None:
            outbox.push(ack_frame(client_id=posted.client_id, seq=posted.seq))
        else:
            outbox.push(
                held_frame(
                    client_id=posted.client_id,
                    reason=posted.held_reason or "review",
                    detail=posted.held_detail or "A moderator will look at this message first.",
                )
            )
        if posted.crisis is not None:
            outbox.push(resources_frame_for(region=member.region, reason=posted.crisis))

    async def disconnect(self, code: int) -> None:
        if self.member is not None and self.outbox is not None:
            with contextlib.suppress(Exception):
                await leave_room(member=self.member, outbox=self.outbox)
        self.member = None
        if self.admitted is not None:
            release_connection(*self.admitted)
            self.admitted = None
        if self.outbox is not None:
            self.outbox.stop()

    def _new_outbox(self, *, identity_key: str) -> Outbox:
        return Outbox(
            send=self._send_text,
            close=self._close,
            identity_key=identity_key,
            limit=OUTBOX_LIMIT,
            direct=self.scope.get(DIRECT_SOCKET_SCOPE_KEY),
            buffer_limit=settings.HEARTH_SOCKET_BUFFER_BYTES,
        )

    def _refuse(self, code: ErrorCode, detail: str, **extra: object) -> None:
        assert self.outbox is not None
        self.outbox.push(error_frame(code, detail, **extra))
        self.outbox.close_after_flush(CLOSE_CODE_FOR_ERROR.get(code, CloseCode.BAD_REQUEST))

    async def _send_text(self, text: str) -> None:
        await self.send(text_data=text)

    async def _close(self, code: int) -> None:
        # autobahn accepts a plain int only, not an IntEnum member.
        await self.close(code=int(code))


@dataclass(frozen=True, slots=True)
class _HandshakeFacts:
    identity: Identity
    in_session: bool  # the identity is kept in the session (a browser's), not this connection's
    floor: int | None  # where the identity's history in this room begins
    facilitator_id: int | None  # the user id, if they may facilitate this room
    arrival: Arrival | None  # whether they may come in; None if it could not be read here


def _handshake_facts(scope: dict[str, Any], slug: str) -> _HandshakeFacts:
    """Who is connecting, where their history in this room begins (one session read), the user
    id if they may facilitate this room (rooms.circle.permissions), and whether the room lets
    them in (``rooms.membership.read_arrival``): one trip to the database thread."""
    user = scope.get("user")
    facilitator_id = user.pk if user is not None and can_facilitate(user, slug) else None
    kept = session_identity(scope)
    identity = kept or new_identity()
    try:
        arrival = read_arrival(
            slug, identity_key=identity.key, can_facilitate=facilitator_id is not None
        )
    except DatabaseError:
        arrival = None  # join_room reads it again, and answers `unavailable` if that fails too
    return _HandshakeFacts(
        identity=identity,
        in_session=kept is not None,
        floor=history_floor(scope, slug),
        facilitator_id=facilitator_id,
        arrival=arrival,
    )


def _answering(frame: object) -> dict[str, Any]:
    """The field that ties an error to the frame it answers."""
    if isinstance(frame, SendFrame):
        return {"client_id": frame.client_id}
    if isinstance(frame, ReportFrame):
        return {"seq": frame.seq}
    if isinstance(frame, BlockFrame):
        return {"seq": frame.seq} if frame.seq is not None else {"alias": frame.alias}
    if isinstance(frame, ReactFrame):
        return {"seq": frame.seq}
    if isinstance(frame, FacilitateFrame):
        return {"action": frame.action}
    return {}


def _since_of(scope: dict[str, Any]) -> int | None:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("since")
    if not values:
        return None
    raw = values[-1]
    # isascii: str.isdigit() also accepts digits such as "²" that int() refuses; the length
    # bound keeps int() from ever parsing a huge number.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19 or int(raw) > MAX_SEQ:
        raise RoomError(ErrorCode.BAD_FRAME, "The since parameter must be a whole number.")
    return int(raw)
