"""The rooms' JSON API: GET /api/rooms/ lists open rooms with their live participant counts."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from rooms import selectors
from rooms.backplane import presence_counts
from rooms.models import Room


class RoomSerializer(serializers.ModelSerializer):
    participants = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = ["slug", "title", "description", "kind", "capacity", "participants"]
        read_only_fields = fields

    def get_participants(self, room: Room) -> int:
        counts: dict[str, int] = self.context.get("participants", {})
        return counts.get(room.slug, 0)


class RoomListView(ListAPIView):
    """Open rooms, drop-in first, with how many people are in each right now."""

    serializer_class = RoomSerializer
    permission_classes = [AllowAny]
    pagination_class = None

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rooms = selectors.open_rooms()
        counts = presence_counts([room.slug for room in rooms])
        serializer = self.get_serializer(rooms, many=True, context={"participants": counts})
        return Response(serializer.data)
