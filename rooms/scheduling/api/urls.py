"""Routes of the scheduling API (mounted at /api/): version 1 under /api/v1/, the OpenAPI schema
at /api/schema/ and its interactive docs at /api/docs/ (served from local files, no CDN).

The version is in the URL. Anything else under /api/v1/ is a JSON 404, never an HTML page.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from rooms.scheduling.api import calendar_views, rsvp_views, views

OCCURRENCE = "v1/sessions/<int:session_id>/occurrences/<str:key>/"


class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI whose init script is a separate file: no inline script or style (CSP)."""

    template_name = "scheduling/swagger_ui.html"
    url_name = "api-schema"
    title = "Hearth API"


@csrf_exempt  # it changes nothing, and a CSRF refusal would be an HTML page
def not_found(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(), name="api-docs"),
    path("v1/occurrences/", views.OccurrenceListView.as_view(), name="occurrence-list"),
    path("v1/sessions/", views.SessionListView.as_view(), name="session-list"),
    path("v1/sessions/<int:session_id>/", views.SessionDetailView.as_view(), name="session-detail"),
    path(
        "v1/sessions/<int:session_id>.ics",
        calendar_views.SessionCalendarView.as_view(),
        name="session-calendar",
    ),
    path(
        "v1/sessions/<int:session_id>/cancel/",
        views.SessionCancelView.as_view(),
        name="session-cancel",
    ),
    path(OCCURRENCE, views.OccurrenceDetailView.as_view(), name="occurrence-detail"),
    path(f"{OCCURRENCE}cancel/", views.OccurrenceCancelView.as_view(), name="occurrence-cancel"),
    path(f"{OCCURRENCE}move/", views.OccurrenceMoveView.as_view(), name="occurrence-move"),
    path(f"{OCCURRENCE}rsvp/", rsvp_views.RsvpCreateView.as_view(), name="occurrence-rsvp"),
    path("v1/rsvps/lookup/", rsvp_views.RsvpLookupView.as_view(), name="rsvp-lookup"),
    path("v1/rsvps/cancel/", rsvp_views.RsvpCancelView.as_view(), name="rsvp-cancel"),
    path("v1/rsvps/claim/", rsvp_views.RsvpClaimView.as_view(), name="rsvp-claim"),
    path("v1/calendar.ics", calendar_views.CalendarFeedView.as_view(), name="calendar-feed"),
    re_path(r"^v1/", not_found),
]
