"""Migrations 0014 and 0016: the items' own indexes on their event and on their source go
(item_event_idx and item_unique_guid begin with the same columns and serve the foreign keys;
item_event_idx also replaces item_event_sources_idx), and all comes back going backwards; the
foreign keys stay throughout (on MariaDB they are not dropped and re-added: no table copy).
Migration 0018: each event's number of sources and editor's mark are filled, in batches,
and go back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _on(column, table):
    """The item table's indexes on `column` alone, its foreign keys on it, and its indexes
    named item_event_* (0014's composites)."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "newswire_item")
    indexes = {name for name, c in found.items() if c["index"] and c["columns"] == [column]}
    keys = {
        name for name, c in found.items()
        if c["foreign_key"] == (table, "id") and c["columns"] == [column]
    }  # fmt: skip
    composites = {
        name: c["columns"] for name, c in found.items() if name.startswith("item_event_")
    }
    return indexes, keys, composites


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] == "newswire"]


# serialized_rollback restores the newsroom roles the flush after the test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_events_own_index_goes_and_comes_back():
    indexes, keys, composites = _on("cluster_id", "newswire_cluster")
    assert not indexes
    assert composites == {
        "item_event_idx": ["cluster_id", "source_id", "first_seen_at", "desk_placed"]
    }
    if connection.features.supports_foreign_keys and connection.vendor == "mysql":
        assert keys  # InnoDB kept the key: the composite index serves it
    latest = _latest()
    try:
        _migrate([("newswire", "0013_item_desk_placed")])
        indexes, _keys, composites = _on("cluster_id", "newswire_cluster")
        assert len(indexes) == 1
        assert composites == {
            "item_event_sources_idx": ["cluster_id", "source_id", "first_seen_at"]
        }
    finally:
        _migrate(latest)
    indexes, keys_after, _ = _on("cluster_id", "newswire_cluster")
    assert not indexes
    if connection.vendor == "mysql":
        assert keys_after == keys  # the same key, never dropped


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sources_own_index_goes_and_comes_back():
    indexes, keys, _ = _on("source_id", "newswire_source")
    assert not indexes
    if connection.features.supports_foreign_keys and connection.vendor == "mysql":
        assert keys  # InnoDB kept the key: item_unique_guid serves it
    latest = _latest()
    try:
        _migrate([("newswire", "0015_events_one_clock")])
        indexes, _keys, _ = _on("source_id", "newswire_source")
        assert len(indexes) == 1
    finally:
        _migrate(latest)
    indexes, keys_after, _ = _on("source_id", "newswire_source")
    assert not indexes
    if connection.vendor == "mysql":
        assert keys_after == keys  # the same key, never dropped


def _cluster_indexes():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "newswire_cluster")
    return {name: c["columns"] for name, c in found.items() if name.startswith("cluster_")}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_events_sources_are_filled_in_batches_and_go_back(monkeypatch):
    from importlib import import_module

    fill = import_module("newswire.migrations.0018_events_source_count")
    monkeypatch.setattr(fill, "BATCH", 2)  # three events: two batches
    latest = _latest()
    try:
        _migrate([("newswire", "0017_item_search_word_forms")])
        assert "cluster_language_idx" in _cluster_indexes()
        apps = (
            MigrationExecutor(connection)
            .loader.project_state(("newswire", "0017_item_search_word_forms"))
            .apps
        )
        Source, Cluster = (
            apps.get_model("newswire", "Source"),
            apps.get_model("newswire", "Cluster"),
        )
        Item = apps.get_model("newswire", "Item")
        sources = [
            Source.objects.create(name=f"S{n}", feed_url=f"https://s{n}.example/rss")
            for n in range(3)
        ]
        events = [Cluster.objects.create(title=f"E{n}", size=n) for n in range(3)]
        told = {events[0]: [], events[1]: [sources[0]], events[2]: [sources[0], *sources]}
        for event, by in told.items():
            for n, source in enumerate(by):
                Item.objects.create(
                    source=source,
                    guid=f"{event.pk}-{n}",
                    guid_hash=f"{event.pk}-{n}",
                    title="T",
                    cluster=event,
                    desk_placed=event == events[1],
                )
        _migrate(latest)
        from newswire.models import Cluster as Now

        counts = {title: rest for title, *rest in
                  Now.objects.values_list("title", "source_count", "desk_placed")}  # fmt: skip
        assert counts == {"E0": [0, False], "E1": [1, True], "E2": [3, False]}
        indexes = _cluster_indexes()
        assert indexes["cluster_order_idx"] == [
            "source_count", "last_item_at", "id", "size", "desk_placed"
        ]  # fmt: skip
        assert "cluster_language_idx" not in indexes
        _migrate([("newswire", "0017_item_search_word_forms")])
        assert "cluster_order_idx" not in _cluster_indexes()
        assert "cluster_language_idx" in _cluster_indexes()
    finally:
        _migrate(latest)
