"""HTTP routes: the admin, the JSON API and the pages."""

from django.contrib import admin
from django.urls import include, path

from server.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/", include("rooms.urls")),
    path("api/", include("moderation.api.urls")),
    path("api/", include("rooms.scheduling.api.urls")),
    path("", include("frontend.urls")),
]
