"""The moderators' queue over HTTP: thin views over moderation.selectors and .actions."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ReadOnlyModelViewSet

from moderation import selectors
from moderation.actions import ActionRefused, FlagAction, resolve_flag
from moderation.api.permissions import (
    FACILITATOR_LIMIT,
    CanModerateSomewhere,
    may_take_action,
    rooms_moderated_by,
)
from moderation.api.serializers import (
    AuditEntrySerializer,
    FlagDetailSerializer,
    FlagSerializer,
    ResolveSerializer,
)
from moderation.models import AuditEntry, Flag
from moderation.resources import (
    country_from_accept_language,
    resources_for,
    supported_countries,
    to_json,
)
from server.pagination import StrictPageNumberPagination


class QueuePagination(StrictPageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class FlagViewSet(ReadOnlyModelViewSet):
    """GET /api/moderation/flags/[?status=open|resolved], GET .../<id>/, POST .../<id>/resolve/."""

    permission_classes = [CanModerateSomewhere]
    pagination_class = QueuePagination
    queryset = Flag.objects.all()  # for the schema; get_queryset narrows it per user
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        wanted = self.request.query_params.get("status")
        if wanted not in (None, "", *Flag.Status.values):
            raise ValidationError({"status": f"Use one of: {', '.join(Flag.Status.values)}."})
        flags = selectors.flag_queue(status=wanted or None)
        rooms = rooms_moderated_by(self.request.user)
        return flags if rooms is None else flags.filter(room__in=rooms)

    def get_serializer_class(self) -> Any:
        return FlagDetailSerializer if self.action == "retrieve" else FlagSerializer

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        flag = self.get_object()
        serializer = FlagDetailSerializer(
            flag, context={"context_messages": selectors.context_of(flag)}
        )
        return Response(serializer.data)

    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str | None = None) -> Response:
        flag = self.get_object()
        payload = ResolveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if not may_take_action(request.user, payload.validated_data["action"]):
            raise PermissionDenied(FACILITATOR_LIMIT)
        try:
            resolved = resolve_flag(
                flag_id=flag.pk,
                moderator=request.user,  # type: ignore[arg-type]
                action=FlagAction(payload.validated_data["action"]),
                reason=payload.validated_data["reason"],
                minutes=payload.validated_data.get("minutes"),
            )
        except ActionRefused as refused:
            return Response({"detail": str(refused)}, status=status.HTTP_409_CONFLICT)
        resolved = selectors.flag_queue().get(pk=resolved.pk)
        return Response(FlagSerializer(resolved).data)


class AuditLogView(ListAPIView):
    """GET /api/moderation/audit/: every moderator action, newest first. Read-only by design."""

    permission_classes = [CanModerateSomewhere]
    serializer_class = AuditEntrySerializer
    pagination_class = QueuePagination

    def get_queryset(self) -> Any:
        entries = AuditEntry.objects.select_related("moderator", "room")
        rooms = rooms_moderated_by(self.request.user)
        return entries if rooms is None else entries.filter(room__in=rooms)


@extend_schema_view(
    get=extend_schema(
        parameters=[OpenApiParameter("country", str, description="ISO 3166-1 alpha-2 code")],
        responses={200: OpenApiTypes.OBJECT},
    )
)
class ResourcesView(APIView):
    """GET /api/resources/?country=GB: crisis resources for a region the person chose.

    Without ``country``, the browser's Accept-Language decides; never the IP address.
    """

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        country = request.query_params.get("country") or country_from_accept_language(
            request.headers.get("Accept-Language")
        )
        return Response(to_json(resources_for(country)))


@extend_schema_view(get=extend_schema(responses={200: OpenApiTypes.OBJECT}))
class CountriesView(APIView):
    """GET /api/resources/countries/: the regions Hearth has resources for."""

    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        return Response([{"code": code, "name": name} for code, name in supported_countries()])
