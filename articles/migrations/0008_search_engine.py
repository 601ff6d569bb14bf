"""Search moves to a search engine (articles/search/): the window and the FULLTEXT
index go; on SQLite the embedded engine's FTS5 table comes, filled from the articles.

On MariaDB the engine is a server of its own (SEARCH_URL); fill it with
`manage.py search_index --rebuild`.
"""

from django.db import migrations

FULLTEXT = "article_fulltext_idx"


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "mysql":
        schema_editor.execute(f"DROP INDEX {FULLTEXT} ON articles_article")
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE articles_search USING fts5("
            "title, standfirst, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            "INSERT INTO articles_search (rowid, title, standfirst, body) "
            "SELECT id, title, standfirst, body FROM articles_article"
        )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "mysql":
        schema_editor.execute(
            f"CREATE FULLTEXT INDEX {FULLTEXT} ON articles_article (title, standfirst, body)"
        )
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE articles_search")


class Migration(migrations.Migration):
    # InnoDB cannot change a FULLTEXT index inside a transaction anyway.
    atomic = False

    dependencies = [("articles", "0007_versions")]

    operations = [
        migrations.DeleteModel(name="SearchWindow"),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
