"""Search backend: a Sphinx searchd real-time index, spoken to in SphinxQL.

SphinxQL is the MySQL wire protocol, so mysqlclient (already the database
driver) is the client. Every web host of a cluster talks to the one searchd
named by SEARCH_URL ("sphinx://host:port/index"); the Ansible role `search`
installs it on the hosts of the group `search`. It holds two real-time indexes:
the articles (named by SEARCH_URL) and the newswire desk's items (ITEMS_INDEX).
Writes are REPLACE INTO, so
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
from .collections import timestamp

CONFIG_TEMPLATE = Path(__file__).with_name("sphinx.conf.j2")
# A query slower than this is a hung engine: readers get "search is unavailable".
READ_TIMEOUT = 3
CONNECT_TIMEOUT = 2
BATCH = 500
# The newswire desk's items: a second RT index in the same searchd.
ITEMS_INDEX = "newswire_items"


def render_config(*, host, port, data_dir, log_dir, run_dir, index="articles", mem_limit="256M"):
    """searchd's configuration, from the template the Ansible role also renders."""
    template = jinja2.Template(CONFIG_TEMPLATE.read_text(), undefined=jinja2.StrictUndefined)
    return template.render(
        search_listen_address=host, search_port=port, search_data_dir=data_dir,
        search_log_dir=log_dir, search_run_dir=run_dir, search_index=index,
        search_mem_limit=mem_limit,
    )  # fmt: skip


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

    def index_of(self, collection):
        """The RT index of a collection: SEARCH_URL's for the articles, ITEMS_INDEX beside it."""
        return self.index if collection.name == "articles" else ITEMS_INDEX

    # -- search ------------------------------------------------------------------------

    def search(self, collection, query, filters, *, order, offset, limit, now, max_matches):
        now_ts = int(now.timestamp())
        where, params = ["MATCH(%s)"], [match_expression(query)]
        if collection.name == "articles":
            self._filter(filters, now_ts, where, params)
        time = collection.time_attr
        if order == "newest":
            # Unpublished articles (public_since 0) last, by id, for the admin.
            select, order_by, ranker = "", f"{time} DESC, id DESC", "none"
        else:
            age_days = f"(IF({time} > 0, {now_ts} - {time}, 0) / 86400.0)"
            select = f", WEIGHT() * {freshness_sql(age_days)} AS score"
            order_by, ranker = "score DESC, id DESC", "proximity_bm25"
        weights = ", ".join(
            f"{name}={weight}"
            for name, weight in zip(collection.fields, collection.weights, strict=True)
        )
        sql = (
            f"SELECT id{select} FROM {self.index_of(collection)} "  # noqa: S608
            f"WHERE {' AND '.join(where)} "
            f"ORDER BY {order_by} LIMIT {int(offset)}, {int(limit)} "
            f"OPTION ranker={ranker}, max_matches={int(max_matches)}, field_weights=({weights})"
        )
        rows = self._run([(sql, params)])
        meta = dict(self._run([("SHOW META LIKE 'total_found'", None)]))
        return [row[0] for row in rows], int(meta.get("total_found", 0))

    @staticmethod
    def _filter(filters, now_ts, where, params):
        if filters.public:
            where.append("public_since BETWEEN 1 AND %s")
            params.append(now_ts)
        for name, value in (("section", filters.section), ("authors", filters.author)):
            if value is not None:
                where.append(f"{name} = %s")
                params.append(int(value))
        if filters.since:
            where.append("public_since >= %s")
            params.append(timestamp(filters.since))
        if filters.until:
            where.append("public_since < %s")
            params.append(timestamp(filters.until))

    # -- writes ------------------------------------------------------------------------

    def _replace(self, collection, docs):
        if not docs:
            return
        values, params = [], []
        for doc in docs:
            marks = ["%s"] * (1 + len(doc.text))
            params += [doc.id, *doc.text]
            for name in collection.attrs:
                value = doc.attrs[name]
                if isinstance(value, list):  # a multi-valued attribute: a list in the SQL
                    marks.append("(" + ", ".join(str(int(v)) for v in value) + ")")
                    continue
                marks.append("%s")
                params.append(timestamp(value) if hasattr(value, "timestamp") else value or 0)
            values.append("(" + ", ".join(marks) + ")")
        columns = ", ".join(("id", *collection.fields, *collection.attrs))
        sql = (
            f"REPLACE INTO {self.index_of(collection)} ({columns}) VALUES "  # noqa: S608 - our names; values are parameters
            + ", ".join(values)
        )
        self._run([(sql, params)])

    def _delete(self, collection, ids):
        if ids:
            marks = ", ".join(str(int(pk)) for pk in ids)
            index = self.index_of(collection)
            self._run([(f"DELETE FROM {index} WHERE id IN ({marks})", None)])  # noqa: S608

    def update(self, collection, ids):
        found = set()
        for docs in collection.documents(ids, batch=BATCH):
            self._replace(collection, docs)
            found.update(doc.id for doc in docs)
        self._delete(collection, [pk for pk in ids if pk not in found])

    def clear(self, collection=None):
        """Empty one collection's index, or every one."""
        names = [self.index_of(collection)] if collection else [self.index, ITEMS_INDEX]
        self._run([(f"TRUNCATE RTINDEX {name}", None) for name in names])

    def rebuild(self, collection, progress=None):
        self.clear(collection)
        written = 0
        for docs in collection.documents(batch=BATCH):
            self._replace(collection, docs)
            written += len(docs)
            if progress:
                progress(len(docs))
        # Save the RAM chunk to disk and merge the disk chunks (in the background).
        index = self.index_of(collection)
        self._run([(f"FLUSH RTINDEX {index}", None), (f"OPTIMIZE INDEX {index}", None)])
        return written

    def _indexed(self, collection, first, last):
        """{id: updated} of the index's documents with ids in [first, last]."""
        sql = (
            f"SELECT id, updated FROM {self.index_of(collection)} "  # noqa: S608
            f"WHERE id BETWEEN %s AND %s LIMIT {MAX_MATCHES} OPTION max_matches={MAX_MATCHES}"
        )
        return dict(self._run([(sql, [first, last])]))

    def reconcile(self, collection):
        """Compare the rows with the index, id range by id range; fix and report."""
        missing, stale, extra = [], [], []
        model = collection.model()
        top = max(model.objects.order_by("-pk").values_list("pk", flat=True)[:1] or [0])
        step, last = MAX_MATCHES, 0
        while True:
            first, last = last + 1, last + step
            want = collection.stamps(first, last)
            have = self._indexed(collection, first, last)
            missing += [pk for pk in want if pk not in have]
            stale += [pk for pk in want if pk in have and have[pk] != want[pk]]
            extra += [pk for pk in have if pk not in want]
            if last >= top:
                break
        self.update(collection, missing + stale + extra)
        # Documents past the newest row (deleted ones) are extra too.
        beyond = list(self._indexed(collection, top + 1, 2**31))
        self._delete(collection, beyond)
        return missing, stale, extra + beyond


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
