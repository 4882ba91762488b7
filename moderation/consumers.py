"""/ws/moderation/: the moderators' live queue. Refused at the handshake for anyone else."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

from moderation.api.permissions import is_moderator
from moderation.api.serializers import FlagSerializer
from moderation.live import join_moderators, leave_moderators
from moderation.selectors import flag_queue
from rooms.db import in_db


def _flag_json(flag_id: int) -> dict[str, Any] | None:
    flag = flag_queue().filter(pk=flag_id).first()
    return dict(FlagSerializer(flag).data) if flag is not None else None


class ModerationConsumer(AsyncWebsocketConsumer):
    """Pushes ``{"type": "flag", "flag": {...}}`` whenever a flag opens or changes."""

    joined = False

    async def connect(self) -> None:
        if not await in_db(is_moderator)(self.scope.get("user")):
            await self.close()  # before accept: the handshake is refused (HTTP 403)
            return
        await join_moderators(self.channel_name)
        self.joined = True
        await self.accept()
        await self.send(text_data=json.dumps({"type": "ready"}))

    async def disconnect(self, code: int) -> None:
        if self.joined:
            await leave_moderators(self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # The desk only listens; actions go through the HTTP API, which checks CSRF.
        await self.send(
            text_data=json.dumps(
                {
                    "type": "error",
                    "code": "bad_frame",
                    "detail": "This socket only sends updates; use the moderation API to act.",
                }
            )
        )

    async def flag_changed(self, event: dict[str, Any]) -> None:
        flag = await in_db(_flag_json)(int(event["flag_id"]))
        if flag is not None:
            await self.send(text_data=json.dumps({"type": "flag", "flag": flag}, default=str))
