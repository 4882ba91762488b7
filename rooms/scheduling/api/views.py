"""Views of sessions and occurrences: parse, authorize, call one service or selector, respond.

No rules here: those are in ``services``. RSVP and calendar views are in ``rsvp_views`` and
``calendar_views``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from rooms.scheduling import selectors, services
from rooms.scheduling.api import serializers as s
from rooms.scheduling.api.base import (
    BAD_REQUEST,
    CONFLICT,
    FORBIDDEN,
    NOT_FOUND,
    SchedulingView,
    identity_key_of,
)
from rooms.scheduling.api.permissions import (
    IsSessionFacilitatorOrStaff,
    ReadOrFacilitator,
    ReadOrSessionFacilitator,
)
from rooms.scheduling.models import GroupSession
from server.pagination import StrictPageNumberPagination

KEY = OpenApiParameter(
    "key",
    str,
    OpenApiParameter.PATH,
    pattern=r"^\d{8}T\d{6}Z$",
    description="Occurrence key: the start its rule gives it, in UTC, e.g. 20270112T190000Z.",
)


class Pages(StrictPageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def _session_response(request: Request, session: GroupSession, code: int = 200) -> Response:
    return Response(s.SessionSerializer(session, context={"request": request}).data, status=code)


class SessionListView(SchedulingView, GenericAPIView):
    """Sessions (GET, anyone; filter by topic, facilitator, status) and scheduling one (POST)."""

    permission_classes = [ReadOrFacilitator]
    pagination_class = Pages
    serializer_class = s.SessionSerializer

    @extend_schema(
        operation_id="sessions_list",
        parameters=[s.SessionQuerySerializer],
        responses={200: s.SessionSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        query = s.SessionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        sessions = selectors.session_list(
            topic=query.validated_data.get("topic"),
            facilitator_id=query.validated_data.get("facilitator"),
            status=query.validated_data.get("status"),
        )
        page = self.paginate_queryset(sessions)
        data = s.SessionSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(
        operation_id="sessions_create",
        request=s.SessionWriteSerializer,
        responses={201: s.SessionSerializer, 400: BAD_REQUEST, 403: FORBIDDEN},
    )
    def post(self, request: Request) -> Response:
        body = s.SessionWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        session = services.session_create(
            actor=request.user,  # type: ignore[arg-type]
            facilitator_id=data.pop("facilitator", None),
            recurrence=s.recurrence_of(data.pop("recurrence", None)),
            **data,
        )
        return _session_response(request, session, status.HTTP_201_CREATED)


class SessionDetailView(SchedulingView):
    """One session: read (anyone), replace or change (its facilitator or staff)."""

    permission_classes = [ReadOrSessionFacilitator]

    def _session(self, request: Request, session_id: int) -> GroupSession:
        session = selectors.session_get(session_id)
        self.check_object_permissions(request, session)
        return session

    @extend_schema(
        operation_id="sessions_retrieve", responses={200: s.SessionSerializer, 404: NOT_FOUND}
    )
    def get(self, request: Request, session_id: int) -> Response:
        return _session_response(request, self._session(request, session_id))

    @extend_schema(
        operation_id="sessions_update",
        request=s.SessionUpdateSerializer,
        responses={
            200: s.SessionSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def put(self, request: Request, session_id: int) -> Response:
        return self._update(request, session_id, partial=False)

    @extend_schema(
        operation_id="sessions_partial_update",
        request=s.SessionUpdateSerializer(partial=True),
        responses={
            200: s.SessionSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def patch(self, request: Request, session_id: int) -> Response:
        return self._update(request, session_id, partial=True)

    def _update(self, request: Request, session_id: int, *, partial: bool) -> Response:
        session = self._session(request, session_id)
        body = s.SessionUpdateSerializer(data=request.data, partial=partial)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(body.validated_data)
        if not partial:
            # A full replacement: fields left out go back to their defaults.
            data.setdefault("description", "")
            if "recurrence" not in data and "rrule" not in data:
                data["rrule"] = ""
        session = services.session_update(
            session=session, recurrence=s.recurrence_of(data.pop("recurrence", None)), **data
        )
        return _session_response(request, session)


class SessionCancelView(SchedulingView):
    """Cancel a whole session (its facilitator or staff): every occurrence, and its room."""

    permission_classes = [IsSessionFacilitatorOrStaff]

    @extend_schema(
        operation_id="sessions_cancel",
        request=None,
        responses={200: s.SessionSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = selectors.session_get(session_id)
        self.check_object_permissions(request, session)
        return _session_response(request, services.session_cancel(session=session))


class OccurrenceListView(SchedulingView, GenericAPIView):
    """Upcoming occurrences of all scheduled sessions, by start time, with seats and your RSVP."""

    permission_classes = [AllowAny]
    pagination_class = Pages
    serializer_class = s.OccurrenceSerializer

    @extend_schema(
        operation_id="occurrences_list",
        parameters=[s.OccurrenceQuerySerializer],
        responses={200: s.OccurrenceSerializer(many=True), 400: BAD_REQUEST, 404: NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        query = s.OccurrenceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        infos = selectors.occurrence_list(
            after=data["from"],
            before=data["to"],
            topic=data.get("topic"),
            facilitator_id=data.get("facilitator"),
            has_space=data.get("has_space"),
            identity_key=identity_key_of(request),
        )
        page = self.paginate_queryset(infos)
        data = s.OccurrenceSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)


def _occurrence_response(request: Request, info: selectors.OccurrenceInfo) -> Response:
    return Response(s.OccurrenceSerializer(info, context={"request": request}).data)


class OccurrenceDetailView(SchedulingView):
    """One occurrence of a session, with seats and your RSVP (anyone)."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="occurrences_retrieve",
        parameters=[KEY],
        responses={200: s.OccurrenceSerializer, 404: NOT_FOUND},
    )
    def get(self, request: Request, session_id: int, key: str) -> Response:
        info = selectors.occurrence_get(
            session_id=session_id, key=key, identity_key=identity_key_of(request)
        )
        return _occurrence_response(request, info)


class OccurrenceCancelView(SchedulingView):
    """Cancel one occurrence (the session's facilitator or staff); the rest of the series stays."""

    permission_classes = [IsSessionFacilitatorOrStaff]

    @extend_schema(
        operation_id="occurrences_cancel",
        parameters=[KEY],
        request=None,
        responses={200: s.OccurrenceSerializer, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT},
    )
    def post(self, request: Request, session_id: int, key: str) -> Response:
        session = selectors.session_get(session_id)
        self.check_object_permissions(request, session)
        return _occurrence_response(
            request, services.occurrence_cancel(session=session, key=key, now=timezone.now())
        )


class OccurrenceMoveView(SchedulingView):
    """Move one occurrence (the session's facilitator or staff); its RSVPs move with it."""

    permission_classes = [IsSessionFacilitatorOrStaff]

    @extend_schema(
        operation_id="occurrences_move",
        parameters=[KEY],
        request=s.OccurrenceMoveSerializer,
        responses={
            200: s.OccurrenceSerializer,
            400: BAD_REQUEST,
            403: FORBIDDEN,
            404: NOT_FOUND,
            409: CONFLICT,
        },
    )
    def post(self, request: Request, session_id: int, key: str) -> Response:
        session = selectors.session_get(session_id)
        self.check_object_permissions(request, session)
        body = s.OccurrenceMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        info = services.occurrence_move(session=session, key=key, **body.validated_data)
        return _occurrence_response(request, info)
