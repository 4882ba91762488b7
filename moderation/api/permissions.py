"""Who may use the moderators' queue."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from rooms.models import Room

MODERATORS_GROUP = "moderators"
FACILITATORS_GROUP = "facilitators"


def is_moderator(user: Any) -> bool:
    """A signed-in member of the "moderators" group, or staff."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if getattr(user, "is_staff", False):
        return True
    return bool(user.groups.filter(name=MODERATORS_GROUP).exists())


def is_facilitator(user: Any) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.groups.filter(name=FACILITATORS_GROUP).exists())


def rooms_moderated_by(user: Any) -> QuerySet[Room] | None:
    """The rooms whose flags this user may work: None for all (moderators, staff), else the
    rooms of the group sessions they facilitate."""
    if is_moderator(user):
        return None
    return Room.objects.filter(group_session__facilitator=user)


# Actions whose effect reaches beyond the room: a mute or a ban holds in every room. A facilitator
# works the flags of their own session's room, so these are left to moderators.
MODERATORS_ONLY_ACTIONS = frozenset({"mute", "ban"})
FACILITATOR_LIMIT = (
    "Facilitators can dismiss, release, remove, warn or kick in their own sessions. Muting or "
    "banning someone from every room is for moderators: ask one to look at this flag."
)


def may_take_action(user: Any, action: str) -> bool:
    return action not in MODERATORS_ONLY_ACTIONS or is_moderator(user)


class CanModerateSomewhere(BasePermission):
    """Moderators and staff, and facilitators for the rooms of their own sessions only (the
    views narrow what a facilitator sees to those rooms)."""

    message = "Only moderators, and facilitators for their own sessions, can see this queue."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_moderator(request.user) or is_facilitator(request.user)
