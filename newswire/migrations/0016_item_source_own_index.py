"""The items' own index on their source goes: item_unique_guid (source, guid hash) begins with
the same column, so it serves the foreign key (InnoDB accepts it as the key's index) and every
lookup by source; item_desk_source_idx (source, first seen, id) serves the desk's source
filter. The column's own index only cost every item write.

As in 0014, only the index is dropped, never the key (Django's AlterField would drop and re-add
the foreign key on MariaDB, and adding one copies the whole table). Backwards, it comes back.
"""

from django.db import migrations, models
from django.db.models import Index


def _own_indexes(schema_editor, model):
    """The indexes on the source column alone (Django's name for it, whatever it is here)."""
    return schema_editor._constraint_names(model, ["source_id"], index=True, type_=Index.suffix)


def drop_own_index(apps, schema_editor):
    model = apps.get_model("newswire", "Item")
    for name in _own_indexes(schema_editor, model):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def make_own_index(apps, schema_editor):
    model = apps.get_model("newswire", "Item")
    if not _own_indexes(schema_editor, model):
        field = model._meta.get_field("source")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("newswire", "0015_events_one_clock"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="item",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.CASCADE,
                        related_name="items",
                        to="newswire.source",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_own_index, make_own_index)],
        ),
    ]
