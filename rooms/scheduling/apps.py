"""The scheduling app's configuration: ``rooms.scheduling``, label ``scheduling``."""

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "rooms.scheduling"
    label = "scheduling"
    verbose_name = "Scheduled group sessions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rooms.scheduling import throttles

        throttles.register_checks()
