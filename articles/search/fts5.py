"""Search backend: SQLite's FTS5, in the site's own database (the embedded default).

The index is the virtual table articles_search (migration 0008), one row per
article, its rowid the article's id; filters and order read the articles table
beside it. For development and SQLite test runs: one process, one file, no
server. A site on MariaDB sets SEARCH_URL to the production engine.
"""

from django.db import DatabaseError, connection, transaction

from articles.models import Article, ArticleAuthor

from . import SearchUnavailable, freshness_sql

TABLE = "articles_search"


def match_expression(query):
    """FTS5 query: each word and each phrase a quoted string, all required."""
    parts = [f'"{word}"' for word in query.words]
    parts += ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
    return " AND ".join(parts)


class Backend:
    transactional = True  # written in the article's own transaction

    def _check(self):
        if connection.vendor != "sqlite":
            raise SearchUnavailable("FTS5 search needs SQLite: set SEARCH_URL to an engine.")

    def ping(self):
        self._check()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT rowid FROM {TABLE} LIMIT 1")  # noqa: S608
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def search(self, query, filters, *, order, offset, limit, now, max_matches):
        self._check()
        # Times as Django stores them in SQLite, so they compare as the column's text.
        now = connection.ops.adapt_datetimefield_value(now)
        article = Article._meta.db_table
        where, params = [f"{TABLE} MATCH %s"], [match_expression(query)]
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
        if order == "newest":
            order_by = "a.published_at IS NULL, a.published_at DESC, a.id DESC"
        else:
            # bm25() is lower for better matches. FTS5 has no proximity ranking, so the
            # headline weighs ten times the body: an exact headline comes first.
            age = "MAX(0, julianday(%s) - julianday(COALESCE(a.published_at, %s)))"
            order_by = f"bm25({TABLE}, 10.0, 2.0, 1.0) * {freshness_sql(age)}"
            order_by += ", a.id DESC"
        order_params = [] if order == "newest" else [now, now]
        base = (
            f"FROM {TABLE} JOIN {article} a ON a.id = {TABLE}.rowid "  # noqa: S608
            f"WHERE {' AND '.join(where)}"
        )
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
        return ids, total

    def _delete(self, ids):
        with connection.cursor() as cursor:
            cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [[pk] for pk in ids])  # noqa: S608

    def clear(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608

    def update(self, ids):
        from . import documents

        self._check()
        try:
            # A savepoint: a failed index write leaves the article's own save intact.
            with transaction.atomic():
                self._delete(ids)
                with connection.cursor() as cursor:
                    for docs in documents(ids):
                        self._insert(cursor, docs)
        except DatabaseError as exc:
            raise SearchUnavailable(str(exc)) from exc

    def _insert(self, cursor, docs):
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, title, standfirst, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [(doc.id, doc.title, doc.standfirst, doc.body) for doc in docs],
        )

    def rebuild(self, progress=None):
        from . import documents

        self._check()
        written = 0
        self.clear()
        with connection.cursor() as cursor:
            for docs in documents():
                self._insert(cursor, docs)
                written += len(docs)
                if progress:
                    progress(len(docs))
        return written

    def reconcile(self):
        """Articles missing from the index and index rows with no article; fixed.

        FTS5 rows carry no time of change, so a stale row is found only by a
        rebuild; in one SQLite file a write is in the article's own commit anyway.
        """
        self._check()
        article = Article._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {article} WHERE id NOT IN (SELECT rowid FROM {TABLE})"  # noqa: S608
            )
            missing = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                f"SELECT rowid FROM {TABLE} WHERE rowid NOT IN (SELECT id FROM {article})"  # noqa: S608
            )
            extra = [row[0] for row in cursor.fetchall()]
        self.update(missing + extra)
        return missing, [], extra
