"""Search finds word forms: on SQLite the FTS5 table of the newswire items is made
again with the tokenizer the site's LANGUAGE_CODE asks for (Porter's English stemmer for
an English site; FTS5 has no other) and refilled from the items. Back: exact words again.

On MariaDB the engine is a server of its own (SEARCH_URL), whose configuration names
its stemmer (articles/search/sphinx.conf.j2); nothing changes in the database.
A later change of LANGUAGE_CODE: `manage.py search_index --rebuild`.
"""

from django.conf import settings
from django.db import migrations

PORTER = "porter unicode61 remove_diacritics 2"
EXACT = "unicode61 remove_diacritics 2"


def remake(schema_editor, tokenizer):
    if schema_editor.connection.vendor != "sqlite":
        return
    schema_editor.execute("DROP TABLE IF EXISTS newswire_item_search")
    schema_editor.execute(
        "CREATE VIRTUAL TABLE newswire_item_search USING fts5("
        f"title, summary, authors, tokenize = '{tokenizer}')"
    )
    schema_editor.execute(
        "INSERT INTO newswire_item_search (rowid, title, summary, authors) "
        "SELECT id, title, summary, authors FROM newswire_item"
    )


def forwards(apps, schema_editor):
    english = settings.LANGUAGE_CODE.split("-")[0].lower() == "en"
    remake(schema_editor, PORTER if english else EXACT)


def backwards(apps, schema_editor):
    remake(schema_editor, EXACT)


class Migration(migrations.Migration):
    dependencies = [("newswire", "0016_item_source_own_index")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
