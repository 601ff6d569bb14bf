"""Feeds and sitemaps, mounted at the site root by aiblogger/urls.py."""

from django.urls import path

from . import feeds, sitemaps
from .pagecache import cached_for_readers

app_name = "feeds"

urlpatterns = [
    path("feeds/latest.rss", cached_for_readers(feeds.ArticleFeed()), name="latest-rss"),
    path(
        "feeds/latest.atom", cached_for_readers(feeds.ArticleFeed(atom=True)), name="latest-atom"
    ),
    path(
        "feeds/section/<slug:slug>.rss",
        cached_for_readers(feeds.SectionFeed()),
        name="section-rss",
    ),
    path(
        "feeds/section/<slug:slug>.atom",
        cached_for_readers(feeds.SectionFeed(atom=True)),
        name="section-atom",
    ),
    path("feeds/tag/<slug:slug>.rss", cached_for_readers(feeds.TagFeed()), name="tag-rss"),
    path(
        "feeds/tag/<slug:slug>.atom", cached_for_readers(feeds.TagFeed(atom=True)), name="tag-atom"
    ),
    path(
        "feeds/author/<slug:slug>.rss", cached_for_readers(feeds.AuthorFeed()), name="author-rss"
    ),
    path(
        "feeds/author/<slug:slug>.atom",
        cached_for_readers(feeds.AuthorFeed(atom=True)),
        name="author-atom",
    ),
    path("sitemap.xml", cached_for_readers(sitemaps.index), name="sitemap"),
    path("sitemap-news.xml", cached_for_readers(sitemaps.news), name="sitemap-news"),
    path(
        "sitemap-<slug:section>.xml",
        cached_for_readers(sitemaps.section),
        name="sitemap-section",
    ),
]
