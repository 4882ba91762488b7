"""Shapes of the scheduling API: what requests may hold and how results are written.

Serializers check types, lengths and ranges only. Every rule about sessions (start in the future,
known zone, capacity within HEARTH_SESSION_MAX_CAPACITY, supported rules) lives in ``services``;
no serializer saves anything or reads the database.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rooms.scheduling.models import RSVP, GroupSession
from rooms.scheduling.recurrence import EARLIEST, LATEST, MAX_COUNT, Frequency, Recurrence
from rooms.scheduling.selectors import room_path, schedule_of

MAX_RANGE = timedelta(days=366)
MAX_ID = 2**63 - 1


def no_surrogates(value: str) -> None:
    """Lone surrogates cannot be stored as UTF-8: refuse them as bad input, not a 500."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise serializers.ValidationError("Text must be valid Unicode.") from None


def no_control_characters(value: str) -> None:
    """Text a person reads, in the API and in calendars: control characters other than a line
    break or a tab are refused (a carriage return alone could start a new calendar property)."""
    if _CONTROL.search(value):
        raise serializers.ValidationError("Text cannot hold control characters.")


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")


class PlainTextField(serializers.CharField):
    """Text with line breaks written as line feeds ("\r\n" from some clients)."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, str):
            data = data.replace("\r\n", "\n")
        return str(super().to_internal_value(data))


def text(**kwargs: Any) -> serializers.CharField:
    return PlainTextField(validators=[no_surrogates, no_control_characters], **kwargs)


class LocalDateTimeField(serializers.DateTimeField):
    """An ISO 8601 date-time; without an offset it means wall time in the session's zone."""

    def enforce_timezone(self, value: datetime) -> datetime:
        if not EARLIEST.year <= value.year < LATEST.year:
            raise serializers.ValidationError("Must be between the years 2000 and 2099.")
        return value if timezone.is_naive(value) else super().enforce_timezone(value)


@extend_schema_field(OpenApiTypes.DATETIME)
class OffsetDateTimeField(serializers.Field):
    """Writes an aware datetime as is, with its own UTC offset (for times in a session's zone)."""

    def to_representation(self, value: datetime) -> str:
        return value.isoformat()


# --- Requests ----------------------------------------------------------------------------------


class RecurrenceSerializer(serializers.Serializer):
    frequency = serializers.ChoiceField(choices=[f.value for f in Frequency])
    until = serializers.DateField(
        required=False, allow_null=True, help_text="Last local date of the series."
    )
    count = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=MAX_COUNT
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A PATCH makes every field optional, nested ones too; but a recurrence replaces the
        # whole rule, so it still needs its frequency (it was a KeyError, a 500).
        if "frequency" not in attrs:
            raise serializers.ValidationError({"frequency": ["This field is required."]})
        return attrs


class SessionWriteSerializer(serializers.Serializer):
    title = text(max_length=120)
    description = text(max_length=2000, allow_blank=True, required=False)
    topic = serializers.SlugField(max_length=50)
    facilitator = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text="Staff only; default: you."
    )
    start = LocalDateTimeField(help_text="First occurrence; without an offset, in time_zone.")
    end = LocalDateTimeField(required=False, help_text="End of the first occurrence.")
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, required=False)
    time_zone = text(max_length=64, help_text="IANA name, such as Europe/London.")
    recurrence = RecurrenceSerializer(required=False)
    rrule = text(max_length=300, allow_blank=True, required=False, help_text="RFC 5545 RRULE.")
    capacity = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="At most HEARTH_SESSION_MAX_CAPACITY."
    )


class SessionUpdateSerializer(SessionWriteSerializer):
    facilitator = None  # type: ignore[assignment]


class OccurrenceMoveSerializer(serializers.Serializer):
    start = LocalDateTimeField(help_text="New start; without an offset, in the session's zone.")
    end = LocalDateTimeField(required=False)
    duration_minutes = serializers.IntegerField(min_value=5, max_value=480, required=False)


class TokenSerializer(serializers.Serializer):
    token = text(min_length=1, max_length=128, help_text="The token your RSVP returned.")


class QuerySerializer(serializers.Serializer):
    """Query parameters. DRF reads ``?x=`` as "no x"; here it is an error, as the schema says."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        names = list(self.fields.keys())
        blank = {name: ["May not be blank."] for name in names if data.get(name) == ""}
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)


class TopicQuerySerializer(QuerySerializer):
    topic = serializers.SlugField(max_length=50, required=False)


class SessionQuerySerializer(TopicQuerySerializer):
    facilitator = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    status = serializers.ChoiceField(choices=GroupSession.Status.choices, required=False)


class OccurrenceQuerySerializer(TopicQuerySerializer):
    to = serializers.DateTimeField(required=False, help_text="Default: 30 days after from.")
    facilitator = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    has_space = serializers.BooleanField(required=False, allow_null=True, default=None)

    def get_fields(self) -> dict[str, serializers.Field]:
        # ``from`` is a Python keyword, so it cannot be a class attribute.
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(required=False, help_text="Default: now.")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        after = attrs.get("from") or timezone.now()
        # Before the default "to" is computed: 30 days after 9999-12-31 is past datetime's end.
        if not EARLIEST <= after < LATEST:
            raise serializers.ValidationError({"from": ["Must be between 2000 and 2100."]})
        before = attrs.get("to") or after + timedelta(days=30)
        if before <= after:
            raise serializers.ValidationError({"to": ["Must be after from."]})
        if before - after > MAX_RANGE:
            raise serializers.ValidationError({"to": ["At most 366 days after from."]})
        return {**attrs, "from": after, "to": before}


def recurrence_of(data: dict[str, Any] | None) -> Recurrence | None:
    if data is None:
        return None
    return Recurrence(
        frequency=Frequency(data["frequency"]), until=data.get("until"), count=data.get("count")
    )


# --- Responses ---------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class RoomRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    url = serializers.CharField(help_text="The room's page.")


def _person(user: Any) -> dict[str, Any]:
    return {"id": user.pk, "name": user.get_short_name() or user.get_username()}


def _room(request: Any, slug: str) -> dict[str, str]:
    return {"slug": slug, "url": request.build_absolute_uri(room_path(slug))}


class SessionSerializer(serializers.ModelSerializer):
    facilitator = serializers.SerializerMethodField()
    start_local = serializers.SerializerMethodField()
    recurrence = serializers.SerializerMethodField()
    room = serializers.SerializerMethodField()
    calendar_url = serializers.SerializerMethodField()

    class Meta:
        model = GroupSession
        fields = [
            "id", "uid", "title", "description", "topic", "facilitator", "start", "start_local",
            "time_zone", "duration_minutes", "recurrence", "rrule", "series_end", "capacity",
            "status", "room", "calendar_url", "sequence", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PersonSerializer)
    def get_facilitator(self, session: GroupSession) -> dict[str, Any]:
        return _person(session.facilitator)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_start_local(self, session: GroupSession) -> str:
        return schedule_of(session).start.isoformat()

    @extend_schema_field(RecurrenceSerializer)
    def get_recurrence(self, session: GroupSession) -> dict[str, Any]:
        recurrence = schedule_of(session).recurrence
        return {
            "frequency": recurrence.frequency.value,
            "until": recurrence.until.isoformat() if recurrence.until else None,
            "count": recurrence.count,
        }

    @extend_schema_field(RoomRefSerializer)
    def get_room(self, session: GroupSession) -> dict[str, str]:
        return _room(self.context["request"], session.room.slug)

    def get_calendar_url(self, session: GroupSession) -> str:
        return self.context["request"].build_absolute_uri(f"/api/v1/sessions/{session.pk}.ics")


class OccurrenceSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session.pk")
    key = serializers.CharField(help_text="The start the rule gives it, UTC (RECURRENCE-ID).")
    title = serializers.CharField(source="session.title")
    topic = serializers.CharField(source="session.topic")
    facilitator = serializers.SerializerMethodField()
    time_zone = serializers.CharField(source="session.time_zone")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    start_local = OffsetDateTimeField()
    end_local = OffsetDateTimeField()
    original_start = serializers.DateTimeField()
    moved = serializers.BooleanField()
    status = serializers.ChoiceField(choices=GroupSession.Status.choices)
    capacity = serializers.IntegerField()
    seats_taken = serializers.IntegerField()
    seats_left = serializers.IntegerField()
    waitlisted = serializers.IntegerField()
    rsvp = serializers.ChoiceField(
        choices=["none", "confirmed", "waitlisted"], help_text="Your RSVP (this browser session)."
    )
    room = serializers.SerializerMethodField()

    @extend_schema_field(PersonSerializer)
    def get_facilitator(self, info: Any) -> dict[str, Any]:
        return _person(info.session.facilitator)

    @extend_schema_field(RoomRefSerializer)
    def get_room(self, info: Any) -> dict[str, str]:
        return _room(self.context["request"], info.session.room.slug)


class RsvpSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RSVP.Status.choices)
    waitlist_position = serializers.IntegerField(allow_null=True)
    occurrence = OccurrenceSerializer()


class RsvpCreatedSerializer(RsvpSerializer):
    token = serializers.CharField(help_text="Shown once. Keep it to check or cancel the RSVP.")
    ics = serializers.CharField(help_text="An iCalendar file of this occurrence.")


class RsvpClaimedSerializer(RsvpCreatedSerializer):
    token = serializers.CharField(
        help_text="The RSVP's token from now on: a new one if it moved (the old one stops "
        "working), else the one sent."
    )
    moved = serializers.BooleanField(
        help_text="True if the RSVP moved to this browser; false if it was this browser's already."
    )


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField(required=False)
