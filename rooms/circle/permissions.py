"""Who may facilitate a room: decided once per connection, at connect, from the signed-in user."""

from __future__ import annotations

from typing import Any

from moderation.api.permissions import is_moderator
from rooms.scheduling.models import GroupSession

FACILITATOR_ALIAS = "Facilitator"
"""The name facilitators go by in session rooms (participants keep their pseudonyms)."""


def can_facilitate(user: Any, room_slug: str) -> bool:
    """The facilitator of the session this room belongs to, a moderator (any room), or staff.

    Synchronous (reads groups and sessions): async callers wrap it in a thread.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if is_moderator(user):  # moderators and staff
        return True
    return GroupSession.objects.filter(room__slug=room_slug, facilitator_id=user.pk).exists()
