"""Shapes of the moderation API. Reporters and identity keys never appear here."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from moderation.actions import NEEDS_MINUTES, FlagAction
from moderation.models import AuditEntry, Flag
from rooms.models import Message, Room
from rooms.selectors import format_sent_at


class MessageSerializer(serializers.ModelSerializer):
    sent_at = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "seq", "alias", "body", "status", "hold_reason", "sent_at"]
        read_only_fields = fields

    def get_sent_at(self, message: Message) -> str:
        return format_sent_at(message.sent_at)


class FlagSerializer(serializers.ModelSerializer):
    room: serializers.SlugRelatedField[Room] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    room_title = serializers.CharField(source="room.title", read_only=True)
    message = MessageSerializer(read_only=True)
    report_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Flag
        fields = [
            "id",
            "room",
            "room_title",
            "kind",
            "priority",
            "status",
            "labels",
            "report_count",
            "report_reasons",
            "opened_at",
            "resolved_at",
            "resolution",
            "message",
        ]
        read_only_fields = fields

    def get_report_reasons(self, flag: Flag) -> list[str]:
        if flag.message is None:
            return []
        return [report.reason for report in flag.message.reports.all() if report.reason]


class FlagDetailSerializer(FlagSerializer):
    context_messages = serializers.SerializerMethodField()

    class Meta(FlagSerializer.Meta):
        fields = [*FlagSerializer.Meta.fields, "context_messages"]
        read_only_fields = fields

    def get_context_messages(self, flag: Flag) -> list[dict[str, Any]]:
        messages = self.context.get("context_messages", [])
        return MessageSerializer(messages, many=True).data  # type: ignore[return-value]


class ResolveSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[action.value for action in FlagAction])
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    minutes = serializers.IntegerField(min_value=1, max_value=60 * 24 * 365, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["action"] in NEEDS_MINUTES and not attrs.get("minutes"):
            raise serializers.ValidationError({"minutes": "Say for how many minutes."})
        return attrs


class AuditEntrySerializer(serializers.ModelSerializer):
    moderator = serializers.CharField(source="moderator.get_username", read_only=True)
    room: serializers.SlugRelatedField[Room] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "moderator",
            "action",
            "room",
            "target",
            "flag",
            "reason",
            "message_text",
        ]
        read_only_fields = fields
