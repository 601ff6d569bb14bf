"""Each event's number of sources and whether an editor placed one of its reports, stored:
the events list orders by the first (most sources first, then the latest report) and
filters by the second, from an index instead of reading every event's items a request.

The columns are filled as ClusterQuerySet.recount() fills them (their one writer from now
on), BATCH events an UPDATE so no statement holds the events' rows for long; the indexes
are built after. Back: the columns and their indexes go, the language index returns.
"""

from django.db import migrations, models
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce

BATCH = 5000


def fill(apps, schema_editor):
    Cluster, Item = apps.get_model("newswire", "Cluster"), apps.get_model("newswire", "Item")
    sources = (
        Item.objects.filter(cluster=OuterRef("pk"))
        .order_by()
        .values("cluster")
        .annotate(value=Count("source", distinct=True))
        .values("value")
    )
    events = Cluster.objects.using(schema_editor.connection.alias)
    last = 0
    while True:
        ids = list(events.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH])
        if not ids:
            return
        events.filter(pk__gte=ids[0], pk__lte=ids[-1]).update(
            source_count=Coalesce(Subquery(sources), 0),
            desk_placed=Exists(Item.objects.filter(cluster=OuterRef("pk"), desk_placed=True)),
        )
        last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [("newswire", "0017_item_search_word_forms")]

    operations = [
        migrations.AddField(
            model_name="cluster",
            name="source_count",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text="How many sources reported it.",
                verbose_name="sources",
            ),
        ),
        migrations.AddField(
            model_name="cluster",
            name="desk_placed",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="An editor placed one of its reports here: the machine never merges it.",
                verbose_name="placed by an editor",
            ),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RemoveIndex(model_name="cluster", name="cluster_language_idx"),
        migrations.AddIndex(
            model_name="cluster",
            index=models.Index(
                fields=["source_count", "last_item_at", "id", "size", "desk_placed"],
                name="cluster_order_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="cluster",
            index=models.Index(
                fields=["language", "source_count", "last_item_at", "id", "size", "desk_placed"],
                name="cluster_language_order_idx",
            ),
        ),
    ]
