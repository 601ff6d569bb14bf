"""One index for the items of an event: item_event_idx (event, source, first seen, placed
by an editor) replaces item_event_sources_idx (migration 0012) and the event column's own
index. It begins with the event, so it serves the foreign key (InnoDB accepts it as the
key's index) and the desk's list of one event's items; the events list reads each event's
sources and editor's marks from it alone. The column's own index only cost every item write.

The new index is made first, so the foreign key always has one. Only the column's own index
is dropped: Django's AlterField would drop and re-add the foreign key on MariaDB, and adding
one copies the whole table (on SQLite it rebuilds the table). Backwards, all comes back.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Index


def _own_indexes(schema_editor, model):
    """The indexes on the event column alone (Django's name for it, whatever it is here)."""
    return schema_editor._constraint_names(model, ["cluster_id"], index=True, type_=Index.suffix)


def drop_own_index(apps, schema_editor):
    model = apps.get_model("newswire", "Item")
    for name in _own_indexes(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def make_own_index(apps, schema_editor):
    model = apps.get_model("newswire", "Item")
    if not _own_indexes(schema_editor, model):
        field = model._meta.get_field("cluster")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("newswire", "0013_item_desk_placed"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="item",
            index=models.Index(
                fields=["cluster", "source", "first_seen_at", "desk_placed"],
                name="item_event_idx",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="item",
                    name="cluster",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="items",
                        to="newswire.cluster",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_own_index, make_own_index)],
        ),
        migrations.RemoveIndex(model_name="item", name="item_event_sources_idx"),
    ]
