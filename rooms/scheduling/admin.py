"""Admin views of sessions, occurrences and RSVPs: every write goes through the scheduling
services, as the API's do.

A session's words and capacity are edited here and saved by ``session_update``, which keeps
its room in step (title, seats) and promotes waitlists when capacity rises; it is cancelled
with the "Cancel" action (``session_cancel``: the room closes, calendars see it). Its timing,
status and facilitator are shown, not edited, as in the API: a change of timing goes through
the API, which refuses one that would silently drop an occurrence people signed up for, and a
facilitator has powers in the room that only a session's creation grants. Sessions are created
from the schedule page or the API (a session needs its room and occurrences) and never deleted
here (deleting would take the RSVPs with it and leave the room open: cancel instead).

Occurrences and RSVPs are read-only here: cancelling or moving an occurrence, and RSVPs and
their waitlist, go through the scheduling services (which lock the occurrence, promote the
waitlist and keep the seats right). An RSVP's identity key and token hash are never shown or
usable (``rooms.admin_privacy``).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from rooms.admin_privacy import PrivateModelAdmin, ReadOnlyAdmin
from rooms.scheduling.errors import InvalidInput, SchedulingError
from rooms.scheduling.models import RSVP, GroupSession, Occurrence
from rooms.scheduling.services import session_cancel, session_update
from rooms.scheduling.services.timing import check_capacity

# What session_update takes from the admin's form.
_UPDATED_BY_SERVICE = ("title", "description", "topic", "capacity")


class GroupSessionForm(forms.ModelForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.status == GroupSession.Status.CANCELLED:
            raise forms.ValidationError("This session is cancelled; it can no longer be changed.")
        capacity = cleaned.get("capacity")
        if capacity is not None:
            try:
                check_capacity(capacity)
            except InvalidInput as error:
                self.add_error("capacity", error.fields["capacity"])
        return cleaned


@admin.register(GroupSession)
class GroupSessionAdmin(PrivateModelAdmin):
    form = GroupSessionForm
    list_display = ["title", "topic", "facilitator", "start", "time_zone", "status", "capacity"]
    list_filter = ["status", "topic"]
    fields = [
        "title", "description", "topic", "capacity", "facilitator",
        "status", "start", "time_zone", "duration_minutes", "rrule", "series_end",
        "room", "uid", "sequence", "created_at", "updated_at",
    ]  # fmt: skip
    readonly_fields = [
        "facilitator", "status", "start", "time_zone", "duration_minutes", "rrule", "series_end",
        "room", "uid", "sequence", "created_at", "updated_at",
    ]  # fmt: skip
    actions = ["cancel_sessions"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: GroupSession | None = None) -> bool:
        return False

    def save_model(
        self,
        request: HttpRequest,
        obj: GroupSession,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        changed = {
            name: form.cleaned_data[name]
            for name in _UPDATED_BY_SERVICE
            if name in form.changed_data
        }
        if changed:
            try:
                session_update(session=obj, **changed)
            except SchedulingError as error:  # cancelled since the form was checked
                self.message_user(request, f"Not saved: {error.detail}", messages.ERROR)
        obj.refresh_from_db()

    @admin.action(description="Cancel every occurrence and close the room", permissions=["change"])
    def cancel_sessions(self, request: HttpRequest, queryset: QuerySet[GroupSession]) -> None:
        for session in queryset:
            try:
                session_cancel(session=session)
            except SchedulingError as error:
                self.message_user(request, f"{session}: {error.detail}", messages.ERROR)
        self.message_user(request, f"Cancelled {queryset.count()} session(s).")


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnlyAdmin):
    list_display = ["session", "original_start", "status", "moved_start"]
    list_filter = ["status"]


@admin.register(RSVP)
class RSVPAdmin(ReadOnlyAdmin):
    list_display = ["occurrence", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["occurrence", "created_at"]
