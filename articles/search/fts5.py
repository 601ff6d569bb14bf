"""Search backend: SQLite's FTS5, in the site's own database (the embedded default).

The index is a virtual table per collection, one row per article (articles_search,
articles' migrations 0008 and 0011) or newswire item (newswire_item_search,
newswire's 0011 and 0017), its rowid the row's id; filters and order read the
model's table beside it. An English site's tables stem with Porter's stemmer (word
forms match), any other language's match exact words (tokenize(); rebuild and
reconcile follow a change). For development and SQLite test runs: one process, one
file, no server. A site on MariaDB sets SEARCH_URL to the production engine.
"""

import re

from django.db import DatabaseError, connection, transaction

from articles.models import Article, ArticleAuthor

from . import SearchUnavailable, freshness_sql, stemmer_of
from .collections import COLLECTIONS


def match_expression(query):
    """FTS5 query: each word and phrase a quoted string; the groups all required (a
    group's alternatives joined by OR), the excluded ones after NOT."""

    def quoted(words):
        return '"' + " ".join(words) + '"'

    groups = ["(" + " OR ".join(map(quoted, group)) + ")" for group in query.groups]
    found = "(" + " AND ".join(groups) + ")"
    return " NOT ".join([found, *map(quoted, query.excluded)])


# FTS5's one stemmer is English (Porter's): a site in English matches word forms,
# any other language exact words (diacritics aside).
PORTER = "porter unicode61 remove_diacritics 2"
EXACT = "unicode61 remove_diacritics 2"


def tokenize():
    """The tokenizer the site's LANGUAGE_CODE asks for."""
    return PORTER if stemmer_of() == "english" else EXACT


def _tokenizer_of(cursor, table):
    """The tokenizer a table was made with (its CREATE statement's)."""
    cursor.execute("SELECT sql FROM sqlite_master WHERE name = %s", [table])
    row = cursor.fetchone()
    found = re.search(r"tokenize\s*=\s*'([^']*)'", row[0] if row else "")
    return found and found[1]


def _follow_language(cursor, collection):
    """Make the collection's table again, empty, when the site's language asks for
    another tokenizer than it was made with (LANGUAGE_CODE changed); True if it did."""
    table, wanted = collection.fts_table, tokenize()
    if _tokenizer_of(cursor, table) == wanted:
        return False
    cursor.execute(f"DROP TABLE IF EXISTS {table}")
    columns = ", ".join(collection.fields)
    cursor.execute(f"CREATE VIRTUAL TABLE {table} USING fts5({columns}, tokenize = '{wanted}')")
    return True


class Backend:
    transactional = True  # written in the row's own transaction

    @staticmethod
    def stemmer():
        """The Snowball algorithm that stems as the tokenizer does ("porter"), or None."""
        return "porter" if tokenize() == PORTER else None

    def _check(self):
        if connection.vendor != "sqlite":
            raise SearchUnavailable("FTS5 search needs SQLite: set SEARCH_URL to an engine.")

    def ping(self):
        self._check()
        try:
            with connection.cursor() as cursor:
                for collection in COLLECTIONS.values():
                    cursor.execute(f"SELECT rowid FROM {collection.fts_table} LIMIT 1")  # noqa: S608
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def search(self, collection, query, filters, *, order, offset, limit, now, max_matches):
        self._check()
        # Times as Django stores them in SQLite, so they compare as the column's text.
        now = connection.ops.adapt_datetimefield_value(now)
        table, rows = collection.fts_table, collection.model()._meta.db_table
        where, params = [f"{table} MATCH %s"], [match_expression(query)]
        if collection.name == "articles":
            self._filter(filters, now, where, params)
        time = f"a.{collection.time_column}"
        if order == "newest":
            order_by = f"{time} IS NULL, {time} DESC, a.id DESC"
        else:
            # bm25() is lower for better matches. FTS5 has no proximity ranking, so the
            # headline weighs more than with Sphinx: an exact headline comes first.
            age = f"MAX(0, julianday(%s) - julianday(COALESCE({time}, %s)))"
            weights = ", ".join(map(str, collection.fts_weights))
            order_by = f"bm25({table}, {weights}) * {freshness_sql(age)}, a.id DESC"
        order_params = [] if order == "newest" else [now, now]
        base = f"FROM {table} JOIN {rows} a ON a.id = {table}.rowid WHERE {' AND '.join(where)}"  # noqa: S608
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT a.id {base} ORDER BY {order_by} LIMIT %s OFFSET %s",
                    params + order_params + [limit, offset],
                )
                ids = [row[0] for row in cursor.fetchall()]
                count = f"SELECT COUNT(*) FROM (SELECT 1 {base} LIMIT %s)"  # noqa: S608
                cursor.execute(count, params + [max_matches])
                total = cursor.fetchone()[0]
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc
        return ids, total, None  # SQLite ranks every match: never partial

    @staticmethod
    def _filter(filters, now, where, params):
        if filters.public:
            where += ["a.status = %s", "a.published_at <= %s"]
            params += [Article.Status.PUBLISHED, now]
        if filters.section is not None:
            where.append("a.section_id = %s")
            params.append(int(filters.section))
        if filters.author is not None:
            links = ArticleAuthor._meta.db_table
            byline = f"SELECT 1 FROM {links} l WHERE l.article_id = a.id AND l.author_id = %s"  # noqa: S608
            where.append(f"EXISTS ({byline})")
            params.append(int(filters.author))
        if filters.since:
            where.append("a.published_at >= %s")
            params.append(connection.ops.adapt_datetimefield_value(filters.since))
        if filters.until:
            where.append("a.published_at < %s")
            params.append(connection.ops.adapt_datetimefield_value(filters.until))

    def _delete(self, collection, ids):
        with connection.cursor() as cursor:
            cursor.executemany(
                f"DELETE FROM {collection.fts_table} WHERE rowid = %s",  # noqa: S608
                [[pk] for pk in ids],
            )

    def clear(self, collection=None):
        """Empty one collection's table, or every one."""
        chosen = [collection] if collection else COLLECTIONS.values()
        with connection.cursor() as cursor:
            for each in chosen:
                cursor.execute(f"DELETE FROM {each.fts_table}")  # noqa: S608

    def update(self, collection, ids, bulk=False):  # bulk: the engine's writes wait longer
        self._check()
        try:
            # A savepoint: a failed index write leaves the row's own save intact.
            with transaction.atomic():
                self._delete(collection, ids)
                with connection.cursor() as cursor:
                    for docs in collection.documents(ids):
                        self._insert(cursor, collection, docs)
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def _insert(self, cursor, collection, docs):
        columns = ", ".join(collection.fields)
        marks = ", ".join(["%s"] * (1 + len(collection.fields)))
        cursor.executemany(
            f"INSERT INTO {collection.fts_table} (rowid, {columns}) VALUES ({marks})",  # noqa: S608
            [(doc.id, *doc.text) for doc in docs],
        )

    def rebuild(self, collection, progress=None):
        """Empty the table (made again with the tokenizer the site's language asks
        for, if it changed) and write every row."""
        self._check()
        written = 0
        self.clear(collection)
        with connection.cursor() as cursor:
            _follow_language(cursor, collection)
            for docs in collection.documents():
                self._insert(cursor, collection, docs)
                written += len(docs)
                if progress:
                    progress(len(docs))
        return written

    def reconcile(self, collection):
        """Rows missing from the index and index rows with no row; fixed.

        FTS5 rows carry no time of change, so a stale row is found only by a
        rebuild; in one SQLite file a write is in the row's own commit anyway. A table
        made for another language is made again and refilled (every row "missing").
        """
        self._check()
        table, rows = collection.fts_table, collection.model()._meta.db_table
        with connection.cursor() as cursor:
            _follow_language(cursor, collection)
            cursor.execute(f"SELECT id FROM {rows} WHERE id NOT IN (SELECT rowid FROM {table})")  # noqa: S608
            missing = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT rowid FROM {table} WHERE rowid NOT IN (SELECT id FROM {rows})")  # noqa: S608
            extra = [row[0] for row in cursor.fetchall()]
        self.update(collection, missing + extra)
        return missing, [], extra
