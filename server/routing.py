"""All websocket routes of Hearth."""

from moderation.routing import websocket_urlpatterns as moderation_routes
from rooms.routing import websocket_urlpatterns as room_routes

websocket_urlpatterns = [*room_routes, *moderation_routes]
