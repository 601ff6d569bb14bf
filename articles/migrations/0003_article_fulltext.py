"""A FULLTEXT index for reader search, on MySQL/MariaDB only (SQLite searches by LIKE)."""

from django.db import migrations

INDEX = "article_fulltext_idx"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(
            f"CREATE FULLTEXT INDEX {INDEX} ON articles_article (title, standfirst, body)"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "mysql":
        schema_editor.execute(f"DROP INDEX {INDEX} ON articles_article")


class Migration(migrations.Migration):
    # InnoDB cannot add a FULLTEXT index inside a transaction anyway.
    atomic = False

    dependencies = [("articles", "0002_newsroom_roles")]

    operations = [migrations.RunPython(create_index, drop_index, elidable=False)]
