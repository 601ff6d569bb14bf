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

from django.db.models import (
    Q,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL

from . import hooks
from . import search as search_api
from .models import Article, ArticleAuthor, ArticleQuerySet, ArticleTag

PAGE_SIZE = 20
# Home page section blocks are drawn from this many of the newest stories,
# so building them costs the same however large the archive grows.
SECTION_BLOCK_WINDOW = 300

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


class _SearchHits:
    """One search, asked of the engine a page at a time (articles.search)."""

    def __init__(self, query, filters, order):
        self.query, self.filters, self.order = query, filters, order
        self.result = None

    def __getitem__(self, window):
        start, stop = window.start or 0, window.stop
        self.result = search_api.search(
            self.query, filters=self.filters, order=self.order, offset=start, limit=stop - start
        )
        return self.result.ids


def search(query, *, filters=None, order="relevance"):
    """Search results for a reader's query: numbered pages, no positions.

    Only pages show search results (no feed), so the stream is its own card
    stream; after a page is read, stream.rows.result holds the engine's answer
    (the number found, the snippets).
    """
    hits = _SearchHits(query, filters or search_api.Filters(), order)
    stream = Stream(hits, load=lambda ids: [Card(pk) for pk in ids], keyset=None)
    stream.cards = stream
    return stream
