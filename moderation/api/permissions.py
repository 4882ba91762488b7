"""Who may use the moderators' queue."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

MODERATORS_GROUP = "moderators"


def is_moderator(user: Any) -> bool:
    """A signed-in member of the "moderators" group, or staff."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_staff", False):
        return True
    return bool(user.groups.filter(name=MODERATORS_GROUP).exists())


class IsModerator(BasePermission):
    """Allows signed-in moderators (group "moderators") and staff; nobody else, not even to read."""

    message = "Only moderators can see the moderation queue."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_moderator(request.user)
