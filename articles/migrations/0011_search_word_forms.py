"""Search finds word forms: on SQLite the FTS5 table of the articles is made again with
the tokenizer the site's LANGUAGE_CODE asks for (Porter's English stemmer for an English
site; FTS5 has no other) and refilled from the articles. Back: exact words again.

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
    schema_editor.execute("DROP TABLE IF EXISTS articles_search")
    schema_editor.execute(
        "CREATE VIRTUAL TABLE articles_search USING fts5("
        f"title, standfirst, body, tokenize = '{tokenizer}')"
    )
    schema_editor.execute(
        "INSERT INTO articles_search (rowid, title, standfirst, body) "
        "SELECT id, title, standfirst, body FROM articles_article"
    )


def forwards(apps, schema_editor):
    english = settings.LANGUAGE_CODE.split("-")[0].lower() == "en"
    remake(schema_editor, PORTER if english else EXACT)


def backwards(apps, schema_editor):
    remake(schema_editor, EXACT)


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_admin_list_filter_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
