"""Create the default drop-in rooms. Idempotent: existing rooms keep their settings."""

from typing import Any

from django.core.management.base import BaseCommand

from rooms.models import Room
from rooms.seed import DEFAULT_ROOMS


class Command(BaseCommand):
    help = "Create Hearth's default drop-in rooms (existing rooms are left as they are)."

    def handle(self, *args: Any, **options: Any) -> None:
        created = 0
        for seed in DEFAULT_ROOMS:
            _, was_created = Room.objects.get_or_create(
                slug=seed.slug,
                defaults={
                    "title": seed.title,
                    "description": seed.description,
                    "kind": Room.Kind.DROP_IN,
                },
            )
            created += was_created
        self.stdout.write(
            f"{created} room(s) created, {len(DEFAULT_ROOMS) - created} already there."
        )
