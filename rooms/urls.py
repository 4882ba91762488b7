from django.urls import path

from rooms.api import RoomListView

urlpatterns = [
    path("rooms/", RoomListView.as_view(), name="room-list"),
]
