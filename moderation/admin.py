"""Moderation in the Django admin: the queue, reports, sanctions, watched words, audit.

What changes a person's standing goes through ``moderation.actions.resolve_flag`` (the Flag
admin's actions), which writes the audit log; everything else here is read-only but watched
words. No identity key is shown or usable (``rooms.admin_privacy``): a flag's author is the
pseudonym in its room, a sanction's target is the audit entry of the action that imposed it.
Blocks are not here at all: they are a participant's own, and nobody acts on them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from moderation.actions import ActionRefused, FlagAction, lift_sanction, resolve_flag
from moderation.models import AuditEntry, Flag, Report, Sanction, WatchedWord
from moderation.watchlist import forget_rules
from rooms.admin_privacy import PrivateModelAdmin, ReadOnlyAdmin


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
class FlagAdmin(ReadOnlyAdmin):
    """The queue. Its actions resolve flags through ``resolve_flag``, as the API does."""

    list_display = [
        "id",
        "kind",
        "priority",
        "status",
        "room",
        "author",
        "report_count",
        "opened_at",
    ]
    list_filter = ["status", "kind", "priority"]
    fields = readonly_fields = (*(field.name for field in Flag._meta.fields), "author")
    actions = [dismiss, release, remove, warn, mute_hour, kick, ban_day]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Flag]:
        return super().get_queryset(request).select_related("room", "message__room")

    @admin.display(description="author (pseudonym in this room)")
    def author(self, flag: Flag) -> str:
        return flag.message.alias if flag.message is not None else "-"


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    # The reporter is never shown, not even here: ``reporter_key`` is a secret field.
    list_display = ["id", "message", "reason", "created_at"]
    fields = readonly_fields = ("message", "reason", "created_at")


def _imposing_entries() -> QuerySet[AuditEntry]:
    """For a Sanction subquery: the audit entries of the action that imposed it, first first.

    A Sanction row does not point at its action: ``resolve_flag`` imposes it and writes the
    entry in the same transaction, just after, with the same moderator, action (``mute`` and
    ``ban`` are the sanction's kind) and reason. While the flag's message exists its author's
    key must match too; that comparison stays in the database and the key is never read out.
    """
    return AuditEntry.objects.filter(
        Q(flag__message__author_key=OuterRef("identity_key")) | Q(flag__message__isnull=True),
        action=OuterRef("kind"),
        moderator=OuterRef("created_by"),
        reason=OuterRef("reason"),
        created_at__gte=OuterRef("created_at"),
        created_at__lte=OuterRef("created_at") + timedelta(minutes=1),
    ).order_by("created_at", "id")


@admin.action(description="Lift now: end the selected mutes or bans (written to the audit log)")
def lift_now(modeladmin: Any, request: HttpRequest, sanctions: Any) -> None:
    for sanction in sanctions:
        try:
            lift_sanction(
                sanction_id=sanction.pk,
                moderator=request.user,  # type: ignore[arg-type]
                reason="lifted from the admin",
            )
        except ActionRefused as refused:
            messages.warning(request, f"Sanction {sanction.pk}: {refused}")


@admin.register(Sanction)
class SanctionAdmin(ReadOnlyAdmin):
    """Mutes and bans, each shown through the action that imposed it: the pseudonym in the
    room where the person was acted on, never a key, and so never their other rooms. Read-only,
    but a moderator can lift one early (``lift_sanction``, which writes the audit log)."""

    actions = [lift_now]

    list_display = ["id", "kind", "until", "imposed_for", "created_by", "created_at"]
    list_filter = ["kind"]
    fields = readonly_fields = (
        "kind",
        "until",
        "imposed_for",
        "reason",
        "created_by",
        "created_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Sanction]:
        entries = _imposing_entries()
        return (
            super()
            .get_queryset(request)
            .select_related("created_by")
            .annotate(
                audit_entry_id=Subquery(entries.values("id")[:1]),
                audit_target=Subquery(entries.values("target")[:1]),
            )
        )

    @admin.display(description="imposed for (audit entry)")
    def imposed_for(self, sanction: Sanction) -> str:
        entry_id = getattr(sanction, "audit_entry_id", None)
        if entry_id is None:
            return "-"
        url = reverse("admin:moderation_auditentry_change", args=[entry_id])
        return format_html('<a href="{}">{}</a>', url, getattr(sanction, "audit_target", ""))


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
class WatchedWordAdmin(PrivateModelAdmin):
    form = WatchedWordForm
    list_display = ["pattern", "is_regex", "action", "created_at"]
    list_filter = ["action", "is_regex"]

    def save_model(self, request: HttpRequest, obj: WatchedWord, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        forget_rules()


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Append-only: nobody, superusers included, adds, edits or deletes an entry here."""

    list_display = ["created_at", "moderator", "action", "target"]
    list_filter = ["action"]
