"""/ws/moderation/: the moderators' live queue. Refused at the handshake for anyone else."""

from __future__ import annotations

import json
from importlib import import_module
from types import SimpleNamespace
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user

from moderation.api.permissions import is_moderator
from moderation.api.serializers import FlagSerializer
from moderation.live import join_moderators, leave_moderators
from moderation.selectors import flag_queue
from rooms.db import in_db
from rooms.protocol import CloseCode


def _flag_json(flag_id: int) -> dict[str, Any] | None:
    flag = flag_queue().filter(pk=flag_id).first()
    return dict(FlagSerializer(flag).data) if flag is not None else None


def _still_a_moderator(session_key: str | None) -> bool:
    """Whether the session that opened the socket still belongs to a moderator, read afresh:
    someone signed out, deactivated or taken out of the group since the handshake gets no more
    flags (they carry what was held: addresses, phone numbers)."""
    if session_key is None:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return is_moderator(get_user(SimpleNamespace(session=session)))  # type: ignore[arg-type]


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
        session = self.scope.get("session")
        if not await in_db(_still_a_moderator)(getattr(session, "session_key", None)):
            await leave_moderators(self.channel_name)
            self.joined = False
            await self.close(code=int(CloseCode.REMOVED_BY_MODERATOR))
            return
        flag = await in_db(_flag_json)(int(event["flag_id"]))
        if flag is not None:
            await self.send(text_data=json.dumps({"type": "flag", "flag": flag}, default=str))
