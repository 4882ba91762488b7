"""iCalendar views: one session as .ics, and a feed of all sessions (or one topic's) to subscribe.

Answers ``text/calendar`` whatever the Accept header says (calendar apps send all sorts); errors
are JSON. Anyone may read them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from rooms.scheduling import ics, selectors
from rooms.scheduling.api import serializers as s
from rooms.scheduling.api.base import (
    BAD_REQUEST,
    NOT_FOUND,
    FirstRendererNegotiation,
    SchedulingView,
)
from rooms.scheduling.models import GroupSession

ICS = OpenApiResponse(OpenApiTypes.STR, description="An RFC 5545 iCalendar file.")


def _calendar(request: Request, sessions: list[GroupSession], name: str) -> HttpResponse:
    series = [
        selectors.calendar_series(
            session,
            room_url=request.build_absolute_uri(selectors.room_path(session.room.slug)),
        )
        for session in sessions
    ]
    body = ics.calendar_bytes(
        series,
        name=name,
        now=timezone.now(),
        alarm_minutes=settings.HEARTH_SESSION_OPENS_MINUTES_BEFORE,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


class CalendarView(SchedulingView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FirstRendererNegotiation


class SessionCalendarView(CalendarView):
    """A session as an .ics file: VEVENT with RRULE, EXDATEs, overrides, VTIMEZONE, VALARM."""

    @extend_schema(
        operation_id="sessions_calendar",
        responses={(200, "text/calendar"): ICS, (404, "application/json"): NOT_FOUND},
    )
    def get(self, request: Request, session_id: int) -> HttpResponse:
        session = selectors.session_get(session_id)
        response = _calendar(request, [session], session.title)
        response["Content-Disposition"] = f'inline; filename="hearth-session-{session.pk}.ics"'
        return response


class CalendarFeedView(CalendarView):
    """Every session (or one topic's) as one calendar that calendar apps can subscribe to."""

    @extend_schema(
        operation_id="calendar_feed",
        parameters=[s.TopicQuerySerializer],
        responses={(200, "text/calendar"): ICS, (400, "application/json"): BAD_REQUEST},
    )
    def get(self, request: Request) -> HttpResponse:
        query = s.TopicQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        topic = query.validated_data.get("topic")
        sessions = selectors.calendar_sessions(topic=topic, now=timezone.now())
        name = f"Hearth: {topic}" if topic else "Hearth group sessions"
        return _calendar(request, sessions, name)
