from datetime import timedelta

import feedparser
import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from articles.models import Article
from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory, image_upload

pytestmark = pytest.mark.django_db

FEED_NAMES = ["rss", "atom"]
MAX_QUERIES = 6


def fetch(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, response.status_code
    parsed = feedparser.parse(response.content)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    return parsed


def feed_urls(newsroom, kind):
    return {
        "latest": reverse(f"feeds:latest-{kind}"),
        "section": reverse(f"feeds:section-{kind}", kwargs={"slug": newsroom["section"].slug}),
        "tag": reverse(f"feeds:tag-{kind}", kwargs={"slug": newsroom["tags"][0].slug}),
        "author": reverse(f"feeds:author-{kind}", kwargs={"slug": newsroom["lead"].slug}),
    }


def test_feed_urls_have_the_documented_addresses():
    assert reverse("feeds:latest-rss") == "/feeds/latest.rss"
    assert reverse("feeds:latest-atom") == "/feeds/latest.atom"
    assert reverse("feeds:section-rss", kwargs={"slug": "news"}) == "/feeds/section/news.rss"
    assert reverse("feeds:tag-atom", kwargs={"slug": "space"}) == "/feeds/tag/space.atom"
    assert reverse("feeds:author-rss", kwargs={"slug": "amara"}) == "/feeds/author/amara.rss"


@pytest.mark.parametrize("kind", FEED_NAMES)
@pytest.mark.parametrize("subject", ["latest", "section", "tag", "author"])
def test_feed_lists_only_the_published_story_with_full_content(client, newsroom, kind, subject):
    story = newsroom["story"]
    parsed = fetch(client, feed_urls(newsroom, kind)[subject])

    assert [entry.title for entry in parsed.entries] == ["Council <approves> budget & tram line"]
    entry = parsed.entries[0]
    assert entry.link == f"http://testserver/articles/{story.slug}/"
    assert entry.id == entry.link
    assert entry.summary == "The vote was close."
    body = entry.content[0].value
    assert "<strong>approved</strong>" in body
    assert "<script" not in story.body_html and "<script" not in body
    assert [author.name for author in entry.authors] == ["Amara Okafor", "Jonas Lindqvist"]
    assert {tag.term for tag in entry.tags} == {"Politics", "Elections", "Housing & Homes"}
    assert entry.published_parsed[:6] == story.published_at.utctimetuple()[:6]
    if kind == "atom":
        assert entry.updated_parsed[:6] >= entry.published_parsed[:6]


def test_atom_entries_link_each_author_to_their_page(client, newsroom):
    entry = fetch(client, reverse("feeds:latest-atom")).entries[0]
    assert [author.href for author in entry.authors] == [
        f"http://testserver/author/{newsroom['lead'].slug}/",
        f"http://testserver/author/{newsroom['second'].slug}/",
    ]


@pytest.mark.parametrize("kind", FEED_NAMES)
def test_feed_titles_name_the_subject(client, newsroom, kind, settings):
    settings.SITE_NAME = "The Harbour Gazette"
    urls = feed_urls(newsroom, kind)
    titles = {subject: fetch(client, url).feed.title for subject, url in urls.items()}
    assert titles == {
        "latest": "The Harbour Gazette",
        "section": "Politics – The Harbour Gazette",
        "tag": "Stories tagged “Elections” – The Harbour Gazette",
        "author": "Amara Okafor – The Harbour Gazette",
    }


@pytest.mark.parametrize("kind", FEED_NAMES)
def test_feed_links_use_site_url_not_the_request_host(client, newsroom, kind, settings):
    settings.SITE_URL = "https://news.example.com"
    parsed = fetch(client, reverse(f"feeds:latest-{kind}"), HTTP_HOST="127.0.0.1")
    assert parsed.feed.link == "https://news.example.com/"
    assert parsed.entries[0].link.startswith("https://news.example.com/articles/")
    self_links = [link.href for link in parsed.feed.links if link.rel == "self"]
    assert self_links == [f"https://news.example.com/feeds/latest.{kind}"]


@pytest.mark.parametrize("kind", FEED_NAMES)
def test_feed_carries_the_featured_image_rendition(client, kind):
    ArticleFactory(
        published=True,
        featured_image=image_upload("harbour.png", size=(1600, 900)),
        featured_image_alt="The harbour at dawn",
        featured_image_credit="Photo: Lena Berg",
    )
    entry = fetch(client, reverse(f"feeds:latest-{kind}")).entries[0]
    [image] = entry.media_content
    assert image["url"].startswith("http://testserver/media/renditions/")
    assert image["url"].endswith(".webp")
    assert (image["medium"], image["width"], image["height"]) == ("image", "960", "540")
    assert entry.media_credit[0]["content"] == "Photo: Lena Berg"


def test_feed_image_is_never_wider_than_the_original(client):
    ArticleFactory(
        published=True,
        featured_image=image_upload("harbour.png", size=(640, 480)),
        featured_image_alt="Small",
    )
    [image] = fetch(client, reverse("feeds:latest-rss")).entries[0].media_content
    assert (image["width"], image["height"]) == ("640", "480")


def test_feed_lists_newest_first_and_at_most_twenty(client):
    for hours in range(25):
        ArticleFactory(title=f"Story {hours}", published_ago=timedelta(hours=hours + 1))
    titles = [entry.title for entry in fetch(client, reverse("feeds:latest-rss")).entries]
    assert titles == [f"Story {hours}" for hours in range(20)]


def test_section_feed_leaves_out_other_sections(client, newsroom):
    ArticleFactory(published=True, title="Cup final tonight", section=SectionFactory(slug="sport"))
    politics = fetch(client, reverse("feeds:section-rss", kwargs={"slug": "politics"}))
    sport = fetch(client, reverse("feeds:section-rss", kwargs={"slug": "sport"}))
    assert [entry.title for entry in sport.entries] == ["Cup final tonight"]
    assert "Cup final tonight" not in [entry.title for entry in politics.entries]


def test_author_feed_of_a_newsroom_member_without_stories_is_empty(client, author):
    parsed = fetch(client, reverse("feeds:author-atom", kwargs={"slug": author.slug}))
    assert parsed.entries == []


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/section/no-such-section.rss",
        "/feeds/section/no-such-section.atom",
        "/feeds/tag/no-such-tag.rss",
        "/feeds/tag/no-such-tag.atom",
        "/feeds/author/no-such-author.rss",
        "/feeds/author/no-such-author.atom",
        "/feeds/latest.rss/",
        "/feeds/latest.rssjunk",
        "/feeds/latest.rss.rss",
        "/feeds/latest.json",
        "/feeds/section/politics.rss/extra",
        "/feeds/section/politics.rss.atom",
        "/feeds/tag/%E2%98%83.rss",
        "/feeds/author/../latest.rss",
        "/feeds/section/.rss",
    ],
)
def test_unknown_feeds_are_not_found(client, newsroom, url):
    assert client.get(url).status_code == 404


def test_reader_accounts_have_no_author_feed(client):
    reader = UserFactory()
    assert client.get(reverse("feeds:author-rss", kwargs={"slug": reader.slug})).status_code == 404


def test_feeds_refuse_posts(client, newsroom):
    assert client.post(reverse("feeds:latest-rss")).status_code == 405


@pytest.mark.parametrize("count", [3, 60])
@pytest.mark.parametrize("kind", FEED_NAMES)
def test_feeds_run_the_same_few_queries_however_many_stories(
    client, django_assert_max_num_queries, count, kind
):
    section = SectionFactory(slug="politics")
    tags = [TagFactory() for _ in range(4)]
    authors = [UserFactory(role="Author") for _ in range(3)]
    for _ in range(count):
        ArticleFactory(published=True, section=section, authors=authors, tags=tags)
    newsroom = {"section": section, "tags": tags, "lead": authors[0]}
    for url in feed_urls(newsroom, kind).values():
        with django_assert_max_num_queries(MAX_QUERIES):
            parsed = fetch(client, url)
        assert len(parsed.entries) == min(count, 20)
        assert len(parsed.entries[0].authors) == 3
        assert len(parsed.entries[0].tags) == 5


def test_a_cached_feed_costs_no_queries(client, newsroom, django_assert_num_queries):
    first = client.get(reverse("feeds:tag-rss", kwargs={"slug": "elections"}))
    with django_assert_num_queries(0):
        again = client.get(reverse("feeds:tag-rss", kwargs={"slug": "elections"}))
    assert again.content == first.content


def test_publishing_shows_up_in_a_cached_feed_at_once(
    client, newsroom, django_capture_on_commit_callbacks
):
    assert len(fetch(client, reverse("feeds:latest-atom")).entries) == 1
    draft = newsroom["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Article.Status.PUBLISHED
        draft.save()
    titles = [entry.title for entry in fetch(client, reverse("feeds:latest-atom")).entries]
    assert titles[0] == "Secret draft"


def test_unpublishing_changes_the_etag(client, newsroom, django_capture_on_commit_callbacks):
    url = reverse("feeds:latest-rss")
    etag = client.get(url)["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        newsroom["story"].status = Article.Status.DRAFT
        newsroom["story"].save()
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert feedparser.parse(response.content).entries == []


@pytest.mark.parametrize("kind", FEED_NAMES)
def test_feed_answers_a_conditional_get_with_not_modified(client, newsroom, kind):
    url = reverse(f"feeds:section-{kind}", kwargs={"slug": "politics"})
    first = client.get(url)
    assert first["ETag"]
    assert "max-age" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_signed_in_editor_gets_a_fresh_feed(client_for, editor, newsroom):
    client = client_for(editor)
    response = client.get(reverse("feeds:latest-rss"))
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]
    assert [e.title for e in feedparser.parse(response.content).entries] == [
        "Council <approves> budget & tram line"
    ]


@pytest.mark.parametrize("kind", FEED_NAMES)
def test_control_characters_pasted_into_a_story_do_not_break_the_feed(client, kind):
    writer = UserFactory(role="Author", display_name="Amara\x01 Okafor")
    ArticleFactory(
        published=True,
        title="Budget\x0b vote",
        standfirst="Close\x0c call",
        body="Para\x1fgraph",
        section=SectionFactory(name="Poli\x08tics"),
        authors=[writer],
        tags=[TagFactory(name="Elec\x02tions")],
    )
    entry = fetch(client, reverse(f"feeds:latest-{kind}")).entries[0]
    assert entry.title == "Budget vote"
    assert entry.summary == "Close call"
    assert "Paragraph" in entry.content[0].value
    assert entry.authors[0].name == "Amara Okafor"
    assert {tag.term for tag in entry.tags} == {"Politics", "Elections"}
