"""Provenance rows that cite a feed's XML address cite the source's site instead."""

from urllib.parse import urlsplit

from django.db import migrations
from django.db.models import F


def cite_site(apps, schema_editor):
    DraftSource = apps.get_model("newswire", "DraftSource")
    rows = DraftSource.objects.filter(url=F("item__source__feed_url")).select_related(
        "item__source"
    )
    for row in rows:
        source = row.item.source
        parts = urlsplit(source.feed_url)
        row.url = source.site_url or f"{parts.scheme}://{parts.netloc}/"
        row.save(update_fields=["url"])


class Migration(migrations.Migration):
    dependencies = [("newswire", "0007_item_published_guessed")]

    operations = [migrations.RunPython(cite_site, migrations.RunPython.noop)]
