"""Admin views of sessions, occurrences and RSVPs (read mostly: writes go through the API).

Occurrences and RSVPs are read-only here: cancelling or moving an occurrence, and RSVPs and
their waitlist, go through the scheduling services (which lock the occurrence, promote the
waitlist and keep the seats right), as the API does. An RSVP's identity key and token hash are
never shown or usable (``rooms.admin_privacy``).
"""

from django.contrib import admin

from rooms.admin_privacy import PrivateModelAdmin, ReadOnlyAdmin
from rooms.scheduling.models import RSVP, GroupSession, Occurrence


@admin.register(GroupSession)
class GroupSessionAdmin(PrivateModelAdmin):
    list_display = ["title", "topic", "facilitator", "start", "time_zone", "status", "capacity"]
    list_filter = ["status", "topic"]
    readonly_fields = ["uid", "room", "start", "rrule", "series_end", "sequence", "created_at"]


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnlyAdmin):
    list_display = ["session", "original_start", "status", "moved_start"]
    list_filter = ["status"]


@admin.register(RSVP)
class RSVPAdmin(ReadOnlyAdmin):
    list_display = ["occurrence", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["occurrence", "created_at"]
