"""`make run` shows a working desk: the demo feeds load from disk, group into events, and one
event becomes a draft; nothing is fetched, and running it again adds nothing."""

import pytest

from articles.models import Article
from newswire import demo, fetch
from newswire.models import Cluster, DraftSource, Item, Source

pytestmark = pytest.mark.django_db


def test_the_demo_newswire_fills_the_desk_without_fetching(monkeypatch, client_for, editor):
    def no_network(*args, **kwargs):
        raise AssertionError("the demo must not fetch")

    monkeypatch.setattr(fetch, "fetch", no_network)
    line = demo.seed_newswire()
    assert line.startswith("Demo newswire: 4 sources, 10 items, events grouped; draft “")
    assert Source.objects.count() == 4 and not Source.objects.filter(enabled=True).exists()
    # Ingest did its work on the demo too: one spelling per language, the repeated item folded.
    assert set(Item.objects.values_list("language", flat=True)) == {"en", "de"}
    assert Item.objects.filter(title__startswith="Youth orchestra").count() == 1
    storm = Cluster.objects.get(title__startswith="Storm closes Northport harbour")
    assert storm.size == 4  # with the German report: events are grouped across languages
    article = Article.objects.filter(newswire_links__isnull=False).distinct().get()
    assert "**Reports differ:**" in article.body and "Here is what we know" not in article.body

    again = demo.seed_newswire()
    assert again.endswith("events grouped; the demo draft exists.")
    assert (
        Item.objects.count() == 10
        and DraftSource.objects.values("article").distinct().count() == 1
    )

    client = client_for(editor)
    events = client.get("/admin/newswire/cluster/").content.decode()
    assert "Storm closes Northport harbour" in events and "Christmas market" not in events
    desk = client.get("/admin/newswire/item/").content.decode()
    assert "Seven people were injured" in desk  # the summary excerpt
    page = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Made from the newswire" in page and "Coastal Wire (demo)" in page
