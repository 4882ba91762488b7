"""Starts kept to the whole second (occurrence keys count whole seconds): rows stored before
the services truncated them would otherwise have occurrences no key can name."""

from django.db import migrations

_FIELDS = {
    "GroupSession": ("start", "series_end"),
    "Occurrence": ("original_start", "moved_start"),
}


def truncate_fractions(apps, schema_editor):
    for model_name, fields in _FIELDS.items():
        model = apps.get_model("scheduling", model_name)
        for row in model.objects.all().only("pk", *fields).iterator():
            changed = [
                name
                for name in fields
                if getattr(row, name) is not None and getattr(row, name).microsecond
            ]
            for name in changed:
                setattr(row, name, getattr(row, name).replace(microsecond=0))
            if changed:
                row.save(update_fields=changed)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_groups")]

    operations = [migrations.RunPython(truncate_fractions, migrations.RunPython.noop)]
