"""Views of anonymous RSVPs: take a seat (or a waitlist place), look it up, give it up, move it
to this browser.

Anyone may RSVP; the visitor's identity is the anonymous one in their session (created here if
need be). The RSVP token is returned once, by the RSVP itself; looking up, cancelling and
claiming take it in the request body, never in a URL (URLs end up in logs and browser history).
No response names an identity, the caller's or anyone else's.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from rooms.identity import ensure_identity
from rooms.scheduling import ics, selectors, services
from rooms.scheduling.api import serializers as s
from rooms.scheduling.api.base import (
    BAD_REQUEST,
    CLAIM_CONFLICT,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    THROTTLED,
    SchedulingView,
)
from rooms.scheduling.api.views import KEY
from rooms.scheduling.throttles import RSVP_THROTTLES


def _rsvp_data(request: Request, info: selectors.RsvpInfo) -> dict[str, Any]:
    return {
        "status": info.status,
        "waitlist_position": info.waitlist_position,
        "occurrence": s.OccurrenceSerializer(info.occurrence, context={"request": request}).data,
    }


def _occurrence_ics(request: Request, info: selectors.OccurrenceInfo) -> str:
    session = info.session
    url = request.build_absolute_uri(selectors.room_path(session.room.slug))
    event = ics.Series(
        uid=f"{session.uid}-{info.key}@hearth",
        title=session.title,
        description=session.description,
        topic=session.topic,
        start=info.start_local,
        end=info.end_local,
        rrule="",
        cancelled=info.status == "cancelled",
        url=url,
        sequence=session.sequence,
        created=session.created_at,
        modified=session.updated_at,
    )
    return ics.calendar_bytes(
        [event],
        name=session.title,
        now=timezone.now(),
        alarm_minutes=settings.HEARTH_SESSION_OPENS_MINUTES_BEFORE,
    ).decode()


class RsvpCreateView(SchedulingView):
    """RSVP to an occurrence, anonymously: a seat, or the waitlist when it is full.

    201 for a new RSVP. 200 if this identity already had one: same place, new token.
    """

    permission_classes = [AllowAny]
    throttle_classes = RSVP_THROTTLES

    @extend_schema(
        operation_id="occurrences_rsvp",
        parameters=[KEY],
        request=None,
        responses={
            201: s.RsvpCreatedSerializer,
            200: s.RsvpCreatedSerializer,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, session_id: int, key: str) -> Response:
        identity = ensure_identity(request.session)
        created = services.rsvp_create(session_id=session_id, key=key, identity_key=identity.key)
        data = _rsvp_data(request, created.info) | {
            "token": created.token,
            "ics": _occurrence_ics(request, created.info.occurrence),
        }
        code = status.HTTP_201_CREATED if created.created else status.HTTP_200_OK
        return Response(data, status=code, headers={"Cache-Control": "no-store"})


class RsvpLookupView(SchedulingView):
    """An RSVP by its token: confirmed, waitlisted (and where) or cancelled."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="rsvps_lookup",
        request=s.TokenSerializer,
        responses={
            200: s.RsvpCreatedSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        body = s.TokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token = body.validated_data["token"]
        info = selectors.rsvp_by_token(token)
        data = _rsvp_data(request, info) | {
            "token": token,
            "ics": _occurrence_ics(request, info.occurrence),
        }
        return Response(data, headers={"Cache-Control": "no-store"})


class RsvpCancelView(SchedulingView):
    """Give up an RSVP by its token; the first person on the waitlist takes the seat."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="rsvps_cancel",
        request=s.TokenSerializer,
        responses={
            200: OpenApiResponse(s.RsvpSerializer, description="Cancelled (again is a no-op)."),
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    )
    def post(self, request: Request) -> Response:
        body = s.TokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cancelled = services.rsvp_cancel(token=body.validated_data["token"])
        return Response(_rsvp_data(request, cancelled.info))


class RsvpClaimView(SchedulingView):
    """Move an RSVP, by its token, to this browser's identity: the seat it saves is then this
    browser's (an RSVP made on a phone, used on a laptop). Its status and place stay the same.

    Counted against the same per-identity allowance as RSVPs, and like an RSVP it gives this
    browser an identity if it has none yet.
    """

    permission_classes = [AllowAny]
    throttle_classes = RSVP_THROTTLES

    @extend_schema(
        operation_id="rsvps_claim",
        request=s.TokenSerializer,
        responses={
            200: s.RsvpClaimedSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CLAIM_CONFLICT,
            429: THROTTLED,
        },
    )
    def post(self, request: Request) -> Response:
        body = s.TokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        identity = ensure_identity(request.session)
        claimed = services.rsvp_claim(token=body.validated_data["token"], identity_key=identity.key)
        data = _rsvp_data(request, claimed.info) | {
            "token": claimed.token,
            "ics": _occurrence_ics(request, claimed.info.occurrence),
            "moved": claimed.moved,
        }
        return Response(data, headers={"Cache-Control": "no-store"})
