"""RSS 2.0 and Atom feeds of the newest public articles: whole site, section, tag, author.

Each entry carries the full sanitised body, every byline, the tags and the
featured image (its 960 px rendition) as a Media RSS element: an RSS enclosure
would need the file's length, which only a storage round trip per item knows.

Feed readers show HTML-typed fields without a Content-Security-Policy, so every
text a newsroom member or reader wrote reaches them escaped or sanitised:

- HTML (escaped text): the RSS channel and item <description>, Atom's
  <summary type="html">;
- HTML (body_html, sanitised by articles/markdown.py): RSS <content:encoded>,
  Atom's <content type="html">;
- plain text, XML-escaped only: RSS and Atom <title>, Atom <subtitle> and
  <name>, categories, dc:creator, media:credit.

RSS 2.0 gives <title> no type. It stays plain text: the RSS Advisory Board's
Best Practices Profile permits HTML only in an item's description, feedparser
reads titles as text/plain, and escaping them as HTML would show "&amp;" in
"Q&A" headlines to every reader that follows the profile. A reader that pours
titles into HTML unescaped is broken for "a < b" headlines anyway.
"""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import escape

from accounts.models import User
from aiblogger.site import absolute_url

from . import listing
from .models import RENDITION_WIDTHS, Section, Tag

FEED_ITEMS = 20
FEED_IMAGE_WIDTH = RENDITION_WIDTHS[1]
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
MEDIA_NS = "http://search.yahoo.com/mrss/"
# XML 1.0 cannot carry these; text pasted from word processors sometimes does.
XML_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F]")


def xml_safe(value):
    """value with the control characters XML 1.0 forbids removed, in nested data too."""
    if isinstance(value, str):
        return XML_CONTROL_CHARS.sub("", value)
    if isinstance(value, (list, tuple)):
        return [xml_safe(item) for item in value]
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}
    return value


class XmlSafeFeed:
    """Strip what XML cannot carry, so one odd character never breaks a whole feed."""

    def __init__(self, **kwargs):
        super().__init__(**xml_safe(kwargs))

    def add_item(self, **kwargs):
        super().add_item(**xml_safe(kwargs))


def _add_image(handler, image):
    if image is None:
        return
    handler.startElement("media:content", image["attrs"])
    if image["credit"]:
        handler.addQuickElement("media:credit", image["credit"])
    handler.endElement("media:content")


class ArticleRssFeed(XmlSafeFeed, Rss201rev2Feed):
    """RSS 2.0 with the full body (content:encoded), every byline and the image."""

    def rss_attributes(self):
        return {
            **super().rss_attributes(),
            "xmlns:content": CONTENT_NS,
            "xmlns:dc": DC_NS,
            "xmlns:media": MEDIA_NS,
        }

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, _url in item["bylines"]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("content:encoded", item["content_html"])
        _add_image(handler, item["image"])


class ArticleAtomFeed(XmlSafeFeed, Atom1Feed):
    """Atom with the full body as content, one author element per byline, and the image."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:media": MEDIA_NS}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        for name, url in item["bylines"]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.addQuickElement("uri", url)
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})
        _add_image(handler, item["image"])


class ArticleFeed(Feed):
    """The newest public articles of the whole site; subclasses narrow the subject."""

    url_name = "latest"

    def __init__(self, *, atom=False):
        self.atom = atom
        self.feed_type = ArticleAtomFeed if atom else ArticleRssFeed

    def articles(self, obj):
        return listing.latest()[:FEED_ITEMS]

    def subject_title(self, obj):
        return None

    def title(self, obj):
        subject = self.subject_title(obj)
        return f"{subject} – {settings.SITE_NAME}" if subject else settings.SITE_NAME

    def description_text(self, obj):
        return f"The latest stories from {self.title(obj)}."

    def description(self, obj):
        # The RSS channel <description> is read as HTML; Atom uses the subtitle.
        return escape(self.description_text(obj))

    def subtitle(self, obj):
        # Atom's <subtitle> has no type attribute, so it is text (RFC 4287 3.1.1).
        return self.description_text(obj) if self.atom else None

    def link(self, obj):
        return absolute_url(obj.get_absolute_url() if obj else reverse("articles:home"))

    def feed_url(self, obj):
        suffix = "atom" if self.atom else "rss"
        kwargs = {"slug": obj.slug} if obj else {}
        return absolute_url(reverse(f"feeds:{self.url_name}-{suffix}", kwargs=kwargs))

    def author_name(self, obj):
        # Atom entries without a byline inherit the publication as their author.
        return settings.SITE_NAME

    def items(self, obj):
        return self.articles(obj)[:FEED_ITEMS]

    def item_title(self, article):
        return article.title

    def item_description(self, article):
        # RSS <description> and Atom <summary type="html"> are HTML; the standfirst is text.
        return escape(article.standfirst)

    def item_link(self, article):
        return absolute_url(article.get_absolute_url())

    def item_guid_is_permalink(self, article):
        # The slug is frozen once published, so the address identifies the story.
        return True

    def item_pubdate(self, article):
        return article.published_at

    def item_updateddate(self, article):
        return max(article.updated_at, article.published_at)

    def item_categories(self, article):
        names = [article.section.name] if article.section else []
        return names + sorted(tag.name for tag in article.tags.all())

    def item_extra_kwargs(self, article):
        bylines = [
            (link.author.byline, absolute_url(link.author.get_absolute_url()))
            for link in article.author_links.all()
        ]
        return {
            "bylines": bylines,
            "content_html": article.body_html,
            "image": self._image(article),
        }

    def _image(self, article):
        if not article.featured_image or not article.featured_image_width:
            return None
        width = min(FEED_IMAGE_WIDTH, article.featured_image_width)
        attrs = {
            "url": absolute_url(article.rendition_url("image_medium")),
            "medium": "image",
            "type": "image/webp",
            "width": str(width),
            "height": str(article.rendition_height(width)),
        }
        return {"attrs": attrs, "credit": article.featured_image_credit}

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # The newest item's date cannot say that an article was unpublished or a
        # section renamed, so a Last-Modified from it would answer 304 wrongly;
        # conditional requests rely on the ETag of the body instead.
        del response["Last-Modified"]
        return response


class SectionFeed(ArticleFeed):
    url_name = "section"

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def articles(self, section):
        return listing.in_section(section)[:FEED_ITEMS]

    def subject_title(self, section):
        return section.name

    def description_text(self, section):
        return section.description or super().description_text(section)


class TagFeed(ArticleFeed):
    url_name = "tag"

    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def articles(self, tag):
        return listing.tagged(tag)[:FEED_ITEMS]

    def subject_title(self, tag):
        return f"Stories tagged “{tag.name}”"


class AuthorFeed(ArticleFeed):
    url_name = "author"

    def get_object(self, request, slug):
        return get_object_or_404(User, slug=slug)

    def articles(self, user):
        articles = listing.by_author(user)[:FEED_ITEMS]
        # A reader's account has a slug too; only bylines get a public feed.
        if not articles and not user.is_staff:
            raise Http404("No author at this address.")
        return articles

    def subject_title(self, user):
        return user.byline

    def author_name(self, user):
        return user.byline

    def author_link(self, user):
        return absolute_url(user.get_absolute_url())
