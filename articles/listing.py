"""The reader site's list queries, each reading one ordered index.

Every list is a Stream of public articles, newest first by (published_at, id).
Slice it like a queryset (stream[:20]) to read one range of the index; continue
after an article already shown with stream.before(position), so the database
seeks in the index instead of skipping rows. articles/pagination.py turns a
stream into the pages readers click through; feeds take its first slice.
"""

import re
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import connection
from django.db.models import (
    FloatField,
    Q,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import cached_property

from . import hooks
from .models import Article, ArticleAuthor, ArticleQuerySet, ArticleTag, SearchWindow

PAGE_SIZE = 20
# Home page section blocks are drawn from this many of the newest stories,
# so building them costs the same however large the archive grows.
SECTION_BLOCK_WINDOW = 300
SEARCH_MAX_TERMS = 12
# Search ranks at most this many matches by relevance (the search view shows ten pages).
SEARCH_CANDIDATES = 200
# When the newest stories hold too few matches, the whole archive is searched if its
# index would read at most this many entries (about 30 ms); past it the reader gets
# the newest stories' results and a note. MariaDB cannot stop a FULLTEXT search
# midway: max_statement_time took over a second to end one at a million articles.
SEARCH_ARCHIVE_POSTINGS = 20_000
# A story this many days old gets half of a brand-new story's freshness bonus.
SEARCH_FRESH_DAYS = 7

_CURSOR_RE = re.compile(r"(\d{1,16})-(\d{1,18})")


class BadCursor(ValueError):
    """A cursor that no page of ours ever produced."""


def encode_cursor(article):
    """The URL form of a position just after this article: '<microseconds>-<id>'."""
    micros = int(article.published_at.timestamp() * 1_000_000)
    return f"{micros}-{article.pk}"


def decode_cursor(text):
    """(published_at, id) from encode_cursor's output; BadCursor for anything else."""
    match = _CURSOR_RE.fullmatch(text or "")
    if not match:
        raise BadCursor(text)
    micros, pk = int(match[1]), int(match[2])
    try:
        published_at = datetime.fromtimestamp(micros / 1_000_000, tz=dt_timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise BadCursor(text) from exc
    if published_at.year > 9000:
        raise BadCursor(text)
    return published_at, pk


def with_cards(articles, *, tags=True):
    """Prefetch what an article card shows: bylines in order (and tags)."""
    lookups = [ArticleQuerySet.bylines()]
    if tags:
        lookups.append("tags")
    prefetch_related_objects(articles, *lookups)
    return articles


def position(article):
    """Where an article stands in a stream: its (published_at, id)."""
    return article.published_at, article.pk


class Card:
    """A story in a page's list, as far as the list itself needs it: which one
    and when (for the next page's cursor).

    Pages hand these to the card cache (pagecache.CardFragments), which reads
    whole articles only for the cards it does not hold, so a list page whose
    cards are cached builds no Article at all.
    """

    __slots__ = ("pk", "published_at")

    def __init__(self, pk, published_at=None):
        self.pk, self.published_at = pk, published_at

    def __repr__(self):
        return f"<Card {self.pk}>"


def _cards(rows):
    return [Card(*row) for row in rows]


class Stream:
    """Articles newest first: slicing reads one range of an index, before() seeks past one.

    rows is a queryset ordered newest first by the two keyset fields (None: a list
    that is not ordered by time, such as search results, and so has no positions);
    load turns a slice of rows into the articles a page shows. cards, when set, is
    the same list as a Stream of Card, for pages that render through the card cache.
    """

    def __init__(self, rows, *, load, keyset=("published_at", "id"), cards=None):
        self.rows, self.load, self.keyset, self.cards = rows, load, keyset, cards

    def before(self, position):
        """The stream after position, the (published_at, id) of an article already shown."""
        if self.keyset is None:
            raise TypeError("This list is not ordered by time and has no positions.")
        field, pk = self.keyset
        when, last = position
        older = Q(**{f"{field}__lt": when}) | Q(**{field: when, f"{pk}__lt": last})
        cards = self.cards.before(position) if self.cards is not None else None
        return Stream(self.rows.filter(older), load=self.load, keyset=self.keyset, cards=cards)

    def __getitem__(self, window):
        if not isinstance(window, slice):
            raise TypeError("Read a stream in slices: stream[:20].")
        return self.load(list(self.rows[window]))


def _articles(queryset):
    rows = queryset.newest_first()
    # Only what article_public_idx holds: a covering read, which MariaDB also picks
    # for a keyset page deep in the archive (with a third column it scanned from
    # the newest story: 150 ms at a million articles instead of 0.5).
    cards = Stream(rows.values_list("pk", "published_at"), load=_cards)
    return Stream(rows.select_related("section"), load=with_cards, cards=cards)


def latest(*, exclude=None):
    """The newest public articles, optionally leaving out one (the lead story)."""
    queryset = Article.objects.published()
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return _articles(queryset)


def in_section(section):
    return _articles(Article.objects.published().filter(section=section))


def _load_by_id(ids):
    if not ids:
        return []
    found = Article.objects.published().filter(pk__in=ids).select_related("section")
    by_id = {article.pk: article for article in found}
    return with_cards([by_id[pk] for pk in ids if pk in by_id])


def _through_links(links):
    """Articles whose ids one link table lists newest first (tag or author pages)."""
    # Two queries on purpose: MariaDB cannot LIMIT inside an IN (subquery).
    rows = links.published().newest_first()
    keyset = ("public_since", "article_id")
    # Each link carries its article's public_since, the same instant as published_at.
    cards = Stream(rows.values_list("article_id", "public_since"), load=_cards, keyset=keyset)
    ids = rows.values_list("article_id", flat=True)
    return Stream(ids, load=_load_by_id, keyset=keyset, cards=cards)


def tagged(tag):
    return _through_links(ArticleTag.objects.filter(tag=tag))


def by_author(user):
    return _through_links(ArticleAuthor.objects.filter(author=user))


def lead_story():
    """The newest featured public article as a Card, or None."""
    row = (
        Article.objects.published()
        .filter(featured=True)
        .newest_first()
        .values_list("pk", "published_at")
        .first()
    )
    return Card(*row) if row else None


def section_blocks(sections, per_section=4, exclude=()):
    """[(section, [cards])] in menu order, from the newest stories only.

    sections are the site's sections in menu order (pagecache.public_sections).
    """
    recent = (
        Article.objects.published()
        .filter(section__isnull=False)
        .exclude(pk__in=exclude)
        .newest_first()
        .values_list("pk", "section_id")[:SECTION_BLOCK_WINDOW]
    )
    picked = {}
    for pk, section_id in recent:
        cards = picked.setdefault(section_id, [])
        if len(cards) < per_section:
            cards.append(Card(pk))
    return [(section, picked[section.pk]) for section in sections if section.pk in picked]


def related(article, limit=4):
    """Up to `limit` public stories sharing a tag or the section, newest first, with
    their sections and without their bodies (the compact cards they show in need
    no more).

    One query, whose cost does not grow with the archive. Related stories
    precomputed by another app (hooks.related_stories, e.g. by meaning) come first.
    """
    public = (
        Article.objects.published()
        .exclude(pk=article.pk)
        .select_related("section")
        .defer("body", "body_html")  # a card never shows them
    )
    for precomputed in hooks.related_stories:
        ids = precomputed(article)
        if ids:
            found = public.filter(pk__in=ids[: limit * 2]).in_bulk()
            chosen = [found[pk] for pk in ids if pk in found][:limit]
            if chosen:
                return chosen
    # The newest few of each tag (tag_public_idx) and of the section
    # (article_section_public_idx) hold the newest few sharing any of them, so the
    # candidates cost (tags + 1) short index reads however large the archive.
    candidates = [
        ArticleTag.objects.published()
        .filter(tag=tag)
        .exclude(article_id=article.pk)
        .newest_first()
        .values_list("article_id")[:limit]
        for tag in article.tags.all()
    ]
    if article.section_id:
        section = public.filter(section_id=article.section_id)
        candidates.append(section.newest_first().values_list("pk")[:limit])
    if not candidates:
        return []
    # Each candidate list in a derived table of its own, as SQLite takes no LIMIT
    # in a member of a UNION, and the union in one more, as MariaDB takes no LIMIT
    # directly inside IN (subquery). The SQL is Django's own, every value in params.
    parts, params = [], []
    for number, candidate in enumerate(candidates):
        sql, candidate_params = candidate.query.sql_with_params()
        parts.append(f"SELECT * FROM ({sql}) AS c{number}")  # noqa: S608
        params += candidate_params
    union = " UNION ALL ".join(parts)
    chosen = RawSQL(f"SELECT * FROM ({union}) AS candidates", params)  # noqa: S608, S611
    return list(public.filter(pk__in=chosen).newest_first()[:limit])


def search_terms(query):
    """The words of a query, at most SEARCH_MAX_TERMS of them."""
    return re.findall(r"\w+", query)[:SEARCH_MAX_TERMS]


def _match_sql(table, terms, mode):
    """MATCH over a table's title, standfirst and body: (sql, its one parameter)."""
    columns = f"{table}.title, {table}.standfirst, {table}.body"
    if mode == "boolean":
        # Terms are \w+ runs, so no operator but our own "+" (word required) reaches the parser.
        against, mode = " ".join(f"+{term}" for term in terms), "BOOLEAN MODE"
    else:
        # Natural language mode has no operators, so no user input can be a syntax error.
        against, mode = " ".join(terms), "NATURAL LANGUAGE MODE"
    return f"MATCH ({columns}) AGAINST (%s IN {mode})", against


def _match(table, terms, mode):
    sql, against = _match_sql(table, terms, mode)
    return RawSQL(sql, [against])  # noqa: S611 - our table names; the words are a parameter


def window_matches(terms, now):
    """(id, public_since, relevance, > 0 if it has every word) of the best matches
    among the newest stories (SearchWindow), at most SEARCH_CANDIDATES, best first
    by relevance blended with freshness() (the same sum, in SQL).

    The window's FULLTEXT index holds SearchWindow.SIZE stories, so this costs
    the same at a thousand articles as at a million, however many match.
    """
    table = SearchWindow._meta.db_table
    relevance, against = _match_sql(table, terms, "natural")
    age = f"GREATEST(0, TIMESTAMPDIFF(SECOND, {table}.public_since, %s))"
    blended = RawSQL(  # noqa: S611 - our table name; every value is a parameter
        f"{relevance} * (1 + 1 / (1 + {age} / %s))", [against, now, SEARCH_FRESH_DAYS * 86400]
    )
    # One word: every story that matches holds every word, without a second MATCH.
    every = _match(table, terms, "boolean") if len(terms) > 1 else Value(1.0)
    return (
        SearchWindow.objects.filter(public_since__lte=now)
        .annotate(score=_match(table, terms, "natural"), every=every)
        .filter(score__gt=0)
        .order_by(blended.desc(), "-article_id")
        .values_list("article_id", "public_since", "score", "every")[:SEARCH_CANDIDATES]
    )


def archive_matches(terms):
    """(id, published_at, relevance) of up to SEARCH_CANDIDATES public articles
    containing every word, from the whole archive's FULLTEXT index (migration
    0003) on MySQL and MariaDB; on SQLite (development), the newest articles
    holding any of the words.

    On MySQL no ORDER BY: MariaDB cannot rank inside the FULLTEXT index, so
    ordering would read every matching row (160,000 for "harbour" at a million
    articles); unordered, it stops after SEARCH_CANDIDATES rows. The index still
    lists every match first, so search() asks this only when the window falls
    short and archive_postings() says the words are rare enough.
    """
    queryset = Article.objects.published()
    if connection.vendor == "mysql":
        return (
            queryset.annotate(score=_match(Article._meta.db_table, terms, "boolean"))
            .filter(score__gt=0)
            .order_by()
            .values_list("pk", "published_at", "score")[:SEARCH_CANDIDATES]
        )
    # Any word, as the window's natural-language mode finds them; like InnoDB's
    # FULLTEXT index (innodb_ft_min_token_size), words under three letters are skipped.
    any_word = Q(pk__in=[])
    for term in (term for term in terms if len(term) >= 3):
        any_word |= Q(title__icontains=term) | Q(standfirst__icontains=term)
        any_word |= Q(body__icontains=term)
    return (
        queryset.filter(any_word)
        .annotate(score=Value(1.0, output_field=FloatField()))
        .newest_first()
        .values_list("pk", "published_at", "score")[:SEARCH_CANDIDATES]
    )


def archive_postings(terms):
    """About how many index entries the whole archive's FULLTEXT index would read
    for these words: each word's share of the window's stories, times the archive.

    The index reads every entry of every word before it returns a row (about
    1.5 microseconds each on the test machine), so this is what archive_matches()
    would cost. A word the window lacks counts as rare.
    """
    table = SearchWindow._meta.db_table
    matches = [_match_sql(table, [term], "boolean") for term in terms]
    shares = ", ".join(f"SUM({match} > 0)" for match, _ in matches)
    sql = (
        f"SELECT COUNT(*), (SELECT MAX(id) FROM {Article._meta.db_table}), {shares} "  # noqa: S608
        f"FROM {table}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [against for _, against in matches])
        window, archive, *holding = cursor.fetchone()
    if not window:
        return 0
    return sum(int(count or 0) for count in holding) * (archive or 0) // window


def freshness(published_at, now):
    """How much a story's age multiplies its relevance: 2 when new, towards 1 when old."""
    age_days = max(0.0, (now - published_at).total_seconds() / 86400)
    return 1 + 1 / (1 + age_days / SEARCH_FRESH_DAYS)


class Ranking(list):
    """Ids of matching public articles, best first; .partial when older stories went unsearched."""

    partial = False


def search_ranking(terms):
    """Ids of the matching public articles, best first, at most SEARCH_CANDIDATES.

    On MySQL and MariaDB the newest stories come first: the SearchWindow
    stories that match any word, ranked by relevance. Only when fewer than a
    page of them hold every word does search turn to the whole archive, for up
    to SEARCH_CANDIDATES stories holding every word (an old story under the
    exact headline searched for), and only when its index would read at most
    SEARCH_ARCHIVE_POSTINGS entries, estimated from the window: otherwise the
    reader gets the window's results and a note (Ranking.partial). Relevance
    is blended with freshness, as news readers expect: a new story beats an
    old one of similar relevance.
    """
    now = timezone.now()
    ranking = Ranking()
    if connection.vendor == "mysql":
        window = list(window_matches(terms, now))
        rows = [(pk, when, score) for pk, when, score, _ in window]
        if sum(1 for *_, every in window if every > 0) < PAGE_SIZE:
            if archive_postings(terms) <= SEARCH_ARCHIVE_POSTINGS:
                # The window's natural-language relevance wins for a story in both.
                rows = list(archive_matches(terms)) + rows
            else:
                ranking.partial = True
    else:
        rows = archive_matches(terms)
    relevance = {pk: (score, published_at) for pk, published_at, score in rows if score > 0}
    scores = {pk: score * freshness(when, now) for pk, (score, when) in relevance.items()}
    ranking.extend(sorted(scores, key=lambda pk: (-scores[pk], -pk))[:SEARCH_CANDIDATES])
    return ranking


class _SearchHits:
    """Ranked article ids, computed once when the first page is sliced out."""

    def __init__(self, terms):
        self.terms = terms

    @cached_property
    def ids(self):
        return search_ranking(self.terms) if self.terms else Ranking()

    @property
    def partial(self):
        """True when the archive's older stories could not all be searched."""
        return self.ids.partial

    def __getitem__(self, window):
        return self.ids[window]


def search(query):
    """Search results for a reader's query, best first: numbered pages, no positions.

    Only pages show search results (no feed), so the stream is its own card stream.
    """
    hits = _SearchHits(search_terms(query))
    stream = Stream(hits, load=lambda ids: [Card(pk) for pk in ids], keyset=None)
    stream.cards = stream
    return stream
