"""What search engines, link previews and feed readers find in every page."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from accounts.tests.factories import UserFactory
from articles.models import PreviewLink
from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory, image_upload

pytestmark = pytest.mark.django_db


class Head(HTMLParser):
    """Collects <meta>, <link>, <title>, scripts and inline styles of a page."""

    def __init__(self, html):
        super().__init__()
        self.meta, self.links, self.scripts, self.styled = {}, [], [], []
        self.title, self._in_title, self._script = "", False, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs or tag == "style":
            self.styled.append(tag)
        if tag == "meta" and ("name" in attrs or "property" in attrs):
            self.meta[attrs.get("name") or attrs["property"]] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "title":
            self._in_title = True
        elif tag == "script":
            self._script = {"attrs": attrs, "text": ""}
        for name in attrs:
            if name.startswith("on"):
                self.styled.append(f"{tag}[{name}]")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._script is not None:
            self._script["text"] += data

    def link(self, rel, **match):
        return [
            link
            for link in self.links
            if link.get("rel") == rel and all(link.get(k) == v for k, v in match.items())
        ]


@pytest.fixture
def site():
    section = SectionFactory(name="Science", slug="science", description="Discoveries.")
    tag = TagFactory(name="Space", slug="space")
    writer = UserFactory(role="Author", display_name="Ada Writer", bio="Science desk.")
    article = ArticleFactory(
        published=True,
        title="Probe lands on comet",
        standfirst="A ten-year journey ends on the ice.",
        section=section,
        tags=[tag],
        authors=[writer],
    )
    return {"section": section, "tag": tag, "writer": writer, "article": article}


def page_urls(site):
    return {
        "home": "/",
        "article": site["article"].get_absolute_url(),
        "section": site["section"].get_absolute_url(),
        "tag": site["tag"].get_absolute_url(),
        "author": site["writer"].get_absolute_url(),
        "search": "/search/?q=comet",
    }


def test_every_page_has_a_unique_title_description_and_canonical(client, site):
    titles = set()
    for name, url in page_urls(site).items():
        head = Head(client.get(url).content.decode())
        assert head.title.strip(), name
        titles.add(head.title)
        assert head.meta.get("description"), name
        canonical = head.link("canonical")
        assert len(canonical) == 1 and canonical[0]["href"].startswith("http://testserver/"), name
    assert len(titles) == len(page_urls(site))


def test_paged_lists_have_their_own_title_and_canonical(client, site, monkeypatch):
    from articles import listing

    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    ArticleFactory(published=True, section=site["section"])
    first = Head(client.get("/section/science/").content.decode())
    second = Head(client.get("/section/science/?page=2").content.decode())
    assert first.title != second.title
    assert second.link("canonical")[0]["href"] == "http://testserver/section/science/?page=2"


def test_article_canonical_honours_the_override(client, site):
    article = site["article"]
    article.canonical_url = "https://wire.example.com/original-story"
    article.save()
    head = Head(client.get(article.get_absolute_url()).content.decode())
    assert head.link("canonical")[0]["href"] == "https://wire.example.com/original-story"


def test_article_has_open_graph_and_twitter_tags(client, site):
    article = site["article"]
    article.meta_title = "Comet landing: what we know"
    article.meta_description = "Everything about the landing."
    article.save()
    head = Head(client.get(article.get_absolute_url()).content.decode())
    assert head.meta["og:type"] == "article"
    assert head.meta["og:title"] == "Comet landing: what we know"
    assert head.meta["og:description"] == "Everything about the landing."
    assert head.meta["og:url"] == f"http://testserver{article.get_absolute_url()}"
    assert head.meta["twitter:card"] in ("summary", "summary_large_image")
    assert head.meta["twitter:title"] == "Comet landing: what we know"
    assert head.title.startswith("Comet landing: what we know")


def test_social_image_override_is_what_link_previews_show(client, site):
    article = site["article"]
    article.social_image = image_upload("card.png", size=(1200, 630))
    article.save()
    head = Head(client.get(article.get_absolute_url()).content.decode())
    assert head.meta["og:image"].startswith("http://testserver/media/social/")
    assert head.meta["twitter:image"] == head.meta["og:image"]
    assert head.meta["twitter:card"] == "summary_large_image"


def test_article_has_news_article_json_ld(client, site):
    article, writer = site["article"], site["writer"]
    head = Head(client.get(article.get_absolute_url()).content.decode())
    (script,) = [s for s in head.scripts if s["attrs"].get("type") == "application/ld+json"]
    data = json.loads(script["text"])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Probe lands on comet"
    assert data["description"] == "A ten-year journey ends on the ice."
    assert data["datePublished"].startswith(article.published_at.date().isoformat())
    assert data["dateModified"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Ada Writer",
            "url": f"http://testserver/author/{writer.slug}/",
        }
    ]
    assert data["publisher"]["@type"] == "Organization"


def test_json_ld_cannot_be_broken_out_of(client, site):
    article = site["article"]
    article.title = "</script><script>alert(1)</script>"
    article.save()
    text = client.get(article.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in text
    head = Head(text)
    (script,) = [s for s in head.scripts if s["attrs"].get("type") == "application/ld+json"]
    assert json.loads(script["text"])["headline"] == "</script><script>alert(1)</script>"


def test_no_inline_styles_or_scripts_anywhere(client, site):
    for name, url in [*page_urls(site).items(), ("404", "/nope/"), ("400", "/?page=x")]:
        head = Head(client.get(url).content.decode())
        assert head.styled == [], name
        for script in head.scripts:
            assert script["attrs"].get("type") == "application/ld+json", name
            assert script["attrs"].get("nonce"), name


def test_search_results_are_not_indexed(client, site, settings):
    settings.SITE_INDEXABLE = True
    response = client.get("/search/?q=comet")
    assert Head(response.content.decode()).meta["robots"] == "noindex"
    assert response["X-Robots-Tag"] == "noindex"


def test_production_pages_are_indexable_and_staging_ones_are_not(client, site, settings):
    url = site["article"].get_absolute_url()
    settings.SITE_INDEXABLE = True
    assert "robots" not in Head(client.get(url).content.decode()).meta
    settings.SITE_INDEXABLE = False
    from django.core.cache import cache

    cache.clear()
    assert Head(client.get(url).content.decode()).meta["robots"] == "noindex"


def test_preview_links_are_not_indexed(client, settings):
    settings.SITE_INDEXABLE = True
    link = PreviewLink.objects.create(article=ArticleFactory(title="Draft"))
    response = client.get(link.get_absolute_url())
    assert "noindex" in Head(response.content.decode()).meta["robots"]
    assert "noindex" in response["X-Robots-Tag"]


def test_pages_link_their_feeds(client, site):
    expectations = {
        "home": ["/feeds/latest.rss", "/feeds/latest.atom"],
        "section": ["/feeds/section/science.rss", "/feeds/section/science.atom"],
        "tag": ["/feeds/tag/space.rss", "/feeds/tag/space.atom"],
        "author": [f"/feeds/author/{site['writer'].slug}.rss"],
        "article": ["/feeds/latest.rss", "/feeds/section/science.rss"],
    }
    urls = page_urls(site)
    for name, feeds in expectations.items():
        head = Head(client.get(urls[name]).content.decode())
        hrefs = {link["href"] for link in head.link("alternate")}
        for feed in feeds:
            assert feed in hrefs, f"{name} links {feed}"
        assert head.link("sitemap")[0]["href"] == "/sitemap.xml"


def test_static_assets_have_hashed_names(client, site, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    assert (tmp_path / "staticfiles.json").exists()
    for name, url in page_urls(site).items():
        text = client.get(url).content.decode()
        assets = re.findall(r'"(/static/[^"]+)"', text)
        assert assets, name
        for asset in assets:
            assert re.search(r"\.[0-9a-f]{12}\.\w+$", asset), f"{name}: {asset} is not hashed"
    assert list(tmp_path.glob("css/site.*.css.gz")), "compressed variants are written"
