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
from django.conf import settings

from . import CONFIG_TEMPLATE, MAX_MATCHES, SearchUnavailable, freshness_sql, stemmer_of
from .collections import timestamp

# A query slower than this is a hung engine: readers get "search is unavailable".
READ_TIMEOUT = 3
# A rebuild's writes wait this long: searchd holds them while it saves a full RAM
# chunk (rt_mem_limit) to disk, which took over 3 s at 512 MB here.
BULK_TIMEOUT = 600
CONNECT_TIMEOUT = 2
BATCH = 500
# Document ids count down from DOC_BASE (id = DOC_BASE - the row's id). searchd reads
# matches in ascending document id, so it meets the newest rows (the highest ids)
# first, and a search it stops early (OPTION cutoff) has seen the newest matches.
DOC_BASE = 2**40
# A query expected to match COMMON_MATCHES documents or more (its words' shares of
# the index multiplied, as if independent: one word in every story, or several in
# most) would rank them all (150-370 ms for 900,000 at 1M articles here): it ranks
# the newest NEWEST_MATCHES matches instead (about 5 ms), and the page says so.
COMMON_MATCHES = 100_000
# Whatever else: searchd stops a search after this long and returns what it found,
# the newest first (a phrase of very common words that few stories hold read the
# positions of 200,000 candidates: up to 205 ms); the page says it stopped.
QUERY_BUDGET_MS = 100
# Relevance: first the longest run of the query's words in order in any one field
# (an exact headline, a phrase in the body), then Sphinx's proximity_bm25 (that run
# length per field times the field's weight, plus BM25). proximity_bm25 alone let a
# single query word in a headline beat all of the words side by side in a body: at
# 1M articles, 2-3 common body words unquoted found their story on page one 49 % of
# the time, and 67 % with this (README, "Search").
RANKER = "expr('top(lcs)*10000 + sum(lcs*user_weight)*1000 + bm25')"
NEWEST_MATCHES = 10_000
# The newswire desk's items: a second RT index in the same searchd.
ITEMS_INDEX = "newswire_items"


def render_config(
    *, host, port, data_dir, log_dir, run_dir, index="articles", mem_limit="256M",
    language_code=None,
):  # fmt: skip
    """searchd's configuration, from the template the Ansible role also renders. Its
    stemmer follows language_code (the site's LANGUAGE_CODE when None)."""
    template = jinja2.Template(CONFIG_TEMPLATE.read_text(), undefined=jinja2.StrictUndefined)
    return template.render(
        search_listen_address=host, search_port=port, search_data_dir=data_dir,
        search_log_dir=log_dir, search_run_dir=run_dir, search_index=index,
        search_mem_limit=mem_limit,
        search_language_code=language_code or settings.LANGUAGE_CODE,
    )  # fmt: skip


def doc_id(pk):
    return DOC_BASE - int(pk)


def row_id(doc):
    return DOC_BASE - int(doc)


def match_expression(query):
    """The extended-syntax query: each word and phrase quoted; the groups all required
    (a group's alternatives joined by |), the excluded ones after a minus."""

    def quoted(words):
        return '"' + " ".join(words) + '"'

    parts = ["(" + " | ".join(map(quoted, group)) + ")" for group in query.groups]
    parts += ["-" + quoted(words) for words in query.excluded]
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
        self.sizes = {}  # index: (documents, until)

    # -- connection --------------------------------------------------------------------

    def _connect(self, timeout):
        try:
            return MySQLdb.connect(
                host=self.host, port=self.port, connect_timeout=CONNECT_TIMEOUT,
                read_timeout=timeout, write_timeout=timeout, charset="utf8",
            )  # fmt: skip
        except MySQLdb.Error as exc:
            raise SearchUnavailable(f"searchd at {self.host}:{self.port}: {exc}") from exc

    def _run(self, statements, *, bulk=False):
        """Run (sql, params) statements on this thread's connection; the last one's rows.

        A broken connection is dropped and tried once more from a new one (searchd
        restarted); a second failure is SearchUnavailable. bulk: a rebuild's or a
        reconcile's writes, off the request path, on a connection that waits
        BULK_TIMEOUT (searchd holds writes while it saves a full RAM chunk to disk).
        """
        slot, timeout = ("bulk", BULK_TIMEOUT) if bulk else ("connection", READ_TIMEOUT)
        for attempt in (1, 2):
            reused = getattr(self.local, slot, None)
            connection = reused or self._connect(timeout)
            setattr(self.local, slot, connection)
            started = time.monotonic()
            try:
                with connection.cursor() as cursor:
                    rows = None
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        rows = cursor.fetchall()
                    return rows
            except MySQLdb.OperationalError as exc:
                setattr(self.local, slot, None)
                connection.close()
                # A kept connection that fails at once met a restarted searchd: try a new
                # one. A failure after a wait is a hung engine: say so, do not wait twice.
                stale = reused and time.monotonic() - started < 1
                if (
                    attempt == 2
                    or ("timed out" in str(exc) or "Lost connection" in str(exc))
                    and not stale
                ):
                    raise SearchUnavailable(str(exc)) from exc
            except MySQLdb.Error as exc:
                setattr(self.local, slot, None)
                connection.close()
                raise SearchUnavailable(str(exc)) from exc
        raise AssertionError("unreachable")

    def ping(self):
        self._run([("SHOW STATUS LIKE 'uptime'", None)])

    @staticmethod
    def stemmer():
        """The Snowball algorithm searchd stems with (its configuration's): the site
        language's, None for a language without one."""
        return stemmer_of()

    def index_of(self, collection):
        """The RT index of a collection: SEARCH_URL's for the articles, ITEMS_INDEX beside it."""
        return self.index if collection.name == "articles" else ITEMS_INDEX

    # -- search ------------------------------------------------------------------------

    def search(self, collection, query, filters, *, order, offset, limit, now, max_matches):
        """(ids, total, partial): partial is ("matches", N) when only the newest N
        matches were ranked (very common words), ("time", ms) when searchd stopped
        at its time budget, else None (every match was ranked)."""
        now_ts = int(now.timestamp())
        index = self.index_of(collection)
        where, params = ["MATCH(%s)"], [match_expression(query)]
        if collection.name == "articles":
            self._filter(filters, now_ts, where, params)
        time = collection.time_attr
        if order == "newest":
            # Unpublished articles (public_since 0) last, newest written first, for the admin.
            select, order_by, ranker = "", f"{time} DESC, id ASC", "none"
        else:
            age_days = f"(IF({time} > 0, {now_ts} - {time}, 0) / 86400.0)"
            select = f", WEIGHT() * {freshness_sql(age_days)} AS score"
            order_by, ranker = "score DESC, id ASC", RANKER
        weights = ", ".join(
            f"{name}={weight}"
            for name, weight in zip(collection.fields, collection.weights, strict=True)
        )
        newest = NEWEST_MATCHES if self._all_common(index, query) else None
        cutoff = f", cutoff={newest}" if newest else ""
        sql = (
            f"SELECT id{select} FROM {index} WHERE {' AND '.join(where)} "  # noqa: S608
            f"ORDER BY {order_by} LIMIT {int(offset)}, {int(limit)} "
            f"OPTION ranker={ranker}, max_matches={int(max_matches)}{cutoff}, "
            f"max_query_time={QUERY_BUDGET_MS}, field_weights=({weights})"
        )
        rows = self._run([(sql, params)])
        meta = dict(self._run([("SHOW META", None)]))
        total = int(meta.get("total_found", 0))
        if newest and total >= newest:
            partial = ("matches", newest)
        elif float(meta.get("time", 0)) * 1000 >= QUERY_BUDGET_MS:
            partial = ("time", QUERY_BUDGET_MS)  # searchd stopped at its budget
        else:
            partial = None
        return [row_id(row[0]) for row in rows], total, partial

    def _all_common(self, index, query):
        """True when the query is expected to match at least COMMON_MATCHES documents,
        from the dictionary's counts (read without searching) and the index's size."""
        words = " ".join(dict.fromkeys(word.lower() for word in query.required))
        if not words:  # only words joined by OR: their matches are not estimated
            return False
        # Rows: position, tokenized, normalized, documents, hits (all chunks summed).
        rows = self._run([("CALL KEYWORDS(%s, %s, 1)", [words, index])])
        counts = [int(row[3]) for row in rows or ()]
        if not counts or min(counts) < COMMON_MATCHES:
            return False
        size = max(self._size(index), *counts)
        expected = size
        for count in counts:
            expected *= count / size
        return expected >= COMMON_MATCHES

    def _size(self, index):
        """Documents in the index, read at most once a minute per process."""
        cached = self.sizes.get(index)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        status = dict(self._run([(f"SHOW INDEX {index} STATUS", None)]))
        size = int(status.get("indexed_documents", 0))
        self.sizes[index] = (size, time.monotonic() + 60)
        return size

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

    def _replace(self, collection, docs, bulk=False):
        if not docs:
            return
        values, params = [], []
        for doc in docs:
            marks = ["%s"] * (1 + len(doc.text))
            params += [doc_id(doc.id), *doc.text]
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
        self._run([(sql, params)], bulk=bulk)

    def _delete(self, collection, ids, bulk=False):
        if ids:
            marks = ", ".join(str(doc_id(pk)) for pk in ids)
            index = self.index_of(collection)
            self._run([(f"DELETE FROM {index} WHERE id IN ({marks})", None)], bulk=bulk)  # noqa: S608

    def update(self, collection, ids, bulk=False):
        found = set()
        for docs in collection.documents(ids, batch=BATCH):
            self._replace(collection, docs, bulk)
            found.update(doc.id for doc in docs)
        self._delete(collection, [pk for pk in ids if pk not in found], bulk)

    def clear(self, collection=None):
        """Empty one collection's index, or every one."""
        names = [self.index_of(collection)] if collection else [self.index, ITEMS_INDEX]
        self._run([(f"TRUNCATE RTINDEX {name}", None) for name in names], bulk=True)

    def rebuild(self, collection, progress=None):
        self.clear(collection)
        written = 0
        for docs in collection.documents(batch=BATCH):
            self._replace(collection, docs, bulk=True)
            written += len(docs)
            if progress:
                progress(len(docs))
        # Turn the RAM chunk into a disk chunk and merge the disk chunks (in the background):
        # a rebuild leaves no RAM chunk beside them, which every search reads too. At 1M
        # articles that halved a word in every story (7 -> 3.5 ms p50), bench helper
        # 2026-12-06, one side-by-side run at load 4.7 (FLUSH RTINDEX kept a 184 MB RAM chunk).
        index = self.index_of(collection)
        statements = [(f"FLUSH RAMCHUNK {index}", None), (f"OPTIMIZE INDEX {index}", None)]
        self._run(statements, bulk=True)
        return written

    def _indexed(self, collection, first, last):
        """{id: updated} of the index's documents with row ids in [first, last]."""
        sql = (
            f"SELECT id, updated FROM {self.index_of(collection)} "  # noqa: S608
            f"WHERE id BETWEEN %s AND %s LIMIT {MAX_MATCHES} OPTION max_matches={MAX_MATCHES}"
        )
        rows = self._run([(sql, [doc_id(last), doc_id(first)])], bulk=True)
        return {row_id(doc): updated for doc, updated in rows}

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
        self.update(collection, missing + stale + extra, bulk=True)
        # Documents past the newest row (deleted ones) are extra too.
        beyond = list(self._indexed(collection, top + 1, DOC_BASE - 1))
        self._delete(collection, beyond, bulk=True)
        return missing, stale, extra + beyond


class LocalSearchd:
    """A searchd of our own in a directory: for the tests, the stack test and `make run`.

    Production runs the Debian package's searchd under systemd (Ansible role
    `search`); this starts the same binary with the same configuration template.
    """

    def __init__(
        self, directory, port, host="127.0.0.1", binary="searchd", mem_limit="64M",
        language_code=None,
    ):  # fmt: skip
        self.directory, self.port, self.host, self.binary = Path(directory), port, host, binary
        self.mem_limit, self.language_code = mem_limit, language_code
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
                mem_limit=self.mem_limit, language_code=self.language_code,
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
