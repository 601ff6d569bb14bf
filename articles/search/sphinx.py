"""Search backend: a Sphinx searchd real-time index, spoken to in SphinxQL.

SphinxQL is the MySQL wire protocol, so mysqlclient (already the database
driver) is the client. Every web host of a cluster talks to the one searchd
named by SEARCH_URL ("sphinx://host:port/index"); the Ansible role `search`
installs it on the hosts of the group `search`. Writes are REPLACE INTO, so
writing a document twice is harmless; the index is rebuilt from the articles
(search_index --rebuild), so a backup need not hold it.

Every value that reaches a statement goes through the driver's escaping; the
full-text query is made by us from word characters and double quotes only.
"""

import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import MySQLdb

from . import MAX_MATCHES, SearchUnavailable, freshness_sql

CONFIG_TEMPLATE = Path(__file__).with_name("sphinx.conf.j2")
# A query slower than this is a hung engine: readers get "search is unavailable".
READ_TIMEOUT = 3
CONNECT_TIMEOUT = 2
BATCH = 500


def render_config(*, host, port, data_dir, log_dir, run_dir, index="articles", mem_limit="256M"):
    """searchd's configuration, from the template the Ansible role also renders."""
    template = jinja2.Template(CONFIG_TEMPLATE.read_text(), undefined=jinja2.StrictUndefined)
    return template.render(
        search_listen_address=host, search_port=port, search_data_dir=data_dir,
        search_log_dir=log_dir, search_run_dir=run_dir, search_index=index,
        search_mem_limit=mem_limit,
    )  # fmt: skip


def _timestamp(value):
    return int(value.timestamp()) if value else 0


def match_expression(query):
    """The extended-syntax query: each word and each phrase quoted, all required."""
    parts = [f'"{word}"' for word in query.words]
    parts += ['"' + " ".join(phrase) + '"' for phrase in query.phrases]
    return " ".join(parts)


class Backend:
    transactional = False  # written after the commit (search.index_after_commit)

    def __init__(self, url):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 9306
        self.index = parts.path.strip("/") or "articles"
        if not self.index.isidentifier():
            raise ValueError(f"SEARCH_URL: bad index name {self.index!r}")
        self.local = threading.local()

    # -- connection --------------------------------------------------------------------

    def _connect(self):
        try:
            return MySQLdb.connect(
                host=self.host, port=self.port, connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT, write_timeout=READ_TIMEOUT, charset="utf8",
            )  # fmt: skip
        except MySQLdb.Error as exc:
            raise SearchUnavailable(f"searchd at {self.host}:{self.port}: {exc}") from exc

    def _run(self, statements):
        """Run (sql, params) statements on this thread's connection; the last one's rows.

        A broken connection is dropped and tried once more from a new one (searchd
        restarted); a second failure is SearchUnavailable.
        """
        for attempt in (1, 2):
            connection = getattr(self.local, "connection", None) or self._connect()
            self.local.connection = connection
            try:
                with connection.cursor() as cursor:
                    rows = None
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        rows = cursor.fetchall()
                    return rows
            except MySQLdb.OperationalError as exc:
                self.local.connection = None
                connection.close()
                if attempt == 2 or "timed out" in str(exc) or "Lost connection" in str(exc):
                    raise SearchUnavailable(str(exc)) from exc
            except MySQLdb.Error as exc:
                self.local.connection = None
                connection.close()
                raise SearchUnavailable(str(exc)) from exc
        raise AssertionError("unreachable")

    def ping(self):
        self._run([("SHOW STATUS LIKE 'uptime'", None)])

    # -- search ------------------------------------------------------------------------

    def search(self, query, filters, *, order, offset, limit, now, max_matches):
        now_ts = int(now.timestamp())
        where, params = ["MATCH(%s)"], [match_expression(query)]
        if filters.public:
            where.append("public_since BETWEEN 1 AND %s")
            params.append(now_ts)
        for name, value in (("section", filters.section), ("authors", filters.author)):
            if value is not None:
                where.append(f"{name} = %s")
                params.append(int(value))
        if filters.since:
            where.append("public_since >= %s")
            params.append(_timestamp(filters.since))
        if filters.until:
            where.append("public_since < %s")
            params.append(_timestamp(filters.until))
        if order == "newest":
            # Unpublished articles (public_since 0) last, by id, for the admin.
            select, order_by, ranker = "", "public_since DESC, id DESC", "none"
        else:
            age_days = f"(IF(public_since > 0, {now_ts} - public_since, 0) / 86400.0)"
            select = f", WEIGHT() * {freshness_sql(age_days)} AS score"
            order_by, ranker = "score DESC, id DESC", "proximity_bm25"
        sql = (
            f"SELECT id{select} FROM {self.index} WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY {order_by} LIMIT {int(offset)}, {int(limit)} "
            f"OPTION ranker={ranker}, max_matches={int(max_matches)}, "
            "field_weights=(title=4, standfirst=2, body=1)"
        )
        rows = self._run([(sql, params)])
        meta = dict(self._run([("SHOW META LIKE 'total_found'", None)]))
        return [row[0] for row in rows], int(meta.get("total_found", 0))

    # -- writes ------------------------------------------------------------------------

    def _replace(self, docs):
        if not docs:
            return
        values, params = [], []
        for doc in docs:
            authors = ", ".join(str(int(a)) for a in doc.authors)
            values.append(f"(%s, %s, %s, %s, %s, ({authors}), %s, %s)")
            params += [
                doc.id, doc.title, doc.standfirst, doc.body, doc.section or 0,  # no NULLs in RT
                _timestamp(doc.public_since), _timestamp(doc.updated),
            ]  # fmt: skip
        sql = (
            f"REPLACE INTO {self.index} "  # noqa: S608 - our index name; values are parameters
            "(id, title, standfirst, body, section, authors, public_since, updated) VALUES "
            + ", ".join(values)
        )
        self._run([(sql, params)])

    def _delete(self, ids):
        if ids:
            marks = ", ".join(str(int(pk)) for pk in ids)
            self._run([(f"DELETE FROM {self.index} WHERE id IN ({marks})", None)])  # noqa: S608

    def update(self, ids):
        from . import documents

        found = set()
        for docs in documents(ids, batch=BATCH):
            self._replace(docs)
            found.update(doc.id for doc in docs)
        self._delete([pk for pk in ids if pk not in found])

    def clear(self):
        self._run([(f"TRUNCATE RTINDEX {self.index}", None)])

    def rebuild(self, progress=None):
        from . import documents

        self.clear()
        written = 0
        for docs in documents(batch=BATCH):
            self._replace(docs)
            written += len(docs)
            if progress:
                progress(len(docs))
        # Save the RAM chunk to disk and merge the disk chunks (in the background).
        self._run([(f"FLUSH RTINDEX {self.index}", None), (f"OPTIMIZE INDEX {self.index}", None)])
        return written

    def _indexed(self, first, last):
        """{id: updated} of the index's documents with ids in [first, last]."""
        sql = (
            f"SELECT id, updated FROM {self.index} WHERE id BETWEEN %s AND %s "  # noqa: S608
            f"LIMIT {MAX_MATCHES} OPTION max_matches={MAX_MATCHES}"
        )
        return dict(self._run([(sql, [first, last])]))

    def reconcile(self):
        """Compare the articles with the index, id range by id range; fix and report."""
        from articles.models import Article

        missing, stale, extra = [], [], []
        rows = Article.objects.order_by("pk").values_list("pk", "updated_at")
        last, top = 0, max(Article.objects.order_by("-pk").values_list("pk", flat=True)[:1] or [0])
        step = MAX_MATCHES
        while last < top or last == 0:
            first = last + 1
            last = first + step - 1
            want = {pk: _timestamp(at) for pk, at in rows.filter(pk__gte=first, pk__lte=last)}
            have = self._indexed(first, last)
            missing += [pk for pk in want if pk not in have]
            stale += [pk for pk in want if pk in have and have[pk] != want[pk]]
            extra += [pk for pk in have if pk not in want]
            if last >= top:
                break
        self.update(missing + stale + extra)
        # Documents past the newest article (deleted ones) are extra too.
        beyond = self._indexed(top + 1, 2**31)
        self._delete(list(beyond))
        return missing, stale, extra + list(beyond)


class LocalSearchd:
    """A searchd of our own in a directory: for the tests, the stack test and `make run`.

    Production runs the Debian package's searchd under systemd (Ansible role
    `search`); this starts the same binary with the same configuration template.
    """

    def __init__(self, directory, port, host="127.0.0.1", binary="searchd", mem_limit="64M"):
        self.directory, self.port, self.host, self.binary = Path(directory), port, host, binary
        self.mem_limit = mem_limit
        self.config = self.directory / "sphinx.conf"

    @property
    def url(self):
        return f"sphinx://{self.host}:{self.port}/articles"

    def start(self, timeout=15):
        self.directory.mkdir(parents=True, exist_ok=True)
        where = str(self.directory)
        self.config.write_text(
            render_config(
                host=self.host, port=self.port, data_dir=where, log_dir=where, run_dir=where,
                mem_limit=self.mem_limit,
            )
        )  # fmt: skip
        # searchd forks into the background once it listens; its exit code says if it did.
        subprocess.run(  # noqa: S603 - our binary and our config file
            [self.binary, "--config", str(self.config)],
            check=True, capture_output=True, timeout=timeout,
        )  # fmt: skip
        backend = Backend(self.url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                backend.ping()
                return self
            except SearchUnavailable:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self, timeout=15):
        subprocess.run(  # noqa: S603
            [self.binary, "--config", str(self.config), "--stopwait"],
            check=False, capture_output=True, timeout=timeout,
        )  # fmt: skip
