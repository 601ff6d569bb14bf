"""What the desk's item and event pages and the events list tell an editor (the fresh-eyes
review in Chromium): each statement true of the row it is on."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from newswire import placing
from newswire.models import Cluster, DraftSource, Item
from newswire.tests.test_assist import CB_EN_1, CB_EN_2, make_item, make_source

pytestmark = pytest.mark.django_db

EVENTS = "/admin/newswire/cluster/"
HELP = "An editor put this item in its event"


def _event(title, items, language="en"):
    cluster = Cluster.objects.create(title=title, language=language)
    Item.objects.filter(pk__in=[item.pk for item in items]).update(cluster=cluster)
    Cluster.objects.filter(pk=cluster.pk).recount()
    cluster.refresh_from_db()
    return cluster


def _item_page(client, item):
    return client.get(f"/admin/newswire/item/{item.pk}/change/").content.decode()


def test_the_item_page_says_who_placed_the_item(client_for, editor):
    client = client_for(editor)
    machine = make_item(make_source("Wire"), CB_EN_1)
    desk = make_item(make_source("Herald"), CB_EN_2, minutes=5)
    loose = make_item(make_source("Post"), ("Unplaced", "Text."), minutes=9)
    _event("Rates", [machine, desk])
    Item.objects.filter(pk=desk.pk).update(desk_placed=True)

    page = _item_page(client, machine)
    assert "The machine: it may still move the item" in page
    assert HELP not in page and "An editor: the machine leaves it" not in page
    page = _item_page(client, desk)
    assert "An editor: the machine leaves it in this event" in page
    assert "The machine: it may still" not in page
    assert "In no event yet" in _item_page(client, loose)


def test_the_item_and_event_pages_offer_no_save_and_link_what_they_name(client_for, editor):
    client = client_for(editor)
    item = make_item(make_source("Wire"), CB_EN_1)
    other = make_item(make_source("Herald"), CB_EN_2, minutes=5)
    cluster = _event("Rates", [item, other])
    article = Article.objects.create(title="Rates rise again", slug="rates-rise-again", body="x")
    DraftSource.objects.create(article=article, item=item)
    Item.objects.filter(pk=item.pk).update(status=Item.Status.USED)

    page = _item_page(client, item)
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    assert f'href="/admin/articles/article/{article.pk}/change/">“Rates rise again”</a>' in page
    page = client.get(f"{EVENTS}{cluster.pk}/change/").content.decode()
    assert 'name="_save"' not in page and 'name="_continue"' not in page
    for report in (item, other):
        assert f'<a href="/admin/newswire/item/{report.pk}/change/">{report.title}</a>' in page


def _listed(client, query=""):
    response = client.get(EVENTS + query)
    return response, {cluster.pk for cluster in response.context["cl"].result_list}


def test_a_language_finds_its_events_and_the_default_size_filter_is_said(client_for, editor):
    client = client_for(editor)
    german = _event("Zinsen", [make_item(make_source("Zeit"), ("Zinsen steigen", "Text."))], "de")
    pair = _event(
        "Rates",
        [make_item(make_source("Wire"), CB_EN_1), make_item(make_source("Post"), CB_EN_2)],
    )
    lone = _event("Lone", [make_item(make_source("Daily"), ("Lone", "Text."), minutes=3)])

    response, listed = _listed(client)
    assert listed == {pair.pk}
    page = response.content.decode()
    assert "Listed: events with several items" in page and 'href="?items=all"' in page
    assert 'class="selected"' in page  # the default choice is marked in the sidebar
    for query in ("?language=de", "?language__exact=de"):
        response, listed = _listed(client, query)
        assert listed == {german.pk}, query
        assert "every event of the chosen language" in response.content.decode()
    assert _listed(client, "?language__exact=en")[1] == {pair.pk, lone.pk}
    assert _listed(client, "?language__exact=en&items=several")[1] == {pair.pk}
    assert _listed(client, "?items=all")[1] == {german.pk, pair.pk, lone.pk}
    assert _listed(client, "?items=single")[1] == {german.pk, lone.pk}
    assert "Listed:" not in _listed(client, "?items=all")[0].content.decode()


def test_the_events_times_are_both_when_first_seen(client_for, editor):
    """A report published long before the newswire saw it no longer stretches its event."""
    client = client_for(editor)
    early = make_item(make_source("Wire"), CB_EN_1)
    late = make_item(make_source("Herald"), CB_EN_2, minutes=30)
    Item.objects.filter(pk=early.pk).update(published_at=early.first_seen_at - timedelta(days=16))
    cluster = _event("Rates", [early, late])
    assert (cluster.first_item_at, cluster.last_item_at) == (
        early.first_seen_at,
        late.first_seen_at,
    )
    page = client.get(EVENTS).content.decode()
    assert "First report seen at" in page and "Latest report seen at" in page
    page = client.get(f"{EVENTS}{cluster.pk}/change/").content.decode()
    assert "First report seen at" in page and "Latest report seen at" in page

    # A split's new event starts on the same clock.
    moved = placing.move_items(items=Item.objects.filter(pk=early.pk), by=editor).event
    assert moved.first_item_at == early.first_seen_at


def test_the_events_list_note_costs_no_query(client_for, editor):
    client = client_for(editor)
    _event(
        "Rates", [make_item(make_source("Wire"), CB_EN_1), make_item(make_source("P"), CB_EN_2)]
    )
    client.get(EVENTS + "?items=all")
    counts = []
    for query in ("?items=all", ""):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(EVENTS + query).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
