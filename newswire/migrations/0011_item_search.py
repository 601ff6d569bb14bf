"""The newswire desk's item search moves to the search engine (articles/search/):
on SQLite the embedded engine's FTS5 table comes, filled from the items.

On MariaDB the engine is a server of its own (SEARCH_URL), which holds the items
in a second index; fill it with `manage.py search_index --rebuild`.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE newswire_item_search USING fts5("
            "title, summary, authors, tokenize = 'unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            "INSERT INTO newswire_item_search (rowid, title, summary, authors) "
            "SELECT id, title, summary, authors FROM newswire_item"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE newswire_item_search")


class Migration(migrations.Migration):
    dependencies = [("newswire", "0010_admin_list_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
