"""Sitemaps for search engines: an index, one sitemap per kind of page, and Google News.

Every address is built from settings.SITE_URL, never from the request's host, so
a proxy in front (or a crawler sending an odd Host header) cannot change them.
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import SitemapIndexItem, sitemap, x_robots_tag
from django.core.paginator import Paginator
from django.db.models import Count, Exists, Max, OuterRef
from django.db.models.functions import Greatest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property

from accounts.models import User
from aiblogger.site import absolute_url

from .feeds import xml_safe
from .models import Article, ArticleAuthor, ArticleTag, Section, Tag

NEWS_WINDOW = timedelta(hours=48)
# Google News reads at most 1,000 stories per sitemap.
NEWS_LIMIT = 1000
# Well under the protocol's 50,000, so an uncached page renders in about half a second.
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


class ArticleSitemap(PublicSitemap):
    """Every public article, dated by its last change.

    The index gives this sitemap no date: the newest change among all articles
    costs a pass over the archive, and a wrong date is worse than none.
    """

    def items(self):
        # Oldest first, so adding a story changes only the last page.
        return (
            Article.objects.published()
            .only("slug", "published_at", "updated_at")
            .order_by("published_at", "id")
        )

    def lastmod(self, article):
        return max(article.updated_at, article.published_at)

    def get_latest_lastmod(self):
        return None


class NewsSitemap(ArticleSitemap):
    """The last 48 hours: few enough rows to count and date in one cheap query."""

    limit = NEWS_LIMIT

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


def _has_public_story(links, field):
    # The link tables' public_since is the copy of published() that tag and author
    # pages page through, so this lists exactly the pages that show a story, and
    # costs one index probe per tag or author instead of a pass over the archive.
    return Exists(links.published().filter(**{field: OuterRef("pk")}))


class TagSitemap(PublicSitemap):
    """Tags with at least one public story: an empty tag page is not worth a crawl."""

    def items(self):
        return Tag.objects.filter(_has_public_story(ArticleTag.objects, "tag")).order_by("pk")


class AuthorSitemap(PublicSitemap):
    """Authors with at least one public story."""

    def items(self):
        has_story = _has_public_story(ArticleAuthor.objects, "author")
        return User.objects.filter(has_story).only("slug").order_by("pk")


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
    """The sitemap index: every page of every sitemap, and the news sitemap."""
    children = [
        (reverse("feeds:sitemap-section", kwargs={"section": name}), sitemap_class())
        for name, sitemap_class in SITEMAPS.items()
    ]
    children.append((reverse("feeds:sitemap-news"), NewsSitemap()))
    entries = []
    for path, child in children:
        location, lastmod = absolute_url(path), child.get_latest_lastmod()
        entries.append(SitemapIndexItem(location, lastmod))
        entries.extend(
            SitemapIndexItem(f"{location}?p={page}", lastmod)
            for page in range(2, child.paginator.num_pages + 1)
        )
    return TemplateResponse(
        request,
        "sitemap_index.xml",
        {"sitemaps": entries},
        content_type="application/xml; charset=utf-8",
    )


def section(request, section):
    """One page of one sitemap (articles, sections, tags or authors)."""
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
