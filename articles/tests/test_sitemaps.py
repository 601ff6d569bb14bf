from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.tests.factories import UserFactory
from articles import sitemaps
from articles.models import Article
from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

NS = {
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
}
SITEMAP_URLS = [
    "/sitemap.xml",
    "/sitemap-articles.xml",
    "/sitemap-sections.xml",
    "/sitemap-tags.xml",
    "/sitemap-authors.xml",
    "/sitemap-news.xml",
]
MAX_QUERIES = 6


def parse(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/xml")
    # Our own response, not untrusted input.
    return ElementTree.fromstring(response.content)  # noqa: S314


def locations(root):
    return [loc.text for loc in root.iterfind(".//sm:loc", NS)]


def test_index_lists_every_sitemap_at_the_site_url(client, newsroom, settings):
    settings.SITE_URL = "https://news.example.com"
    root = parse(client, "/sitemap.xml", HTTP_HOST="127.0.0.1")
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    assert locations(root) == [
        "https://news.example.com/sitemap-articles.xml",
        "https://news.example.com/sitemap-sections.xml",
        "https://news.example.com/sitemap-tags.xml",
        "https://news.example.com/sitemap-authors.xml",
        "https://news.example.com/sitemap-news.xml",
    ]
    dated = {
        entry.find("sm:loc", NS).text: parse_datetime(entry.find("sm:lastmod", NS).text)
        for entry in root.iterfind("sm:sitemap", NS)
        if entry.find("sm:lastmod", NS) is not None
    }
    assert dated == {"https://news.example.com/sitemap-news.xml": newsroom["story"].updated_at}


def test_article_sitemap_lists_only_published_articles_with_lastmod(client, newsroom):
    root = parse(client, "/sitemap-articles.xml")
    story = newsroom["story"]
    assert locations(root) == [f"http://testserver/articles/{story.slug}/"]
    assert parse_datetime(root.find(".//sm:lastmod", NS).text) == story.updated_at


def test_sitemaps_use_site_url_not_the_request_host(client, newsroom, settings):
    settings.SITE_URL = "https://news.example.com"
    for url in SITEMAP_URLS[1:]:
        found = locations(parse(client, url, HTTP_HOST="127.0.0.1"))
        assert found, url
        assert all(loc.startswith("https://news.example.com/") for loc in found), found


def test_section_sitemap_lists_every_section(client):
    SectionFactory(slug="news"), SectionFactory(slug="sport")
    assert locations(parse(client, "/sitemap-sections.xml")) == [
        "http://testserver/section/news/",
        "http://testserver/section/sport/",
    ]


def test_tag_and_author_sitemaps_leave_out_those_without_public_stories(client):
    tag, unused_tag = TagFactory(slug="elections"), TagFactory(slug="unused")
    writer, idle = UserFactory(role="Author"), UserFactory(role="Author")
    ArticleFactory(published=True, title="Polls open", authors=[writer], tags=[tag])
    ArticleFactory(title="Draft", authors=[idle], tags=[unused_tag])
    ArticleFactory(scheduled=True, title="Soon", authors=[idle], tags=[unused_tag])
    assert locations(parse(client, "/sitemap-tags.xml")) == ["http://testserver/tag/elections/"]
    assert locations(parse(client, "/sitemap-authors.xml")) == [
        f"http://testserver/author/{writer.slug}/"
    ]


def test_news_sitemap_describes_the_last_two_days(client, settings):
    settings.SITE_NAME = "The Harbour Gazette"
    settings.LANGUAGE_CODE = "en-gb"
    fresh = ArticleFactory(published=True, title="Ferry strike & talks")
    ArticleFactory(published=True, published_at=timezone.now() - timedelta(hours=49))
    ArticleFactory(scheduled=True)

    root = parse(client, "/sitemap-news.xml")

    assert locations(root) == [f"http://testserver/articles/{fresh.slug}/"]
    news = root.find("sm:url/news:news", NS)
    assert news.find("news:publication/news:name", NS).text == "The Harbour Gazette"
    assert news.find("news:publication/news:language", NS).text == "en"
    assert news.find("news:title", NS).text == "Ferry strike & talks"
    published = parse_datetime(news.find("news:publication_date", NS).text)
    assert published == fresh.published_at


@pytest.mark.parametrize(
    ("language_code", "expected"), [("en-gb", "en"), ("de", "de"), ("zh-hant", "zh-tw")]
)
def test_news_language_is_the_code_google_expects(settings, language_code, expected):
    settings.LANGUAGE_CODE = language_code
    assert sitemaps.news_language() == expected


def test_large_sitemaps_are_split_into_pages(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    stories = [ArticleFactory(published=True) for _ in range(5)]
    index = locations(parse(client, "/sitemap.xml"))
    assert index[:3] == [
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
        "http://testserver/sitemap-articles.xml?p=3",
    ]
    last_page = locations(parse(client, "/sitemap-articles.xml?p=3"))
    assert last_page == [f"http://testserver/articles/{stories[-1].slug}/"]


@pytest.mark.parametrize(
    "url",
    [
        "/sitemap-nothing.xml",
        "/sitemap-articles.xml?p=0",
        "/sitemap-articles.xml?p=2",
        "/sitemap-articles.xml?p=abc",
        "/sitemap-articles.xml?p=99999999999999999999",
        "/sitemap.xml/",
        "/sitemap.xmlx",
        "/sitemap-articles.xml.gz",
        "/sitemap-news.xml?p=-1",
    ],
)
def test_bad_sitemap_addresses_are_not_found(client, newsroom, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("count", [3, 60])
def test_sitemaps_run_the_same_few_queries_however_many_stories(
    client, django_assert_max_num_queries, count
):
    tags = [TagFactory() for _ in range(4)]
    authors = [UserFactory(role="Author") for _ in range(3)]
    for _ in range(count):
        ArticleFactory(published=True, authors=authors, tags=tags)
    for url in SITEMAP_URLS:
        with django_assert_max_num_queries(MAX_QUERIES):
            root = parse(client, url)
        assert locations(root), url
    assert len(locations(parse(client, "/sitemap-articles.xml"))) == count


def test_publishing_updates_the_cached_sitemap(
    client, newsroom, django_capture_on_commit_callbacks, django_assert_num_queries
):
    assert len(locations(parse(client, "/sitemap-articles.xml"))) == 1
    with django_assert_num_queries(0):
        parse(client, "/sitemap-articles.xml")
    with django_capture_on_commit_callbacks(execute=True):
        newsroom["draft"].status = Article.Status.PUBLISHED
        newsroom["draft"].save()
    assert len(locations(parse(client, "/sitemap-articles.xml"))) == 2


@pytest.mark.parametrize("url", SITEMAP_URLS)
def test_sitemap_answers_a_conditional_get_with_not_modified(client, newsroom, url):
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_control_characters_in_a_title_do_not_break_the_news_sitemap(client):
    ArticleFactory(published=True, title="Budget\x0b vote")
    root = parse(client, "/sitemap-news.xml")
    assert root.find("sm:url/news:news/news:title", NS).text == "Budget vote"


def test_article_sitemap_pages_list_every_public_story_once_whatever_lies_between(
    client, monkeypatch
):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    stories = []
    for kind in ["published", "draft", "published", "published", "scheduled", "published"]:
        article = ArticleFactory(**({kind: True} if kind != "draft" else {}))
        if kind == "published":
            stories.append(article)
    index = [url for url in locations(parse(client, "/sitemap.xml")) if "articles" in url]
    listed = []
    for url in index:
        listed += locations(parse(client, url.removeprefix("http://testserver")))
    assert sorted(listed) == sorted(f"http://testserver/articles/{a.slug}/" for a in stories)


def test_no_article_sitemap_page_at_either_end_lists_nothing(client, monkeypatch):
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    kinds = ["draft", "draft", "draft", "published", "published", "draft", "scheduled", "draft"]
    for kind in kinds:
        ArticleFactory(**({kind: True} if kind != "draft" else {}))
    index = [url for url in locations(parse(client, "/sitemap.xml")) if "articles" in url]
    pages = [locations(parse(client, url.removeprefix("http://testserver"))) for url in index]
    assert [len(page) for page in pages] in ([2], [1, 1])


def test_the_index_counts_tags_once_per_change_and_sees_a_new_tag_at_once(
    client, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(sitemaps.TagSitemap, "limit", 1)
    ArticleFactory(published=True, tags=[TagFactory()])
    ArticleFactory(published=True, tags=[TagFactory()])

    def tag_pages():
        return [url for url in locations(parse(client, "/sitemap.xml")) if "sitemap-tags" in url]

    assert len(tag_pages()) == 2
    with django_assert_num_queries(0):  # nothing changed: the count comes from the cache
        assert sitemaps.TagSitemap().paginator.num_pages == 2
    ArticleFactory(published=True, tags=[TagFactory()])
    assert len(tag_pages()) == 3


def test_a_long_run_of_non_public_ids_leaves_no_empty_article_sitemap_page(client, monkeypatch):
    """A page is a run of `limit` ids; a run with no public story is not listed, and is a 404."""
    monkeypatch.setattr(sitemaps.ArticleSitemap, "limit", 2)
    kinds = ["published"] + ["draft"] * 6 + ["scheduled"] + ["published", "draft", "published"]
    stories = []
    for kind in kinds:
        article = ArticleFactory(**({kind: True} if kind != "draft" else {}))
        if kind == "published":
            stories.append(article)
    index = [url for url in locations(parse(client, "/sitemap.xml")) if "articles" in url]
    pages = [locations(parse(client, url.removeprefix("http://testserver"))) for url in index]
    assert all(pages), [len(page) for page in pages]
    listed = sorted(url for page in pages for url in page)
    assert listed == sorted(f"http://testserver/articles/{a.slug}/" for a in stories)
    # Pages 2 to 4 fall inside the run of drafts and the scheduled story.
    assert len(pages) == 3
    for page in (2, 3, 4):
        assert client.get(f"/sitemap-articles.xml?p={page}").status_code == 404
