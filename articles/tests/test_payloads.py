"""Hostile text in every writable field reaches every output escaped or sanitised.

The payloads and the parsers live in articles/tests/payloads.py; the same
newsroom is rendered in Chromium by tests/browser/test_payloads.py.
"""

import re

import feedparser
import pytest
import reversion
from django.core import mail
from django.urls import reverse

from articles import feeds, search
from articles.markdown import render_markdown
from articles.models import Correction
from articles.tests.factories import ArticleFactory
from articles.views import clean_query

from .payloads import (
    PAYLOADS,
    build_newsroom,
    delete_newsroom,
    feed_fields,
    fragment_violations,
    json_ld,
    pack,
    page_violations,
    parse_html,
    parse_xml,
    text_of_html,
)

pytestmark = pytest.mark.django_db

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS_NS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@pytest.fixture(scope="module")
def hostile_newsroom(django_db_setup, django_db_blocker):
    """One published story per payload, built once for the module (about 10 s)."""
    with django_db_blocker.unblock():
        stories = build_newsroom(PAYLOADS)
        yield stories
        delete_newsroom(stories)


@pytest.fixture
def hostile(hostile_newsroom, db, monkeypatch):
    """The hostile newsroom, with feeds long enough to list every story."""
    monkeypatch.setattr(feeds, "FEED_ITEMS", len(PAYLOADS) + 1)
    return hostile_newsroom


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def feed_urls(stories):
    for kind in ("rss", "atom"):
        yield reverse(f"feeds:latest-{kind}")
        for story in stories:
            yield reverse(f"feeds:section-{kind}", kwargs={"slug": story["section"].slug})
            yield reverse(f"feeds:tag-{kind}", kwargs={"slug": story["tag"].slug})
            yield reverse(f"feeds:author-{kind}", kwargs={"slug": story["author"].slug})


def elements_text(html, tag, **attrs):
    """The text of every <tag> whose attributes include attrs."""
    return [
        text
        for name, found, text in parse_html(html).text
        if name == tag and all(found.get(k) == v for k, v in attrs.items())
    ]


def squeeze(text):
    """text without whitespace: linebreaksbr turns newlines into <br>."""
    return re.sub(r"\s", "", text)


def meta(html):
    values = {}
    for tag, attrs in parse_html(html).elements:
        attributes = dict(attrs)
        key = attributes.get("name") or attributes.get("property")
        if tag == "meta" and key:
            values[key] = attributes.get("content")
    return values


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_sanitiser_leaves_nothing_outside_its_allowlist(payload):
    assert fragment_violations(render_markdown(payload)) == []
    assert fragment_violations(render_markdown(f"Some text {payload} and more\n\n{payload}")) == []


def test_every_feed_carries_hostile_text_escaped_or_sanitised(client, hostile):
    problems = []
    for url in feed_urls(hostile):
        body = get(client, url).content
        parsed = feedparser.parse(body)
        assert parsed.bozo == 0, (url, parsed.get("bozo_exception"))
        html_fields, _text_fields = feed_fields(body)
        assert html_fields, url
        problems += [
            (url, where, violation)
            for where, value in html_fields
            for violation in fragment_violations(value)
        ]
    assert problems == []


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_feed_summaries_show_the_standfirst_as_text_and_plain_fields_stay_plain(
    client, hostile, kind
):
    body = get(client, reverse(f"feeds:latest-{kind}")).content
    root = parse_xml(body)
    stories = {story["article"].title: story for story in hostile}
    if kind == "rss":
        items = root.find("channel").findall("item")
        entries = [
            {
                "title": item.findtext("title"),
                "summary": item.findtext("description"),
                "credit": next(item.iter("{http://search.yahoo.com/mrss/}credit")).text,
                "names": [e.text for e in item.iter("{http://purl.org/dc/elements/1.1/}creator")],
                "categories": [e.text for e in item.iter("category")],
            }
            for item in items
        ]
    else:
        atom = "{http://www.w3.org/2005/Atom}"
        entries = [
            {
                "title": entry.findtext(f"{atom}title"),
                "summary": entry.findtext(f"{atom}summary"),
                "credit": next(entry.iter("{http://search.yahoo.com/mrss/}credit")).text,
                "names": [e.text for e in entry.iter(f"{atom}name")],
                "categories": [e.get("term") for e in entry.iter(f"{atom}category")],
            }
            for entry in root.iter(f"{atom}entry")
        ]
    assert sorted(entry["title"] for entry in entries) == sorted(stories)
    for entry in entries:
        story = stories[entry["title"]]
        article = story["article"]
        # HTML-typed: the reader shows exactly the standfirst, with no element at all.
        assert text_of_html(entry["summary"]) == article.standfirst
        assert parse_html(entry["summary"]).elements == []
        # Text-typed: the writer's text itself, not escaped twice.
        assert entry["credit"] == article.featured_image_credit
        assert story["author"].byline in entry["names"]
        assert set(entry["categories"]) == {story["section"].name, story["tag"].name}


@pytest.mark.parametrize("kind", ["rss", "atom"])
def test_a_hostile_section_description_is_text_in_the_section_feed(client, hostile, kind):
    for story in hostile:
        section = story["section"]
        url = reverse(f"feeds:section-{kind}", kwargs={"slug": section.slug})
        root = parse_xml(get(client, url).content)
        if kind == "rss":
            description = root.find("channel").findtext("description")
            assert text_of_html(description) == section.description
            assert parse_html(description).elements == []
            assert root.find("channel").findtext("title").startswith(section.name)
        else:
            atom = "{http://www.w3.org/2005/Atom}"
            subtitle = root.find(f"{atom}subtitle")
            assert subtitle.get("type", "text") == "text"
            assert subtitle.text == section.description
            assert root.findtext(f"{atom}title").startswith(section.name)


def test_the_feed_description_field_is_escaped_even_for_the_site_feed(client, hostile):
    # The channel description is HTML: the site's own text reaches it escaped too.
    root = parse_xml(get(client, reverse("feeds:latest-rss")).content)
    description = root.find("channel").findtext("description")
    assert fragment_violations(description) == []


def test_sitemaps_carry_hostile_titles_as_plain_text(client, hostile, settings):
    index = parse_xml(get(client, reverse("feeds:sitemap")).content)
    locations = [loc.text for loc in index.iter(f"{SITEMAP_NS}loc")]
    news_titles = []
    for location in locations:
        assert location.startswith(settings.SITE_URL), location
        root = parse_xml(get(client, location.removeprefix(settings.SITE_URL)).content)
        for loc in root.iter(f"{SITEMAP_NS}loc"):
            assert loc.text.startswith(settings.SITE_URL)
            assert not set(loc.text) & set("<>\"' "), loc.text
        news_titles += [title.text for title in root.iter(f"{NEWS_NS}title")]
    assert sorted(news_titles) == sorted(story["article"].title for story in hostile)


def test_public_pages_show_hostile_text_as_text(client, hostile):
    pages = [reverse("articles:home"), "/no-such-page/"]
    for story in hostile:
        pages += [
            story["section"].get_absolute_url(),
            story["tag"].get_absolute_url(),
            story["author"].get_absolute_url(),
        ]
    problems = []
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        problems += [(url, v) for v in page_violations(response.content.decode())]
    assert problems == []


def test_article_pages_show_every_field_as_text(client, hostile):
    problems = []
    for story in hostile:
        article, text = story["article"], story["text"]
        html = get(client, article.get_absolute_url()).content.decode()
        problems += [(article.title, v) for v in page_violations(html)]
        assert elements_text(html, "h1") == [article.title]
        assert elements_text(html, "title")[0].startswith(article.seo_title)
        assert text in elements_text(html, "p", **{"class": "story__standfirst"})
        tags = meta(html)
        assert tags["description"] == article.seo_description
        assert tags["og:title"] == article.seo_title
        assert tags["og:image:alt"] == article.featured_image_alt
        assert tags["article:section"] == story["section"].name
        assert tags["article:tag"] == story["tag"].name
        figcaption = elements_text(html, "figcaption")[0]
        assert figcaption.startswith(article.featured_image_caption)
        assert figcaption.endswith(article.featured_image_credit)
        alts = [dict(a).get("alt") for t, a in parse_html(html).elements if t == "img"]
        assert article.featured_image_alt in alts
        corrections = "".join(elements_text(html, "aside"))
        assert squeeze(text) in squeeze(corrections), "the correction note"
        (data,) = json_ld(html)
        assert data["headline"] == article.title[:110]
        assert data["description"] == article.seo_description
        assert data["author"][0]["name"] == story["author"].byline
        assert data["articleSection"] == story["section"].name
    assert problems == []


def test_search_shows_hostile_queries_as_text(client, hostile):
    problems = []
    for payload in PAYLOADS:
        response = client.get(reverse("articles:search"), {"q": payload})
        assert response.status_code == 200, payload
        html = response.content.decode()
        problems += [(payload, v) for v in page_violations(html)]
        query = clean_query(payload)
        assert elements_text(html, "h1") == [f"Results for “{query}”"]
        values = [dict(a).get("value") for t, a in parse_html(html).elements if t == "input"]
        assert query in values
    assert problems == []


def snippet_problems(snippet):
    """Anything in a search snippet but text and our own bare <mark> elements."""
    problems = [f"comment {c}" for c in parse_html(snippet).comments]
    for tag, attrs in parse_html(snippet).elements:
        if tag != "mark" or attrs:
            problems.append(f"<{tag} {attrs}>")
    return problems


def test_search_snippets_and_their_highlighting_keep_hostile_text_as_text(client, hostile):
    search.update([story["article"].pk for story in hostile])  # the module's stories
    snippets, problems = [], []
    for page in range(1, 11):
        response = client.get(reverse("articles:search"), {"q": "paragraph", "page": page})
        if response.status_code == 404:
            break
        problems += page_violations(response.text)
        snippets += re.findall(r'<p class="search-snippet">(.*?)</p>', response.text, re.S)
    assert len(snippets) == len(hostile)
    assert all("<mark>paragraph</mark>" in snippet for snippet in snippets)
    problems += [p for snippet in snippets for p in snippet_problems(snippet)]
    # Every word of a payload highlighted: the marks wrap hostile words, never open them.
    for payload in PAYLOADS:
        marked = search.snippet(f"A paragraph: {payload}", re.findall(r"\w+", payload))
        problems += [(payload, p) for p in snippet_problems(marked)]
    assert problems == []


def _packed_story_with_two_versions(text, story):
    """A story carrying text in every field, saved as a hostile and a plain revision."""
    fields = {
        "title": text,
        "standfirst": text,
        "body": "\n\n".join([text, *text.split(" ")]),
        "meta_title": text,
        "meta_description": text,
        "featured_image_alt": text,
        "featured_image_caption": text,
        "featured_image_credit": text,
    }
    with reversion.create_revision():
        article = ArticleFactory(
            published=True,
            featured_image=story["article"].featured_image.name,
            section=story["section"],
            tags=[story["tag"]],
            authors=[story["author"]],
            **fields,
        )
        Correction.objects.create(article=article, note=text)
        article.save()
        reversion.set_comment(f"Added byline “{text}”.")
    for name in fields:
        setattr(article, name, "Plain")
    with reversion.create_revision():
        article.save()
        # The admin writes each changed inline object's name into the comment.
        reversion.set_comment(f"Changed byline “{text}”.")
    return article


def test_admin_pages_show_hostile_text_as_text(admin_client, admin_user, hostile):
    from django.contrib.admin.models import CHANGE, LogEntry
    from reversion.models import Version

    pages = [
        reverse("admin:index"),
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_changelist") + "?q=script",
        reverse("admin:articles_section_changelist"),
        reverse("admin:articles_tag_changelist"),
        reverse("admin:accounts_user_changelist"),
    ]
    # Every article field holds up to 150 characters (the credit's limit): pack the
    # payloads into as few stories as that allows, so the admin loads few pages.
    for text, story in zip(pack(PAYLOADS, 150), hostile, strict=False):
        article = _packed_story_with_two_versions(text, story)
        first, second = (
            Version.objects.get_for_object(article).order_by("pk").values_list("pk", flat=True)
        )
        # "Recent actions" on the admin's index names the story and its change.
        LogEntry.objects.log_actions(
            admin_user.pk, [article], CHANGE, f"Changed byline “{text}”.", single_object=True
        )
        pages += [
            reverse("admin:articles_article_change", args=[article.pk]),
            reverse("admin:articles_article_history", args=[article.pk]),
            reverse("admin:articles_article_compare", args=[article.pk])
            + f"?version_id1={first}&version_id2={second}",
        ]
    for story in hostile[:3]:
        pages += [
            reverse("admin:articles_section_change", args=[story["section"].pk]),
            reverse("admin:articles_tag_change", args=[story["tag"].pk]),
            reverse("admin:accounts_user_change", args=[story["author"].pk]),
        ]
    problems = []
    for url in pages:
        html = get(admin_client, url).content.decode()
        problems += [(url, v) for v in page_violations(html, admin=True)]
    assert problems == []


def test_a_signed_up_reader_with_a_hostile_name_is_text_in_the_admin(client, admin_client):
    payload = PAYLOADS[8]  # <img src=x onerror=…>
    response = client.post(
        reverse("accounts:signup"),
        {
            "username": "hostile-reader",
            "display_name": payload,
            "email": "hostile@example.com",
            "password1": "a-long-enough-passphrase-42",
            "password2": "a-long-enough-passphrase-42",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    html = get(admin_client, reverse("admin:accounts_user_changelist")).content.decode()
    assert page_violations(html, admin=True) == []
    assert payload in "".join(elements_text(html, "td"))


def test_mails_to_writers_are_plain_text(
    client, hostile, django_capture_on_commit_callbacks, deliver_mail
):
    author = hostile[8]["author"]
    signup = {
        "username": "hostile-reader",
        "display_name": PAYLOADS[8],
        "email": "hostile@example.com",
        "password1": "a-long-enough-passphrase-42",
        "password2": "a-long-enough-passphrase-42",
    }
    with django_capture_on_commit_callbacks(execute=True):
        reset = client.post(reverse("accounts:password_reset"), {"email": author.email})
        joined = client.post(reverse("accounts:signup"), signup)
        taken = client.post(reverse("accounts:signup"), {**signup, "username": "another"})
    assert (reset.status_code, joined.status_code, taken.status_code) == (302, 302, 302)
    deliver_mail()
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        # Plain text only: a name or bio could never become markup in a mail client.
        assert message.content_subtype == "plain"
        assert getattr(message, "alternatives", []) == []
        assert "<" not in message.subject and "<" not in message.body
