from django.urls import path
from rest_framework.routers import SimpleRouter

from moderation.api.views import AuditLogView, CountriesView, FlagViewSet, ResourcesView

router = SimpleRouter()
router.register("moderation/flags", FlagViewSet, basename="flag")

urlpatterns = [
    path("moderation/audit/", AuditLogView.as_view(), name="audit-log"),
    path("resources/", ResourcesView.as_view(), name="resources"),
    path("resources/countries/", CountriesView.as_view(), name="resource-countries"),
    *router.urls,
]
