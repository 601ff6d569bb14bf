"""SearchWindow: the newest published stories' words under a FULLTEXT index of their own.

The index is created on MySQL/MariaDB only (SQLite searches by LIKE), and the
window is filled from the articles already published.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "searchwindow_fulltext_idx"
SIZE = 2000  # SearchWindow.SIZE when this migration was written


def create_index_and_fill(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(
            f"CREATE FULLTEXT INDEX {INDEX} ON articles_searchwindow (title, standfirst, body)"
        )
    schema_editor.execute(
        "INSERT INTO articles_searchwindow (article_id, public_since, title, standfirst, body) "
        "SELECT id, published_at, title, standfirst, body FROM articles_article "
        "WHERE status = 'published' ORDER BY published_at DESC, id DESC LIMIT %s",
        [SIZE],
    )


class Migration(migrations.Migration):
    # InnoDB cannot add a FULLTEXT index inside a transaction anyway.
    atomic = False

    dependencies = [
        ("articles", "0005_preview_token_exact"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWindow",
            fields=[
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="articles.article",
                    ),
                ),
                ("public_since", models.DateTimeField(db_index=True)),
                ("title", models.CharField(max_length=255)),
                ("standfirst", models.CharField(blank=True, max_length=300)),
                ("body", models.TextField()),
            ],
        ),
        # Dropping the table on the way back drops its index too.
        migrations.RunPython(create_index_and_fill, migrations.RunPython.noop, elidable=False),
    ]
