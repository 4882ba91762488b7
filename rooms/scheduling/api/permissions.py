"""Who may do what in the scheduling API. One class per rule, each with its docstring.

Reads, RSVPs and RSVP cancellations (by token) are open to anyone, anonymous included; these
classes guard the writes of facilitators and staff. Object permissions never run on create (DRF
does not call them there), so creating is guarded by ``IsFacilitatorOrStaff`` alone and the service
checks whom a session names as its facilitator.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from rooms.scheduling.models import GroupSession
from rooms.scheduling.selectors import user_is_facilitator


def _is_staff(request: Request) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.is_active and user.is_staff)


class IsFacilitatorOrStaff(BasePermission):
    """Only facilitators (active users in the "facilitators" group) and staff schedule sessions."""

    message = "Only facilitators and staff can do this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return _is_staff(request) or user_is_facilitator(request.user)


class IsSessionFacilitatorOrStaff(IsFacilitatorOrStaff):
    """A session and its occurrences are changed by its own facilitator (while still one) or staff.

    Another facilitator gets a 403 for someone else's session, never a change.
    """

    message = "Only this session's facilitator and staff can change it."

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if _is_staff(request):
            return True
        return (
            isinstance(obj, GroupSession)
            and obj.facilitator_id == request.user.pk
            and user_is_facilitator(request.user)
        )


class ReadOrSessionFacilitator(IsSessionFacilitatorOrStaff):
    """Anyone may read (GET, HEAD, OPTIONS); writes follow ``IsSessionFacilitatorOrStaff``."""

    anyone_may_read = True

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        return request.method in SAFE_METHODS or super().has_object_permission(request, view, obj)


class ReadOrFacilitator(IsFacilitatorOrStaff):
    """Anyone may read the list of sessions; only facilitators and staff create one."""

    anyone_may_read = True

    def has_permission(self, request: Request, view: APIView) -> bool:
        return request.method in SAFE_METHODS or super().has_permission(request, view)
