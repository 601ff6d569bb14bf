"""The reader site's list queries, each reading one ordered index.

Lists page newest first by (published_at, id). The first pages may use a small
OFFSET; deeper pages pass a cursor, the (published_at, id) of the last article
already shown, so the database seeks in the index instead of skipping rows.
Every function returns at most limit + 1 articles: the extra one only says
whether an older page exists.
"""

import re
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, prefetch_related_objects
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import Article, ArticleAuthor, ArticleTag

PAGE_SIZE = 20
# Home page section blocks are drawn from this many of the newest stories,
# so building them costs the same however large the archive grows.
SECTION_BLOCK_WINDOW = 300
SEARCH_MAX_TERMS = 12

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
    lookups = [
        Prefetch(
            "author_links",
            queryset=ArticleAuthor.objects.select_related("author").order_by("position", "id"),
        )
    ]
    if tags:
        lookups.append("tags")
    prefetch_related_objects(articles, *lookups)
    return articles


def _page(queryset, cursor, limit, offset, *, field="published_at", pk="id"):
    queryset = queryset.order_by(f"-{field}", f"-{pk}")
    if cursor is not None:
        when, last = cursor
        older = Q(**{f"{field}__lt": when}) | Q(**{field: when, f"{pk}__lt": last})
        queryset = queryset.filter(older)
    return queryset[offset : offset + limit + 1]


def _articles(queryset, cursor, limit, offset, *, cards=True):
    rows = list(_page(queryset.select_related("section"), cursor, limit, offset))
    return with_cards(rows) if cards else rows


def latest(cursor=None, limit=PAGE_SIZE, *, offset=0, exclude=None, cards=True):
    """The newest public articles, optionally leaving out one (the lead story).

    cards=False skips the prefetch, for a caller that prefetches several lists at once.
    """
    queryset = Article.objects.published()
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return _articles(queryset, cursor, limit, offset, cards=cards)


def in_section(section, cursor=None, limit=PAGE_SIZE, *, offset=0):
    return _articles(Article.objects.published().filter(section=section), cursor, limit, offset)


def _through_link(links, cursor, limit, offset):
    """Articles whose ids one link table lists newest first (tag or author pages)."""
    # Two queries on purpose: MariaDB cannot LIMIT inside an IN (subquery).
    links = links.filter(public_since__lte=timezone.now())
    ids = list(
        _page(links, cursor, limit, offset, field="public_since", pk="article_id").values_list(
            "article_id", flat=True
        )
    )
    if not ids:
        return []
    found = Article.objects.published().filter(pk__in=ids).select_related("section")
    by_id = {article.pk: article for article in found}
    return with_cards([by_id[pk] for pk in ids if pk in by_id])


def tagged(tag, cursor=None, limit=PAGE_SIZE, *, offset=0):
    return _through_link(ArticleTag.objects.filter(tag=tag), cursor, limit, offset)


def by_author(user, cursor=None, limit=PAGE_SIZE, *, offset=0):
    return _through_link(ArticleAuthor.objects.filter(author=user), cursor, limit, offset)


def lead_story():
    """The newest featured public article, or None."""
    return (
        Article.objects.published()
        .filter(featured=True)
        .select_related("section")
        .order_by("-published_at", "-id")
        .first()
    )


def section_blocks(per_section=4, exclude=()):
    """[(section, [articles])] in menu order, from the newest stories only."""
    recent = (
        Article.objects.published()
        .filter(section__isnull=False)
        .exclude(pk__in=exclude)
        .order_by("-published_at", "-id")
        .values_list("pk", "section_id")[:SECTION_BLOCK_WINDOW]
    )
    picked, counts = [], {}
    for pk, section_id in recent:
        if counts.get(section_id, 0) < per_section:
            counts[section_id] = counts.get(section_id, 0) + 1
            picked.append(pk)
    if not picked:
        return []
    articles = Article.objects.filter(pk__in=picked).select_related("section")
    blocks = {}
    for article in sorted(articles, key=lambda a: (a.published_at, a.pk), reverse=True):
        blocks.setdefault(article.section_id, (article.section, []))[1].append(article)
    return sorted(blocks.values(), key=lambda block: (block[0].position, block[0].name))


def related(article, limit=4):
    """Up to `limit` public stories sharing a tag or the section, newest first.

    EXISTS rather than a join: no DISTINCT is needed, so the database walks the
    public index newest first and stops at the first `limit` matches.
    """
    tag_ids = [tag.pk for tag in article.tags.all()]
    shared = Q(pk__in=[])
    if tag_ids:
        shared |= Q(
            Exists(ArticleTag.objects.filter(article_id=OuterRef("pk"), tag_id__in=tag_ids))
        )
    if article.section_id:
        shared |= Q(section_id=article.section_id)
    return list(
        Article.objects.published()
        .filter(shared)
        .exclude(pk=article.pk)
        .select_related("section")
        .order_by("-published_at", "-id")[:limit]
    )


def search_terms(query):
    """The words of a query, at most SEARCH_MAX_TERMS of them."""
    return re.findall(r"\w+", query)[:SEARCH_MAX_TERMS]


def search_queryset(terms):
    """Public articles matching every word (SQLite) or ranked by FULLTEXT (MySQL).

    MySQL and MariaDB rank by the FULLTEXT index (migration 0003); natural
    language mode has no operators, so no user input can be a syntax error.
    """
    queryset = Article.objects.published().select_related("section")
    if connection.vendor == "mysql":
        relevance = RawSQL(
            "MATCH (articles_article.title, articles_article.standfirst, "
            "articles_article.body) AGAINST (%s IN NATURAL LANGUAGE MODE)",
            [" ".join(terms)],
        )
        return (
            queryset.alias(relevance=relevance)
            .filter(relevance__gt=0)
            .order_by("-relevance", "-published_at", "-id")
        )
    for term in terms:
        queryset = queryset.filter(
            Q(title__icontains=term) | Q(standfirst__icontains=term) | Q(body__icontains=term)
        )
    return queryset.order_by("-published_at", "-id")


def search(query, limit=PAGE_SIZE, *, offset=0):
    """One page of search results for a reader's query, plus one to say there is more."""
    terms = search_terms(query)
    if not terms:
        return []
    rows = list(search_queryset(terms)[offset : offset + limit + 1])
    return with_cards(rows, tags=False)
