"""What every scheduling view shares: error mapping, JSON parsing, identity, schema snippets.

Transport only: turns domain errors into HTTP statuses (``invalid`` 400, ``not_found`` 404, the
state conflicts 409) and reads the visitor's anonymous identity without creating one.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, AllowAny
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rooms.identity import SESSION_KEY, Identity
from rooms.scheduling.api.serializers import ErrorSerializer
from rooms.scheduling.errors import InvalidInput, NotFound, SchedulingError


class Conflict(exceptions.APIException):
    """The request is well formed but the occurrence or session is in a state that refuses it."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"

    def __init__(self, detail: str, code: str) -> None:
        # Both values become ErrorDetail(text, code): {"detail": ..., "code": ...}.
        super().__init__({"detail": detail, "code": code}, code)


def api_exception(error: SchedulingError) -> exceptions.APIException:
    if isinstance(error, InvalidInput):
        return exceptions.ValidationError(error.fields)
    if isinstance(error, NotFound):
        return exceptions.NotFound(error.detail)
    return Conflict(error.detail, str(error.code))


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with JSON nested too deeply for Python a 400 rather than a 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - nested too deeply.") from None


class FirstRendererNegotiation(BaseContentNegotiation):
    """Calendar endpoints answer with a calendar whatever the Accept header says."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class ICalendarRenderer(BaseRenderer):
    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data


class SchedulingAutoSchema(AutoSchema):
    """Documents the session cookie as optional wherever anonymous visitors are let in."""

    def get_auth(self) -> list[Any]:
        auths = super().get_auth()
        public = all(
            isinstance(permission, AllowAny)
            or (getattr(permission, "anyone_may_read", False) and self.method in SAFE_METHODS)
            for permission in self.view.get_permissions()
        )
        return [*auths, {}] if public and {} not in auths else auths


class SchedulingView(APIView):
    parser_classes = [SafeJSONParser]
    schema = SchedulingAutoSchema()

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, SchedulingError):
            exc = api_exception(exc)
        return super().handle_exception(exc)


def identity_key_of(request: Request) -> str | None:
    """The visitor's identity key if their session has one; reading never creates one."""
    token = request.session.get(SESSION_KEY)
    return Identity(token=token).key if isinstance(token, str) and token else None


BAD_REQUEST = OpenApiResponse(OpenApiTypes.OBJECT, description="Field errors: {field: [message]}.")
FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not allowed (or not logged in).")
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such session, occurrence or RSVP.")
CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="The session or occurrence is cancelled or over (code says which).",
)
CLAIM_CONFLICT = OpenApiResponse(
    ErrorSerializer,
    description="This browser has its own live RSVP to the meeting (code already_rsvped).",
)
THROTTLED = OpenApiResponse(ErrorSerializer, description="Too many RSVPs; see Retry-After.")
