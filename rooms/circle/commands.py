"""A parsed circle frame from a connection -> one service call (the consumer's circle branch).

Rights are checked here, from what the connection established at connect: only facilitators may
send ``facilitate`` (``forbidden`` for anyone else).
"""

from __future__ import annotations

from channels.db import database_sync_to_async

from rooms.circle import services
from rooms.circle.frames import CircleFrame, FacilitateFrame, PassFrame, ReactFrame
from rooms.errors import RoomError
from rooms.membership import Member
from rooms.protocol import ErrorCode


async def run_circle_frame(*, member: Member, frame: CircleFrame) -> None:
    """Apply the frame; its effect reaches everyone (this connection too) as room frames."""
    if isinstance(frame, ReactFrame):
        await database_sync_to_async(services.react)(
            room_id=member.room_id,
            room_slug=member.room_slug,
            identity_key=member.identity_key,
            seq=frame.seq,
            reaction=frame.reaction,
        )
    elif isinstance(frame, PassFrame):
        await database_sync_to_async(services.pass_turn)(
            room_id=member.room_id, room_slug=member.room_slug, identity_key=member.identity_key
        )
    elif isinstance(frame, FacilitateFrame):
        if not member.can_facilitate or member.user_id is None:
            raise RoomError(ErrorCode.FORBIDDEN)
        await database_sync_to_async(services.facilitate)(
            room_id=member.room_id,
            room_slug=member.room_slug,
            user_id=member.user_id,
            command=frame,
        )
