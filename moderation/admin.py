"""Moderation in the Django admin: the queue, reports, blocks, sanctions, watched words, audit.

The audit log is read-only here as everywhere.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from moderation.actions import ActionRefused, FlagAction, resolve_flag
from moderation.models import AuditEntry, Block, Flag, Report, Sanction, WatchedWord
from moderation.watchlist import forget_rules


def _resolve_each(
    request: HttpRequest, flags: Any, action: FlagAction, minutes: int | None = None
) -> None:
    for flag in flags.filter(status=Flag.Status.OPEN):
        try:
            resolve_flag(
                flag_id=flag.pk,
                moderator=request.user,  # type: ignore[arg-type]
                action=action,
                reason="from the admin",
                minutes=minutes,
            )
        except ActionRefused as refused:
            messages.warning(request, f"Flag {flag.pk}: {refused}")


@admin.action(description="Dismiss: nothing wrong")
def dismiss(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.DISMISS)


@admin.action(description="Release the held message")
def release(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.RELEASE)


@admin.action(description="Remove the message for everyone")
def remove(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.REMOVE)


@admin.action(description="Warn the author privately")
def warn(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.WARN)


@admin.action(description="Mute the author for an hour")
def mute_hour(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.MUTE, minutes=60)


@admin.action(description="Kick the author from the room")
def kick(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.KICK)


@admin.action(description="Ban the author from all rooms for a day")
def ban_day(modeladmin: Any, request: HttpRequest, flags: Any) -> None:
    _resolve_each(request, flags, FlagAction.BAN, minutes=24 * 60)


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "priority", "status", "room", "report_count", "opened_at"]
    list_filter = ["status", "kind", "priority"]
    readonly_fields = [field.name for field in Flag._meta.fields]
    actions = [dismiss, release, remove, warn, mute_hour, kick, ban_day]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["id", "message", "created_at"]
    # The reporter is never shown, not even here.
    exclude = ["reporter_key"]
    readonly_fields = ["message", "reason", "created_at"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at"]
    readonly_fields = ["blocker_key", "blocked_key", "created_at"]


@admin.register(Sanction)
class SanctionAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "until", "created_by", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["identity_key", "created_by", "created_at"]


class WatchedWordForm(forms.ModelForm):
    class Meta:
        model = WatchedWord
        fields = ["pattern", "is_regex", "action"]

    def clean(self) -> dict[str, Any]:
        from moderation.watched import validate_pattern

        cleaned = super().clean() or {}
        problem = validate_pattern(cleaned.get("pattern", ""), bool(cleaned.get("is_regex")))
        if problem:
            self.add_error("pattern", problem)
        return cleaned


@admin.register(WatchedWord)
class WatchedWordAdmin(admin.ModelAdmin):
    form = WatchedWordForm
    list_display = ["pattern", "is_regex", "action", "created_at"]
    list_filter = ["action", "is_regex"]

    def save_model(self, request: HttpRequest, obj: WatchedWord, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_rules()


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "moderator", "action", "target"]
    list_filter = ["action"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
