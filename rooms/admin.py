"""Rooms and messages in the Django admin.

Messages are read-only here: their text, status and hold reason change only through the
moderators' actions (the queue's API, or the Flag admin's actions), which write the audit log.
No identity key is shown or usable (``rooms.admin_privacy``).
"""

from __future__ import annotations

from django.contrib import admin

from rooms.admin_privacy import PrivateModelAdmin, ReadOnlyAdmin
from rooms.models import Message, Room


@admin.register(Room)
class RoomAdmin(PrivateModelAdmin):
    list_display = ["title", "slug", "kind", "is_open", "capacity", "last_seq"]
    list_filter = ["kind", "is_open"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["last_seq", "created_at"]


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ["room", "seq", "alias", "status", "sent_at"]
    list_filter = ["status", "room"]
    # The pseudonym is the author as the room knows them; it does not link rooms.
    fields = readonly_fields = ("room", "seq", "alias", "status", "hold_reason", "sent_at", "body")
    search_fields = ["alias"]
