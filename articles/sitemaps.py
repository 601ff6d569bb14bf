"""Sitemaps for search engines: an index, one sitemap per kind of page, and Google News.

Every address is built from settings.SITE_URL, never from the request's host, so
a proxy in front (or a crawler sending an odd Host header) cannot change them.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap, x_robots_tag
from django.core.paginator import EmptyPage, InvalidPage, Paginator
from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Greatest
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import escape
from django.utils.timezone import localtime

from accounts.models import User
from aiblogger.site import absolute_url

from .feeds import xml_safe
from .models import Article, ArticleAuthor, ArticleTag, Section, Tag
from .pagecache import generation_cached

NEWS_WINDOW = timedelta(hours=48)
# Stands for the slug when the article address is reversed once for a whole page.
SLUG_MARK = "slug-mark"
SITEMAP_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
)
SITEMAP_TAIL = "</urlset>\n"
INDEX_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
)
INDEX_TAIL = "</sitemapindex>\n"
# Google News reads at most 1,000 stories per sitemap.
NEWS_LIMIT = 1000
# Well under the protocol's 50,000: at a million articles a page renders in about
# 14 ms inside Django, 84 ms at p50 through Nginx and gunicorn (README, Benchmark).
PAGE_LIMIT = 5000
# Google News wants ISO 639 codes, except these two spelled its own way.
NEWS_LANGUAGE_EXCEPTIONS = {
    "zh-hans": "zh-cn",
    "zh-cn": "zh-cn",
    "zh-hant": "zh-tw",
    "zh-tw": "zh-tw",
}


def news_language():
    code = settings.LANGUAGE_CODE.lower()
    return NEWS_LANGUAGE_EXCEPTIONS.get(code, code.split("-")[0])


class PublicSitemap(Sitemap):
    limit = PAGE_LIMIT

    def get_protocol(self, protocol=None):
        return settings.SITE_URL.split("://", 1)[0]

    def get_domain(self, site=None):
        return settings.SITE_URL.split("://", 1)[1]


class IdRangePaginator(Paginator):
    """Django's Paginator over runs of `per_page` consecutive ids, for tables too large to count.

    Page p holds the items with ids first + (p - 1) * per_page up to the next run, so
    neither the index (num_pages) nor a page (a primary key range) counts or skips
    rows. Ids that are drafts or gone leave a page shorter, never longer; a run
    of per_page ids with no item leaves no page at all: page_numbers() skips it,
    and asking for it is an EmptyPage.
    """

    def __init__(self, object_list, per_page, *, first, last):
        super().__init__(object_list, per_page)
        self.first, self.last = first, last

    @cached_property
    def num_pages(self):
        if self.first is None:
            return 1  # an empty first page, as Django's Paginator allows
        return (self.last - self.first) // self.per_page + 1

    def page(self, number):
        number = self.validate_number(number)
        low = (self.first or 0) + (number - 1) * self.per_page
        rows = self.object_list.filter(pk__gte=low, pk__lt=low + self.per_page)
        if number > 1 and not rows.exists():
            raise EmptyPage("That page holds no items.")
        return self._get_page(rows, number, self)

    def page_numbers(self):
        """The numbers of the pages that hold at least one item, in order.

        One walk along the primary key per page listed, each stopping at the
        first item at or after the page's first id: an empty run of ids costs
        the walk across it, never a page of its own.
        """
        if self.first is None:
            return [1]
        numbers, low = [], self.first
        while low is not None:
            number = (low - self.first) // self.per_page + 1
            numbers.append(number)
            next_low = self.first + number * self.per_page
            if next_low > self.last:  # the last item is on this page: nothing to ask
                break
            following = self.object_list.filter(pk__gte=next_low)
            low = following.order_by("pk").values_list("pk", flat=True).first()
        return numbers


class ArticleSitemap(PublicSitemap):
    """Every public article, dated by its last change, in pages of consecutive ids.

    Pages by id: adding a story changes only the last page, and no page is found
    by counting the archive. The index gives this sitemap no date: the newest
    change among all articles costs a pass over the archive, and a wrong date is
    worse than none.
    """

    def items(self):
        return Article.objects.published().order_by("pk")

    @cached_property
    def paginator(self):
        # The first and last public ids, each a walk along the primary key that
        # stops at the first public row (so no page at either end lists nothing),
        # in one query: two scalar subqueries beside any one row of the table.
        ids = self.items().values("pk")
        first, last = Subquery(ids.order_by("pk")[:1]), Subquery(ids.order_by("-pk")[:1])
        ends = Article.objects.order_by().annotate(first=first, last=last)
        ends = next(iter(ends.values("first", "last")[:1]), {"first": None, "last": None})
        return IdRangePaginator(self.items(), self.limit, **ends)

    def lastmod(self, article):
        return max(article.updated_at, article.published_at)

    def get_latest_lastmod(self):
        return None

    def page_numbers(self):
        """The pages the index lists, worked out once per public generation."""
        name = f"sitemap-article-pages:{self.limit}"
        return generation_cached(name, self.paginator.page_numbers)

    def render_page(self, page):
        """One page of <url> elements as XML text, built without a template.

        The same output as templates/sitemaps/sitemap.xml at about a tenth of
        the cost for 5,000 URLs: the article address is reversed once.
        """
        rows = self.paginator.page(page).object_list.values_list(
            "slug", "published_at", "updated_at"
        )
        before, after = absolute_url(reverse("articles:detail", args=[SLUG_MARK])).split(SLUG_MARK)
        parts = [SITEMAP_HEAD]
        for slug, published_at, updated_at in rows:
            lastmod = localtime(max(updated_at, published_at)).isoformat()
            parts.append(
                f"<url><loc>{escape(before + slug + after)}</loc>"
                f"<lastmod>{lastmod}</lastmod></url>"
            )
        parts.append(SITEMAP_TAIL)
        return "".join(parts)


class NewsSitemap(ArticleSitemap):
    """The last 48 hours: few enough rows to count and date in one cheap query."""

    limit = NEWS_LIMIT

    def page_numbers(self):
        return range(1, self.paginator.num_pages + 1)

    def items(self):
        since = timezone.now() - NEWS_WINDOW
        return (
            Article.objects.published()
            .filter(published_at__gte=since)
            .only("slug", "title", "published_at", "updated_at")
            .newest_first()
        )

    @cached_property
    def _stats(self):
        return self.items().aggregate(
            count=Count("pk"), latest=Max(Greatest("updated_at", "published_at"))
        )

    @cached_property
    def paginator(self):
        paginator = Paginator(self.items(), self.limit)
        paginator.count = self._stats["count"]
        return paginator

    def get_latest_lastmod(self):
        return self._stats["latest"]

    def get_urls(self, *args, **kwargs):
        urls = super().get_urls(*args, **kwargs)
        publication = {"name": settings.SITE_NAME, "language": news_language()}
        for url in urls:
            url["publication"] = publication
            url["title"] = xml_safe(url["item"].title)
        return urls


class SectionSitemap(PublicSitemap):
    def items(self):
        return Section.objects.order_by("pk")


def _with_public_story(queryset, links, field):
    """The rows of queryset (tags or people) with at least one public story.

    The link tables' public_since is the copy of published() that tag and author
    pages page through, so this lists exactly the pages that show a story. A
    scalar subquery rather than EXISTS: MariaDB may turn EXISTS into a semi-join
    that reads every link row (1.2 million at a million articles), where this
    stays one short index probe per tag or person.
    """
    probe = links.published().filter(**{field: OuterRef("pk")}).order_by().values("pk")[:1]
    return queryset.alias(public_story=Subquery(probe)).filter(public_story__isnull=False)


class CountedOncePerGeneration(PublicSitemap):
    """A sitemap whose count (a probe per row) is taken once per public generation.

    The index asks every sitemap for its number of pages on each render; the
    count is the same until something readers see changes.
    """

    @cached_property
    def paginator(self):
        paginator = Paginator(self.items(), self.limit)
        name = f"sitemap-count:{type(self).__name__}"
        paginator.count = generation_cached(name, lambda: self.items().count())
        return paginator


class TagSitemap(CountedOncePerGeneration):
    """Tags with at least one public story: an empty tag page is not worth a crawl."""

    def items(self):
        return _with_public_story(Tag.objects, ArticleTag.objects, "tag").order_by("pk")


class AuthorSitemap(CountedOncePerGeneration):
    """Authors with at least one public story."""

    def items(self):
        people = User.objects.only("slug")
        return _with_public_story(people, ArticleAuthor.objects, "author").order_by("pk")


SITEMAPS = {
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}


def _without_last_modified(response):
    # Items' dates cannot say that a story was unpublished, so a Last-Modified
    # built from them would answer 304 wrongly; the body's ETag decides instead.
    del response["Last-Modified"]
    return response


@x_robots_tag
def index(request):
    """The sitemap index: every page of every sitemap, and the news sitemap.

    Built without a template, like an article sitemap page: Django's
    sitemap_index.xml costs about 15 µs an entry, and a million articles make
    200 pages of them.
    """
    children = [
        (reverse("feeds:sitemap-section", kwargs={"section": name}), sitemap_class())
        for name, sitemap_class in SITEMAPS.items()
    ]
    children.append((reverse("feeds:sitemap-news"), NewsSitemap()))
    parts = [INDEX_HEAD]
    for path, child in children:
        location, lastmod = escape(absolute_url(path)), child.get_latest_lastmod()
        dated = f"<lastmod>{localtime(lastmod).isoformat()}</lastmod>" if lastmod else ""
        parts.append(f"<sitemap><loc>{location}</loc>{dated}</sitemap>")
        numbers = getattr(child, "page_numbers", None)
        numbers = numbers() if numbers else range(1, child.paginator.num_pages + 1)
        parts.extend(
            f"<sitemap><loc>{location}?p={page}</loc>{dated}</sitemap>"
            for page in numbers
            if page > 1
        )
    parts.append(INDEX_TAIL)
    return HttpResponse("".join(parts), content_type="application/xml; charset=utf-8")


@x_robots_tag
def _article_page(request):
    try:
        body = ArticleSitemap().render_page(request.GET.get("p", 1))
    except InvalidPage:
        raise Http404("No such sitemap page.") from None
    return HttpResponse(body, content_type="application/xml; charset=utf-8")


def section(request, section):
    """One page of one sitemap (articles, sections, tags or authors)."""
    if section == "articles":
        return _article_page(request)
    response = sitemap(
        request,
        SITEMAPS,
        section=section,
        template_name="sitemaps/sitemap.xml",
        content_type="application/xml; charset=utf-8",
    )
    return _without_last_modified(response)


def news(request):
    """Google News: the stories published in the last 48 hours."""
    response = sitemap(
        request,
        {"news": NewsSitemap},
        section="news",
        template_name="sitemaps/news.xml",
        content_type="application/xml; charset=utf-8",
    )
    return _without_last_modified(response)
