"""Search: the one API that reader search, the admin lists and anything later call.

    result = search.search("tram line", filters=search.Filters(section=3), order="newest")
    result.ids        # article ids of this page, best first
    result.total      # how many match, at most result.bound ("more than" past it)
    result.newest     # N when only the newest N matches were ranked (very common words)
    result.stopped    # True when the engine stopped at its time budget
    result.snippets   # {id: Markup}, the matched words highlighted, HTML-escaped

Behind it one backend per engine, chosen by settings.SEARCH_URL:

- "" (the default): SQLite's FTS5 in the site's own database (articles/search/fts5.py),
  so `make run` and SQLite test runs search with no server;
- "sphinx://host:port/index": a Sphinx searchd real-time index shared by every web
  host (articles/search/sphinx.py), the production engine (README, "Search").

Two collections (collections.py) are indexed: the articles, and the newswire
desk's items (search.search(..., collection=search.ITEMS), for the desk's list).

Words match in their other forms ("floods" finds "flooded"), by the stemmer of the
site's LANGUAGE_CODE (stemmer_of(): the table in sphinx.conf.j2; FTS5 has Porter's
English one only), and the snippets mark every form (Forms). After changing
LANGUAGE_CODE: `manage.py search_index --rebuild`.

The index holds every article (drafts too, for the admin); readers' searches ask
only for stories public now, so a scheduled story appears when it is due. Article
changes reach the index after their commit (index_after_commit, called by
Article.save() and, for deletions and byline changes, by signals in models.py;
items by newswire's signals, its store and its pruning);
`manage.py search_index --reconcile`, run nightly, repairs what a failed write
left behind and says what it repaired.

A backend that cannot answer raises SearchUnavailable: readers get a page that
says so (503), editors get the list without the search.
"""

import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, cached_property, lru_cache
from pathlib import Path

import jinja2
import snowballstemmer
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from . import collections
from .collections import ARTICLES, ITEMS, Document  # noqa: F401 - the API's names

log = logging.getLogger(__name__)

MAX_TERMS = 12
# The most results a search ranks; reader search shows ten pages of twenty.
MAX_MATCHES = 1000
# Relevance is multiplied by 1 + FRESH_BONUS / (1 + age in days / FRESH_DAYS): a story
# this many days old gets half of a brand-new story's bonus, an old one none.
FRESH_DAYS = 7
FRESH_BONUS = 0.5


def freshness_sql(age_days):
    """The freshness multiplier as an SQL expression of an age in days (both engines)."""
    return f"(1 + {FRESH_BONUS} / (1 + ({age_days}) / {FRESH_DAYS}))"


ORDERS = ("relevance", "newest")
SNIPPET_WORDS = 30

# A token: an optional minus at a word's start (leave it out), then a "quoted phrase"
# (closed or not) or a word. A minus inside a word ("well-known") is no operator.
_TOKEN_RE = re.compile(r'(?:(?<!\S)(-+))?"([^"]*)"?|(?:(?<!\S)(-+))?(\w+(?:[\'’]\w+)*)')
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*")


class SearchUnavailable(Exception):
    """The engine did not answer (stopped, hung or misconfigured)."""


@dataclass(frozen=True)
class Query:
    """A reader's words: every group is required, where a group is one word or phrase,
    or several joined by OR (any of them will do); the excluded ones must not appear.

    Each word or phrase is a tuple of words (one word, or a phrase's words in order).
    """

    groups: tuple = ()  # tuples of alternatives, each a tuple of words
    excluded: tuple = ()  # tuples of words: a story holding any of them is left out

    def __bool__(self):
        # Only words to leave out find nothing to rank: engines refuse such a query.
        return bool(self.groups)

    @property
    def words(self):
        """Required single words (not in an OR group)."""
        return tuple(g[0][0] for g in self.groups if len(g) == 1 and len(g[0]) == 1)

    @property
    def phrases(self):
        """Required phrases (not in an OR group)."""
        return tuple(g[0] for g in self.groups if len(g) == 1 and len(g[0]) > 1)

    @property
    def required(self):
        """Every word a match must hold (OR groups left aside)."""
        return tuple(word for group in self.groups if len(group) == 1 for word in group[0])

    @property
    def terms(self):
        """Every word to find, for highlighting."""
        return tuple(word for group in self.groups for terms in group for word in terms)


def parse(text):
    """Query from what a reader typed.

    Words are required; "quoted words" are a phrase; -word and -"a phrase" leave out
    the stories holding them; OR (in capitals) between two words or phrases takes
    either. Only runs of word characters reach an engine (at most MAX_TERMS of them),
    each quoted by its backend, so nothing else typed is an operator of any engine.
    """
    groups, excluded, count = [], [], 0
    either = False  # an OR seen just after a word or phrase to find
    for minus, quoted, word_minus, word in _TOKEN_RE.findall(text or ""):
        if word == "OR" and not word_minus:
            either = bool(groups) and either is not None
            continue
        found = _WORD_RE.findall(quoted) if quoted else [word] if word else []
        found = [part for token in found for part in _parts(token)]
        found = tuple(found[: MAX_TERMS - count])
        count += len(found)
        if not found:
            either = None
        elif minus or word_minus:
            excluded.append(found)
            either = None
        elif either:
            groups[-1] = groups[-1] + (found,)
            either = False
        else:
            groups.append((found,))
            either = False
    return Query(tuple(groups), tuple(excluded))


def _parts(token):
    """The words engines index of a token: "harbour's" is "harbour" (the "s" alone
    would be required and found in no story that does not say "harbour's")."""
    parts = re.split(r"['’]", token)
    return [part for part in parts if len(part) > 1 or len(parts) == 1]


@dataclass(frozen=True)
class Filters:
    section: int | None = None
    author: int | None = None
    since: datetime | None = None  # published at or after
    until: datetime | None = None  # published before
    public: bool = True  # False: every article, as the admin lists them


@dataclass
class Result:
    ids: list
    total: int  # matches found, at most bound
    bound: int  # past it, say "more than {bound}"
    query: Query = field(default_factory=Query)
    collection: object = ARTICLES
    # The engine searched part of the archive, the newest first (say so on the page):
    # ("matches", N): the words are in most stories, only the newest N matches were
    # ranked; ("time", ms): it stopped at its time budget. None: every match ranked.
    partial: tuple | None = None

    @property
    def newest(self):
        """N when only the newest N matches were ranked, else None."""
        return self.partial[1] if self.partial and self.partial[0] == "matches" else None

    @property
    def stopped(self):
        """True when the engine stopped at its time budget."""
        return bool(self.partial and self.partial[0] == "time")

    @property
    def more_than_bound(self):
        return self.total >= self.bound

    @cached_property
    def snippets(self):
        """{id: highlighted snippet} for this page's rows, from the database's text."""
        texts = self.collection.texts(self.ids)
        stemmer = backend().stemmer()
        return {pk: snippet(text, self.query.terms, stemmer=stemmer) for pk, text in texts.items()}


def search(text, *, filters=None, order="relevance", offset=0, limit=20, collection=ARTICLES):
    """One page of matching ids, the number found and their snippets.

    order "relevance" blends the engine's relevance with recency (a new story
    beats an old one of similar relevance); "newest" is newest first. collection
    ITEMS (or "items") searches the newswire desk's items, which take no filters.
    """
    collection = collections.get(collection)
    query = text if isinstance(text, Query) else parse(text)
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}")
    if collection is not ARTICLES and filters is not None:
        raise ValueError(f"{collection.noun} take no filters")
    if not query:
        return Result([], 0, MAX_MATCHES, query, collection)
    limit = max(0, min(limit, MAX_MATCHES - offset))
    if limit == 0:
        return Result([], 0, MAX_MATCHES, query, collection)
    ids, total, partial = backend().search(
        collection, query, filters or Filters(public=collection is ARTICLES), order=order,
        offset=offset, limit=limit, now=timezone.now(), max_matches=MAX_MATCHES,
    )  # fmt: skip
    return Result(ids, min(total, MAX_MATCHES), MAX_MATCHES, query, collection, partial)


# -- indexing ------------------------------------------------------------------------------


def documents(ids=None, *, batch=1000, collection=ARTICLES):
    """Documents of these ids (every row when None), in batches, by id."""
    return collections.get(collection).documents(ids, batch=batch)


_pending = threading.local()


def index_after_commit(ids, collection=ARTICLES):
    """Write (or drop) these rows (an id or ids) in the index once the transaction commits.

    An index in the site's own database (FTS5) is written at once, in the same
    transaction. Several changes of one row in a transaction make one write.
    A write that fails is logged and left for the nightly reconcile: a story (an
    item) is saved whether or not the engine answers.
    """
    collection = collections.get(collection)
    ids = [ids] if isinstance(ids, int) else list(ids)
    if not ids:
        return
    if backend().transactional:
        _write(collection, ids)
        return
    pending = _pending.__dict__.setdefault("ids", {})
    pending.setdefault(collection.name, set()).update(ids)
    transaction.on_commit(_write_pending, robust=True)


def _write_pending():
    pending = getattr(_pending, "ids", {})
    _pending.ids = {}
    for name, ids in pending.items():
        if ids:
            _write(collections.get(name), sorted(ids))


def _write(collection, ids):
    try:
        backend().update(collection, ids)
    except SearchUnavailable as exc:
        log.warning(
            "Search index not updated for %s %s (%s); reconcile will",
            collection.noun, ids[:20], exc,
        )  # fmt: skip


def update(ids, collection=ARTICLES, *, bulk=False):
    """Write these rows' current state into the index (deleted ones leave it).

    bulk: off the request path (a seed, a repair), so the writes may wait for the
    engine (a server saving its memory to disk) instead of failing after seconds."""
    backend().update(collections.get(collection), list(ids), bulk=bulk)


def rebuild(progress=None, collection=ARTICLES):
    """Empty the collection's index and write every row; returns how many were written."""
    return backend().rebuild(collections.get(collection), progress=progress)


def reconcile(collection=ARTICLES):
    """Repair drift between the rows and the index: (missing, stale, extra) ids fixed."""
    return backend().reconcile(collections.get(collection))


def health():
    """True when the engine answers a trivial query."""
    try:
        backend().ping()
    except SearchUnavailable:
        return False
    return True


@cache
def _backend(url):
    if not url:
        from . import fts5

        return fts5.Backend()
    if url.startswith("sphinx://"):
        from . import sphinx

        return sphinx.Backend(url)
    raise ValueError(f"SEARCH_URL: unknown engine in {url!r}")


def backend():
    return _backend(settings.SEARCH_URL)


# -- word forms ----------------------------------------------------------------------------

CONFIG_TEMPLATE = Path(__file__).with_name("sphinx.conf.j2")


@cache
def _stemmers():
    """{primary language subtag: Snowball algorithm}: the table in sphinx.conf.j2, the
    template searchd's configuration is rendered from (here, in the tests and by Ansible),
    so the engine and the highlighting stem alike."""
    tree = jinja2.Environment().parse(CONFIG_TEMPLATE.read_text())  # noqa: S701 - parsed only
    for node in tree.find_all(jinja2.nodes.Assign):
        if node.target.name == "stemmers":
            return node.node.as_const()
    raise LookupError(f"no stemmers table in {CONFIG_TEMPLATE}")


def stemmer_of(language_code=None):
    """The Snowball algorithm of a language code (the site's LANGUAGE_CODE when None):
    "en-gb" is "english", "de" "german"; None for a language without one."""
    language_code = language_code or settings.LANGUAGE_CODE
    return _stemmers().get(language_code.split("-")[0].lower())


_stemmer_objects = threading.local()  # a Snowball stemmer keeps state: one per thread


@lru_cache(maxsize=50_000)
def stem(algorithm, word):
    """A lower-case word's stem by a Snowball algorithm ("porter": FTS5's Porter stemmer,
    which sees words without their diacritics); remembered, as words recur."""
    stemmer = getattr(_stemmer_objects, algorithm, None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(algorithm)
        setattr(_stemmer_objects, algorithm, stemmer)
    return stemmer.stemWord(fold(word) if algorithm == "porter" else word)


def fold(word):
    """The word without diacritics ("café" is "cafe")."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


# Letters with diacritics by the letter they fold to ("a": "àáâãäå..."), for candidates.
_ACCENTED = {}
for _code in range(0xC0, 0x180):
    _base = fold(chr(_code).lower())
    if len(_base) == 1 and _base.isascii() and _base.isalpha():
        _ACCENTED[_base] = "".join(dict.fromkeys(_ACCENTED.get(_base, "") + chr(_code).lower()))


def _loosely(text):
    """A pattern for text in any case and with or without diacritics ("hau": "Häu")."""
    return "".join(
        f"[{char}{_ACCENTED[char]}]" if char in _ACCENTED else re.escape(char) for char in text
    )


class Forms:
    """Whether a word is a form of one of the query's words: the word itself (any case),
    or, with a stemmer, a word of the same stem ("flooding" for "floods").

    Only the words that begin as a query word or its stem does (their first PREFIX
    letters, in any case, diacritics aside: one regular expression finds them) are
    stemmed, so a long text costs a few stems, not one per word.
    """

    PREFIX = 3

    def __init__(self, terms, stemmer=None):
        self.exact = {term.lower() for term in terms if term}
        self.stemmer = stemmer
        self.stems = {stem(stemmer, term) for term in self.exact} if stemmer else set()
        starts = self.exact | {fold(each)[: self.PREFIX] for each in self.stems if each}
        alternatives = "|".join(_loosely(each) for each in sorted(starts, key=len, reverse=True))
        self.candidates = alternatives and re.compile(rf"\b(?:{alternatives})\w*", re.IGNORECASE)
        # The same in Markdown source, where "_" (emphasis) parts words, as it does once removed.
        self.in_markdown = alternatives and re.compile(
            rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE
        )

    def __call__(self, word):
        lowered = word.lower()
        if lowered in self.exact:
            return True
        if not self.stems or not self.candidates.match(word):
            return False
        return stem(self.stemmer, lowered) in self.stems

    def first(self, text):
        """Where in the text the first form of a query word begins; None without one."""
        if self.candidates:
            for match in self.candidates.finditer(text):
                if self(match[0]):
                    return match.start()
        return None


# -- snippets ------------------------------------------------------------------------------

# Markdown's marks: line starts (headings, quotes, list items), emphasis, links' targets.
_MARKDOWN_RE = re.compile(
    r"^[ \t]*(?:#{1,6}|>|[-*+]|\d+\.)[ \t]+|[*_`|]+|!?\[|\]\([^)\s]*\)|\]", re.MULTILINE
)


_WORD_RE_PLAIN = re.compile(r"\w+")
# Characters of text read around the first match per snippet word: far more than a word
# and its spaces, so the window holds the snippet whatever Markdown it carries.
_WINDOW_CHARS_A_WORD = 40


def _plain(text, start=0, end=None):
    """text[start:end] without Markdown's marks, its spaces collapsed. start and end lie
    on whitespace, so no mark is cut (a link's target holds none); with `pos`, a line
    start is only a real one."""
    end = len(text) if end is None else end
    pieces, at = [], start
    for mark in _MARKDOWN_RE.finditer(text, start, end):
        pieces += (text[at : mark.start()], " ")
        at = mark.end()
    pieces.append(text[at:end])
    return " ".join("".join(pieces).split())


def _first_shown(text, is_form):
    """Where in Markdown source the first form of a query word that a reader sees begins
    (not in a link's target), or None."""
    if not is_form.in_markdown:
        return None
    for match in is_form.in_markdown.finditer(text):
        if is_form(match[0]):
            before = text[_whitespace_before(text, match.start() - 1) : match.start()]
            target = before.rfind("](")
            if target < 0 or ")" in before[target:]:  # not inside a link's (url)
                return match.start()
    return None


def _whitespace_before(text, at):
    """Where the last space or line break at or before `at` is (0 when none is)."""
    if at <= 0:
        return 0
    return max(0, text.rfind(" ", 0, at + 1), text.rfind("\n", 0, at + 1))


_SHOWN_WORD_RE = re.compile(r"[^\W_]")


def snippet(text, terms, words=SNIPPET_WORDS, *, stemmer=None):
    """About `words` words of text around the first matched term, HTML-escaped, with
    every matched term wrapped in <mark>: every form of it with a stemmer (a Snowball
    algorithm, the engine's: Backend.stemmer()). Safe to put into a page as it is.

    Only a window of the text around the first match is read, cut at spaces (so no
    Markdown mark is cut in two): a 50,000-character body costs about what a short one
    does."""
    is_form = Forms(terms, stemmer)
    found = _first_shown(text, is_form)
    reach = words * _WINDOW_CHARS_A_WORD
    start = 0 if found is None else _whitespace_before(text, found - reach)
    end = _whitespace_before(text, (found or 0) + 2 * reach)
    if end <= (found or 0) or len(text) - (found or 0) <= 2 * reach:
        end = len(text)
    plain = _plain(text, start, end)
    tokens = re.split(r"(\w+)", plain)
    # tokens alternate: separator, word, separator, word, ..., separator
    word_positions = list(range(1, len(tokens), 2))
    at = None if found is None else is_form.first(plain)
    first = 0 if at is None else len(_WORD_RE_PLAIN.findall(plain, 0, at))
    begin = max(0, first - words // 3)
    chosen = word_positions[begin : begin + words]
    if not chosen:
        return mark_safe("")  # noqa: S308 - empty
    pieces = []
    for i in range(chosen[0], chosen[-1] + 1):
        piece = escape(tokens[i])
        if i % 2 and is_form(tokens[i]):
            piece = f"<mark>{piece}</mark>"
        pieces.append(piece)
    prefix = "… " if begin or _SHOWN_WORD_RE.search(text, 0, start) else ""
    at_the_end = end == len(text) and chosen[-1] == word_positions[-1]
    if at_the_end:
        pieces.append(escape(tokens[-1]))  # the text's last word: its full stop too
    suffix = "" if at_the_end else " …"
    # Every piece of the text went through escape(); the only markup is our <mark>.
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308
