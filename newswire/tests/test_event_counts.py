"""An event's stored counts are its reports' after every writer: the events list orders by
the number of sources (newswire/admin.py) and filters by the size and by whether an editor
placed a report there, all stored by ClusterQuerySet.recount(). The writers: the worker's
grouping, its placing a changed or given-back report again and its merges; the desk's
split, move, emptying move and give-back; retention; a source's deletion (its reports go
with it). Migration 0018's fill is in test_migrations.py."""

from datetime import timedelta

import pytest
from django.db.models import Count, Q
from django.utils import timezone

from newswire import assist, placing
from newswire.models import Cluster, Item
from newswire.tasks import prune_items
from newswire.tests.test_assist import (
    CB_EN_1,
    CB_EN_2,
    CB_EN_SYNDICATED,
    FLOOD_EN,
    make_item,
    make_source,
)
from newswire.tests.test_placing import _changed_by_its_source, _engine_merges

pytestmark = pytest.mark.django_db

FLOOD_2 = ("River floods villages", "About 3,000 people left their homes as the river rose.")


def stored_and_real():
    """{event: (size, sources, placed by an editor)} as stored, and as counted from its
    reports now."""
    columns = ("pk", "size", "source_count", "desk_placed")
    stored = {pk: rest for pk, *rest in Cluster.objects.values_list(*columns)}
    real = dict.fromkeys(stored, [0, 0, False])
    counted = (
        Item.objects.filter(cluster__isnull=False)
        .values("cluster")
        .annotate(
            size=Count("pk"),
            sources=Count("source", distinct=True),
            placed=Count("pk", filter=Q(desk_placed=True)),
        )
        .order_by()
    )
    real.update(
        (row["cluster"], [row["size"], row["sources"], row["placed"] > 0]) for row in counted
    )
    return stored, real


def assert_counts_true():
    stored, real = stored_and_real()
    assert stored == real
    assert all(size for size, _sources, _placed in stored.values())  # no event left empty


@pytest.fixture
def wire():
    """The worker's events of five reports from three sources: a rate rise told by three
    of them (two by Wire), a flood by Wire and Herald."""
    wire, herald, post = make_source("Wire"), make_source("Herald"), make_source("Post")
    reports = {
        "rates": [
            make_item(wire, CB_EN_1, minutes=0),
            make_item(herald, CB_EN_2, minutes=5),
            make_item(wire, CB_EN_SYNDICATED, minutes=8),
        ],
        "flood": [make_item(wire, FLOOD_EN, minutes=10), make_item(herald, FLOOD_2, minutes=20)],
    }
    assist.process_items()
    for items in reports.values():
        for item in items:
            item.refresh_from_db()
    return {"sources": {"wire": wire, "herald": herald, "post": post}, **reports}


def event_of(item):
    return Cluster.objects.get(pk=Item.objects.get(pk=item.pk).cluster_id)


def test_the_workers_grouping_stores_each_events_sources(wire):
    rates = event_of(wire["rates"][0])
    assert {event_of(item).pk for item in wire["rates"]} == {rates.pk}
    assert (rates.size, rates.source_count) == (3, 2)  # Wire told it twice
    assert_counts_true()


def test_the_workers_placing_a_changed_report_again_recounts_both_events(wire):
    rates = event_of(wire["rates"][0])
    apart = Cluster.objects.create(title=CB_EN_2[0], language="en")
    Item.objects.filter(pk=wire["rates"][1].pk).update(cluster=apart)  # as if the worker had
    Cluster.objects.filter(pk__in=[rates.pk, apart.pk]).recount()
    _changed_by_its_source(wire["rates"][1])
    assist.process_items()
    assert event_of(wire["rates"][1]) == rates and not Cluster.objects.filter(pk=apart.pk)
    assert_counts_true()


def test_the_workers_merge_recounts_the_event_that_absorbs(wire, monkeypatch):
    rates = event_of(wire["rates"][0])
    apart = Cluster.objects.create(title=CB_EN_2[0], language="en")
    Item.objects.filter(pk=wire["rates"][1].pk).update(cluster=apart)
    Cluster.objects.filter(pk__in=[rates.pk, apart.pk]).recount()
    later = make_item(wire["sources"]["post"], CB_EN_SYNDICATED, minutes=30)
    _engine_merges(monkeypatch, lambda: apart.pk, lambda: rates.pk)
    assist.process_items(ids=[later.pk])
    rates.refresh_from_db()
    assert (rates.size, rates.source_count) == (4, 3)
    assert_counts_true()


@pytest.mark.parametrize("into", ["a new event", "another event", "another, emptying it"])
def test_the_desks_moves_recount_both_events(wire, editor, into):
    rates, flood = wire["rates"], wire["flood"]
    if into == "a new event":  # Herald's rate report split off
        moved, to = [rates[1]], None
    elif into == "another event":  # Wire's two rate reports into the flood
        moved, to = rates[::2], event_of(flood[0]).pk
    else:
        moved, to = flood, event_of(rates[0]).pk
    placing.move_items(items=Item.objects.filter(pk__in=[i.pk for i in moved]), by=editor, to=to)
    assert_counts_true()


def test_giving_back_and_the_workers_placing_again_recount(wire, editor):
    split = placing.move_items(items=Item.objects.filter(pk=wire["rates"][1].pk), by=editor)
    assert Cluster.objects.get(pk=split.event.pk).desk_placed
    assert_counts_true()
    placing.give_back(items=Item.objects.filter(pk=wire["rates"][1].pk), by=editor)
    assert not Cluster.objects.get(pk=split.event.pk).desk_placed  # before the worker runs
    assert_counts_true()
    assist.process_items()
    assert event_of(wire["rates"][1]) != split.event or split.event.size == 1
    assert_counts_true()


def test_retention_recounts_the_events_it_takes_reports_from_and_removes_the_emptied(wire):
    rates, flood = event_of(wire["rates"][0]), event_of(wire["flood"][0])
    old = timezone.now() - timedelta(days=40)
    expired = [wire["rates"][1], *wire["flood"]]  # Herald's rate report, the whole flood
    Item.objects.filter(pk__in=[i.pk for i in expired]).update(first_seen_at=old)
    assert prune_items(days=30) == 3
    rates.refresh_from_db()
    assert (rates.size, rates.source_count) == (2, 1)
    assert not Cluster.objects.filter(pk=flood.pk).exists()
    assert_counts_true()


def test_deleting_a_source_recounts_the_events_its_reports_were_in(wire):
    rates = event_of(wire["rates"][0])
    lonely = make_item(wire["sources"]["herald"], ("Bridge closes", "For repairs."), minutes=40)
    alone = Cluster.objects.create(title=lonely.title, language="en")
    Item.objects.filter(pk=lonely.pk).update(cluster=alone)
    Cluster.objects.filter(pk=alone.pk).recount()
    wire["sources"]["herald"].delete()
    rates.refresh_from_db()
    assert (rates.size, rates.source_count) == (2, 1)
    assert not Cluster.objects.filter(pk=alone.pk).exists()  # Herald's alone: removed
    assert_counts_true()


def test_the_events_list_shows_most_sources_first_then_the_latest(wire, editor, client_for):
    rates, flood = event_of(wire["rates"][0]), event_of(wire["flood"][0])
    split = placing.move_items(items=Item.objects.filter(pk=wire["rates"][1].pk), by=editor)
    client = client_for(editor)
    listed = client.get("/admin/newswire/cluster/?items=all").context["cl"].result_list
    assert [(e.pk, e.source_count) for e in listed] == [
        (flood.pk, 2), (rates.pk, 1), (split.event.pk, 1)  # Wire's two reports, then Herald's
    ]  # fmt: skip
    page = client.get("/admin/newswire/cluster/").content.decode()
    assert '<td class="field-source_count">2</td>' in page
    assert split.event.title not in page  # one report: not among those of several
