from django.contrib import admin

from rooms.models import Message, Room


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "kind", "is_open", "capacity", "last_seq"]
    list_filter = ["kind", "is_open"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["last_seq", "created_at"]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["room", "seq", "alias", "status", "sent_at"]
    list_filter = ["status", "room"]
    readonly_fields = ["room", "seq", "author_key", "alias", "client_id", "sent_at"]
    search_fields = ["alias"]
