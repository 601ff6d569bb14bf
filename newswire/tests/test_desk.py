"""The desk and drafts over HTTP, by role: what each newsroom member can see and do."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Section
from newswire.models import DraftSource, Item, Source
from newswire.tests.conftest import feed_file

pytestmark = pytest.mark.django_db

DESK = "/admin/newswire/item/"
SOURCES = "/admin/newswire/source/"


def _item(source, n, **kwargs):
    fields = {
        "guid": f"{source.pk}-{n}",
        "guid_hash": f"{source.pk}-{n}",
        "url": f"https://{source.name.lower()}.example/{n}",
        "title": f"{source.name} story {n}",
        "summary": f"What {source.name} says about story {n}.",
        "text_hash": f"{source.pk}-{n}",
        "language": "en",
    }
    fields.update(kwargs)
    return Item.objects.create(source=source, **fields)


@pytest.fixture
def wire():
    """Three sources, one per rights level, each with one item on the same story."""
    section = Section.objects.create(name="World", slug="world")
    headline = Source.objects.create(
        name="Headliner", feed_url="https://headliner.example/rss", section=section
    )
    summary = Source.objects.create(
        name="Summariser", feed_url="https://summariser.example/rss", rights="summary"
    )
    full = Source.objects.create(name="Wire", feed_url="https://wire.example/rss", rights="full")
    now = timezone.now()
    return {
        "section": section,
        "headline": _item(headline, 1, title="Volcano erupts in Iceland", first_seen_at=now),
        "summary": _item(summary, 1, first_seen_at=now + timedelta(seconds=1)),
        "full": _item(
            full,
            1,
            content="<p>Licensed paragraph one.</p><p>Licensed paragraph two.</p>",
            first_seen_at=now + timedelta(seconds=2),
        ),
    }


def _act(client, action, items, url=DESK):
    return client.post(
        url, {"action": action, "_selected_action": [i.pk for i in items], "index": 0}
    )


# --- Who sees what ------------------------------------------------------------------------


def test_contributors_see_nothing_of_the_newswire(client_for, contributor, wire):
    client = client_for(contributor)
    assert client.get(DESK).status_code == 403
    assert client.get(SOURCES).status_code == 403
    assert client.get(f"{DESK}{wire['summary'].pk}/change/").status_code == 403
    assert _act(client, "make_draft", [wire["summary"]]).status_code == 403
    assert not Article.objects.exists()
    assert "Newswire" not in client.get("/admin/").content.decode()


def test_authors_see_the_desk_but_not_the_sources(client_for, author, wire):
    client = client_for(author)
    page = client.get(DESK)
    assert page.status_code == 200
    assert "Volcano erupts in Iceland" in page.content.decode()
    assert client.get(SOURCES).status_code == 403
    assert client.get(f"{SOURCES}add/").status_code == 403
    response = client.post(f"{SOURCES}add/", {"feed_url": "https://x.example/rss"})
    assert response.status_code == 403 and not Source.objects.filter(feed_url__contains="x.ex")


def test_an_author_can_make_a_draft_and_owns_it(client_for, author, wire):
    response = _act(client_for(author), "make_draft", [wire["summary"]])
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/articles/article/{article.pk}/change/"
    assert list(article.authors.all()) == [author]


def test_editors_manage_sources_with_their_health(client_for, editor, wire):
    Source.objects.filter(name="Wire").update(
        last_error="HTTP 404 Not Found", last_success_at=timezone.now() - timedelta(days=3)
    )
    page = client_for(editor).get(SOURCES).content.decode()
    for text in ("Headliner", "HTTP 404 Not Found", "Items in 24 h", "Stale"):
        assert text in page


def test_sources_are_added_by_url_and_named_from_the_feed(client_for, editor, feed_server):
    url = feed_server.add("/ar", feed_file("rss1_ar.rdf"))
    response = client_for(editor).post(
        f"{SOURCES}add/",
        {"feed_url": url, "rights": "headline", "poll_minutes": 10, "stale_after_hours": 24,
         "enabled": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    source = Source.objects.get()
    assert source.name == "أخبار اليوم" and source.site_url == "https://akhbar.example/"


def test_a_feed_that_cannot_be_read_gets_a_clear_answer(client_for, editor, feed_server):
    response = client_for(editor).post(
        f"{SOURCES}add/",
        {"feed_url": feed_server.url("/missing"), "rights": "headline", "poll_minutes": 10,
         "stale_after_hours": 24},
    )  # fmt: skip
    assert response.status_code == 200
    assert "Could not read the feed: HTTP 404" in response.content.decode()
    assert not Source.objects.exists()


def test_check_now_polls_in_the_worker_and_the_list_shows_the_result(
    client_for, editor, feed_server, django_capture_on_commit_callbacks, monkeypatch
):
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    # The worker runs inside the test's transaction: it must keep the connection.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    good = Source.objects.create(
        name="JA", feed_url=feed_server.add("/ja", feed_file("atom_ja.xml"))
    )
    gone = Source.objects.create(name="Gone", feed_url=feed_server.url("/missing"))
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(client_for(editor), "check_now", [good, gone], url=SOURCES)
    assert response.status_code == 302
    page = client_for(editor).get(SOURCES).content.decode()
    assert "Checking 2 source(s) in the background" in page
    assert good.items.count() == 0  # nothing was fetched in the request
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0", verbosity=0)
    assert good.items.count() == 2
    gone.refresh_from_db()
    assert "404" in gone.last_error
    page = client_for(editor).get(SOURCES).content.decode()
    assert "HTTP 404" in page


def test_check_now_answers_at_once_when_the_feed_server_never_does(
    client_for, editor, django_capture_on_commit_callbacks
):
    import socket
    import time

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)  # accepts connections and never answers
    try:
        port = listener.getsockname()[1]
        source = Source.objects.create(name="Silent", feed_url=f"http://127.0.0.1:{port}/feed")
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = _act(client_for(editor), "check_now", [source], url=SOURCES)
        assert response.status_code == 302
        assert time.monotonic() - started < 2  # the fetch timeout here is 5 s
    finally:
        listener.close()


# --- The desk --------------------------------------------------------------------------------


def test_the_desk_lists_newest_first_with_source_time_and_link(client_for, editor, wire):
    page = client_for(editor).get(DESK).content.decode()
    titles = [wire["full"].title, wire["summary"].title, wire["headline"].title]
    positions = [page.index(t) for t in titles]
    assert positions == sorted(positions)
    assert 'href="https://headliner.example/1"' in page and "Headliner" in page


@pytest.mark.parametrize(
    "query, expected",
    [
        ("status__exact=used", set()),
        ("language=fr", {"Bonjour"}),
        ("age=1h", {"Volcano erupts in Iceland", "Summariser story 1", "Wire story 1"}),
    ],
)
def test_the_desk_filters(client_for, editor, wire, query, expected):
    """(Its search box: test_desk_search.py, which commits for the engine.)"""
    _item(wire["full"].source, 9, title="Bonjour", language="fr",
          first_seen_at=timezone.now() - timedelta(days=2))  # fmt: skip
    page = client_for(editor).get(f"{DESK}?{query}").content.decode()
    shown = {t for t in ("Volcano erupts in Iceland", "Summariser story 1", "Wire story 1",
                         "Bonjour") if f">{t}<" in page}  # fmt: skip
    assert shown == expected


def test_the_desk_filters_by_source_and_section(client_for, editor, wire):
    client = client_for(editor)
    page = client.get(f"{DESK}?source__id__exact={wire['full'].source_id}").content.decode()
    assert "Wire story 1" in page and "Volcano" not in page
    page = client.get(f"{DESK}?source__section__id__exact={wire['section'].pk}").content.decode()
    assert "Volcano" in page and "Wire story 1" not in page


def test_dismiss_and_mark_as_duplicate(client_for, editor, wire):
    client = client_for(editor)
    _act(client, "dismiss", [wire["full"]])
    _act(client, "mark_duplicate", [wire["headline"], wire["summary"]])
    statuses = dict(Item.objects.values_list("pk", "status"))
    assert statuses[wire["full"].pk] == "dismissed"
    assert statuses[wire["summary"].pk] == "duplicate"
    assert Item.objects.get(pk=wire["summary"].pk).duplicate_of == wire["headline"]
    response = _act(client, "mark_duplicate", [wire["headline"]])
    assert "Select the original and at least one duplicate." in client.get(DESK).content.decode()
    assert response.status_code == 302


# --- Drafts ----------------------------------------------------------------------------------


def test_a_draft_from_several_sources_uses_only_what_rights_allow(client_for, editor, wire):
    response = _act(client_for(editor), "make_draft", list(wire.values())[1:])
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert list(article.authors.all()) == [editor]
    assert article.title == "Volcano erupts in Iceland"  # the first source's, to be rewritten
    assert article.section == wire["section"]
    body = article.body
    # Headline-only: a linked headline, never its summary.
    assert "[Volcano erupts in Iceland](https://headliner.example/1)" in body
    assert "What Headliner says" not in body and "What Headliner says" not in article.standfirst
    # Summary rights: the summary's first sentence is the standfirst, attributed, and is not
    # said again in the body.
    assert article.standfirst == "What Summariser says about story 1. (Summariser)"
    assert "What Summariser says" not in body
    assert "Source: [Summariser](https://summariser.example/1)" in body
    # Full rights: the licensed text.
    assert "> Licensed paragraph one." in body and "> Licensed paragraph two." in body
    assert "## Sources" not in body  # listed once, under the story, from the provenance rows
    assert "<blockquote>" in article.body_html
    links = list(DraftSource.objects.filter(article=article).values_list("source_name", "url"))
    assert links == [
        ("Headliner", "https://headliner.example/1"),
        ("Summariser", "https://summariser.example/1"),
        ("Wire", "https://wire.example/1"),
    ]
    assert set(Item.objects.values_list("status", flat=True)) == {"used"}


def test_feed_text_cannot_inject_markdown_links_or_html(client_for, editor, wire):
    wire[
        "summary"
    ].summary = 'A lead. Click [here](javascript:alert(1)) <img src=x onerror="alert(1)">'
    wire["summary"].save()
    _act(client_for(editor), "make_draft", [wire["summary"]])
    html = Article.objects.get().body_html
    assert 'href="javascript' not in html and "<img" not in html
    assert "Click [here](javascript:alert(1)) &lt;img src=x" in html  # shown as typed


def test_the_prepublish_check_warns_while_the_headline_is_the_sources(client_for, editor, wire):
    client = client_for(editor)
    _act(client, "make_draft", [wire["headline"]])
    article = Article.objects.get()
    url = f"/admin/articles/article/{article.pk}/change/"
    warning = "The headline is still the headline of Headliner"
    assert warning in client.get(url).content.decode()
    article.title = "Iceland's volcano wakes: what we know"
    article.save()
    assert warning not in client.get(url).content.decode()
    assert article.prepublish_warnings() == [
        w for w in article.prepublish_warnings() if "headline" not in w
    ]


def test_readers_see_the_sources_and_json_ld_cites_them(client, client_for, editor, wire):
    _act(client_for(editor), "make_draft", [wire["headline"], wire["summary"]])
    article = Article.objects.get()
    article.title = "Volcano: the story so far"
    article.status = Article.Status.PUBLISHED
    article.save()
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert len(re.findall(r">\s*Sources\b", page)) == 1  # once: not the body's and the block's
    assert '<a href="https://headliner.example/1" rel="noopener noreferrer">' in page
    data = json.loads(re.search(r'application/ld\+json"[^>]*>(.*?)</script>', page, re.S)[1])
    assert data["isBasedOn"] == [
        {"@type": "CreativeWork", "name": "Volcano erupts in Iceland",
         "url": "https://headliner.example/1",
         "publisher": {"@type": "Organization", "name": "Headliner"}},
        {"@type": "CreativeWork", "name": "Summariser story 1",
         "url": "https://summariser.example/1",
         "publisher": {"@type": "Organization", "name": "Summariser"}},
    ]  # fmt: skip


def test_stories_not_from_the_newswire_show_no_sources(client):
    from articles.tests.factories import ArticleFactory

    article = ArticleFactory(status=Article.Status.PUBLISHED)
    page = client.get(article.get_absolute_url()).content.decode()
    assert "story__sources" not in page and "isBasedOn" not in page


# --- What the desk shows ---------------------------------------------------------------------


def test_the_desk_list_shows_a_summary_excerpt(client_for, editor, wire):
    long = "Lava reached the sea overnight and the coast road is closed. " * 6
    Item.objects.filter(pk=wire["summary"].pk).update(summary=long)
    page = client_for(editor).get(DESK).content.decode()
    assert "What Wire says about story 1." in page
    excerpt = re.search(
        r"Summariser story 1</strong><br><span class=\"desk-excerpt\">([^<]*)<", page
    )[1]
    assert excerpt.startswith("Lava reached the sea overnight") and excerpt.endswith(" …")
    assert len(excerpt) < len(long)


def test_the_item_page_shows_the_stored_text_and_context_not_hashes(client_for, editor, wire):
    from newswire.models import Cluster

    item = wire["full"]
    cluster = Cluster.objects.create(title="Iceland volcano", language="en")
    Item.objects.filter(pk=item.pk).update(
        cluster=cluster,
        content='<p>Licensed <b>paragraph</b> one.</p><script>alert("x")</script>'
        '<img src=x onerror="alert(1)">',
        text_hash="f" * 64, guid_hash="e" * 64, url_hash="d" * 64,
    )  # fmt: skip
    page = client_for(editor).get(f"{DESK}{item.pk}/change/").content.decode()
    assert "Licensed <b>paragraph</b> one." in page  # the stored text, as HTML
    assert "<script>alert" not in page and "onerror" not in page  # sanitised
    assert "What Wire says about story 1." in page  # the summary
    assert "Licensed full text" in page  # the source's rights
    assert ">Wire<" in page or "Wire (" in page or "Wire</" in page
    assert ">en<" in page  # the language
    assert f'href="/admin/newswire/cluster/{cluster.pk}/change/"' in page
    assert "Iceland volcano" in page
    for internal in ("f" * 64, "e" * 64, "d" * 64, "Guid hash", "Text hash", "Embedding"):
        assert internal not in page


def test_a_guessed_date_says_so_on_the_desk(client_for, editor, wire):
    Item.objects.filter(pk=wire["full"].pk).update(
        published_at=wire["full"].first_seen_at, published_guessed=True
    )
    page = client_for(editor).get(DESK).content.decode()
    assert page.count("(guessed: first seen)") == 1
    item_page = client_for(editor).get(f"{DESK}{wire['full'].pk}/change/").content.decode()
    assert "(guessed: first seen)" in item_page


def test_the_stale_column_marks_only_stale_sources(client_for, editor, wire):
    Source.objects.filter(name="Wire").update(
        last_new_item_at=timezone.now() - timedelta(hours=30)
    )
    Source.objects.exclude(name="Wire").update(last_new_item_at=timezone.now())
    page = client_for(editor).get(SOURCES).content.decode()
    assert page.count('class="source-stale"') == 1
    row = page.split(">Wire<")[1].split("</tr>")[0]
    assert "Stale" in row and "nothing new for over 24 h" in row
    healthy = page.split(">Headliner<")[1].split("</tr>")[0]
    assert "icon-no" not in healthy and "Stale" not in healthy
