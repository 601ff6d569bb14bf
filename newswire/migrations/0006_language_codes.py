"""Normalise stored language codes (en-US, en_gb, IT-it -> en, it) with ingest's normaliser."""

from django.db import migrations

from newswire.models import language_code


def normalise(apps, schema_editor):
    for name in ("Source", "Item", "Cluster"):
        model = apps.get_model("newswire", name)
        for value in model.objects.values_list("language", flat=True).distinct():
            code = language_code(value)
            if code != value:
                model.objects.filter(language=value).update(language=code)


class Migration(migrations.Migration):
    dependencies = [("newswire", "0005_suggester")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
