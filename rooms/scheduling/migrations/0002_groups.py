"""The "facilitators" group (who may schedule sessions) and "moderators" (also made by moderation's
own migration: get_or_create keeps both safe, in either order)."""

from django.db import migrations

GROUPS = ("facilitators", "moderators")


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("scheduling", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
