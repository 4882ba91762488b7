"""The pages' routes, mounted at "/" after /admin/ and /api/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.lobby, name="lobby"),
    path("rooms/<slug:slug>/", views.room, name="room"),
    path("schedule/", views.schedule, name="schedule"),
    path("help/", views.help_page, name="help"),
    path("desk/", views.desk, name="desk"),
    path(
        "desk/login/",
        views.same_origin_referrer(
            auth_views.LoginView.as_view(
                template_name="frontend/login.html",
                next_page="/desk/",
                extra_context={"referrer_policy": "same-origin"},
            )
        ),
        name="login",
    ),
    path("desk/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
]
