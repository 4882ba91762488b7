"""A parsed circle frame from a connection -> one service call (the consumer's circle branch).

Rights are checked here, from what the connection established at connect: only facilitators may
send ``facilitate`` (``forbidden`` for anyone else).
"""

from __future__ import annotations

from rooms.circle import services
from rooms.circle.frames import CircleFrame, FacilitateFrame, PassFrame, ReactFrame
from rooms.db import in_db
from rooms.errors import RoomError
from rooms.membership import Member, check_could_have_seen
from rooms.protocol import ErrorCode


async def run_circle_frame(*, member: Member, frame: CircleFrame) -> None:
    """Apply the frame; its effect reaches everyone (this connection too) as room frames."""
    if isinstance(frame, ReactFrame):
        check_could_have_seen(member, frame.seq)
        await in_db(services.react)(
            room_id=member.room_id,
            room_slug=member.room_slug,
            identity_key=member.identity_key,
            seq=frame.seq,
            reaction=frame.reaction,
        )
    elif isinstance(frame, PassFrame):
        await in_db(services.pass_turn)(
            room_id=member.room_id, room_slug=member.room_slug, identity_key=member.identity_key
        )
    elif isinstance(frame, FacilitateFrame):
        if not member.can_facilitate or member.user_id is None:
            raise RoomError(ErrorCode.FORBIDDEN)
        await in_db(services.facilitate)(
            room_id=member.room_id,
            room_slug=member.room_slug,
            user_id=member.user_id,
            command=frame,
        )
