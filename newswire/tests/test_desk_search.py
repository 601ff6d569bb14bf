"""The newswire desk's search box on the search engine (articles.search, collection ITEMS):
on SQLite the FTS5 table, on MariaDB the session's own searchd (conftest.py).

Items reach the index after their commit, whichever way they are written (a poll's
bulk insert, an update in place, a save), and leave it when pruned; the nightly
reconcile repairs a write the engine missed; the list's query count does not grow
with the items; with the engine stopped the desk opens without its search.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import search
from articles.tests.test_search_faults import engine_stopped
from newswire import admin as newswire_admin
from newswire.models import Item, Source
from newswire.tasks import poll_source, prune_items
from newswire.tests.conftest import rss

# The production engine is written after the commit, so these tests commit;
# serialized_rollback restores the newsroom roles the flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESK = "/admin/newswire/item/"


def listed(client, query):
    """Headlines the desk lists for this search, in order."""
    response = client.get(DESK, {"q": query})
    assert response.status_code == 200
    return re.findall(r"<strong>([^<]+)</strong><br>", response.text)


def item(source, n, **fields):
    fields.setdefault("summary", "Wire copy.")
    return Item.objects.create(
        source=source, guid=str(n), guid_hash=str(n), text_hash=str(n), **fields
    )


@pytest.fixture
def source():
    return Source.objects.create(name="Wire", feed_url="https://wire.example/rss")


def test_the_desk_finds_items_by_headline_summary_and_author_newest_first(admin_client, source):
    now = timezone.now()
    item(source, 1, title="Volcano erupts", summary="Ash over the valley.", first_seen_at=now)
    item(source, 2, title="Flights cancelled", summary="Volcano ash closes airports.",
         authors="Ines Volk", first_seen_at=now + timedelta(minutes=1))  # fmt: skip
    item(source, 3, title="Council budget", summary="Rates rise.", first_seen_at=now)
    assert listed(admin_client, "volcano") == ["Flights cancelled", "Volcano erupts"]
    assert listed(admin_client, "volk") == ["Flights cancelled"]
    assert listed(admin_client, '"ash closes"') == ["Flights cancelled"]
    assert listed(admin_client, "volcano valley") == ["Volcano erupts"]
    # The desk's filters narrow the engine's matches.
    Item.objects.filter(title="Volcano erupts").update(status=Item.Status.DISMISSED)
    response = admin_client.get(DESK, {"q": "volcano", "status__exact": "dismissed"})
    assert re.findall(r"<strong>([^<]+)</strong><br>", response.text) == ["Volcano erupts"]


def test_the_desk_finds_word_forms_of_headline_and_summary_words(admin_client, source):
    now = timezone.now()
    item(source, 1, title="Rivers flooded", summary="Towns evacuated.", first_seen_at=now)
    item(source, 2, title="Polls open", summary="Two elections today.", first_seen_at=now)
    item(source, 3, title="Council budget", summary="Rates rise.", first_seen_at=now)
    assert listed(admin_client, "flooding") == ["Rivers flooded"]
    assert listed(admin_client, "election") == ["Polls open"]
    assert listed(admin_client, '"river floods"') == ["Rivers flooded"]
    assert listed(admin_client, "towns -flood") == []


def test_polled_items_are_found_and_a_changed_headline_replaces_the_old(admin_client, feed_server):
    feed = [("w-1", "Storm reaches the coast", "https://wire.example/1", "Gales expected.")]
    url = feed_server.add("/wire", rss(feed), conditional=False)
    source = Source.objects.create(name="Wire", feed_url=url)
    assert poll_source(source.pk, force=True).counts == {"new": 1}  # a bulk insert
    assert listed(admin_client, "storm") == ["Storm reaches the coast"]
    feed = [("w-1", "Hurricane reaches the coast", "https://wire.example/1", "Gales now.")]
    feed_server.add("/wire", rss(feed), conditional=False)
    assert poll_source(source.pk, force=True).counts == {"updated": 1}  # a save in place
    assert listed(admin_client, "hurricane") == ["Hurricane reaches the coast"]
    assert listed(admin_client, "storm") == []
    assert listed(admin_client, "gales") == ["Hurricane reaches the coast"]


def test_pruned_items_leave_the_index(admin_client, source):
    old = timezone.now() - timedelta(days=400)
    item(source, 1, title="Harbour reopens", first_seen_at=old)
    item(source, 2, title="Harbour closes", first_seen_at=timezone.now())
    assert len(listed(admin_client, "harbour")) == 2
    assert prune_items(days=30) == 1
    assert search.search("harbour", collection=search.ITEMS).total == 1
    assert listed(admin_client, "harbour") == ["Harbour closes"]


def test_a_status_change_does_not_rewrite_the_index(source, monkeypatch):
    story = item(source, 1, title="Harbour reopens")
    written = []
    monkeypatch.setattr(search, "_write", lambda collection, ids: written.append(ids))
    story.status = Item.Status.DISMISSED
    story.save(update_fields=["status"])
    story.title = "Harbour reopens at last"
    story.save(update_fields=["title"])
    assert written == [[story.pk]]


def test_reconcile_repairs_the_items_index(source):
    kept, lost = item(source, 1, title="Kept wire"), item(source, 2, title="Lost wire")
    search.backend()._delete(search.ITEMS, [lost.pk])  # a write the engine missed
    missing, _, extra = search.reconcile(search.ITEMS)
    assert (missing, extra) == ([lost.pk], [])
    assert search.search("wire", collection=search.ITEMS, order="newest").total == 2
    assert search.reconcile(search.ITEMS) == ([], [], [])
    assert kept.pk in search.search("kept", collection=search.ITEMS).ids


def test_the_desk_search_runs_as_many_queries_at_30_items_as_at_3(
    admin_client, source, monkeypatch
):
    monkeypatch.setattr(newswire_admin.DeskAdmin, "list_per_page", 2)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = admin_client.get(DESK, {"q": "harbour", "p": "2"})
        assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    for n in range(3):
        item(source, n, title=f"Harbour news {n}", content="<p>Long text.</p>")
    few = queries()
    for n in range(3, 30):
        item(source, n, title=f"Harbour news {n}", content="<p>Long text.</p>")
    many = queries()
    assert len(many) == len(few)
    # No LIKE over the text: the engine found the rows, the database reads them by id.
    assert not any("LIKE" in sql.upper() for sql in many), many


def test_with_the_engine_stopped_the_desk_opens_unsearched_and_says_so(
    admin_client, source, _search_engine
):
    item(source, 1, title="Harbour reopens")
    item(source, 2, title="Council budget")
    with engine_stopped(_search_engine):
        response = admin_client.get(DESK, {"q": "harbour"})
        assert response.status_code == 200
        assert "Search is unavailable right now: the list shows every newswire item" in (
            response.text
        )
        assert "Council budget" in response.text
    assert listed(admin_client, "harbour") == ["Harbour reopens"]
