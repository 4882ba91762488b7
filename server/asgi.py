"""The ASGI application daphne serves: HTTP through Django, websockets through Channels.

Websocket handshakes pass the Origin check against ALLOWED_HOSTS (cross-site websocket hijacking)
and get their session and user before reaching a consumer, all in server/websocket_entry.py.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "server.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402  (needs Django set up first)

from server.routing import websocket_urlpatterns  # noqa: E402
from server.websocket_entry import WebsocketEntry  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": WebsocketEntry(websocket_urlpatterns),
    }
)
