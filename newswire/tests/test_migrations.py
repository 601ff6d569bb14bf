"""Migration 0014: the items' own index on their event goes (item_event_idx, which begins
with the same column, serves the foreign key and replaces item_event_sources_idx), and all
comes back going backwards; the foreign key stays throughout (on MariaDB it is not dropped
and re-added: no table copy)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("newswire", "0013_item_desk_placed")]
AFTER = [("newswire", "0014_item_event_index")]


def _on_the_event_column():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, "newswire_item")
    indexes = {name for name, c in found.items() if c["index"] and c["columns"] == ["cluster_id"]}
    keys = {
        name for name, c in found.items()
        if c["foreign_key"] == ("newswire_cluster", "id") and c["columns"] == ["cluster_id"]
    }  # fmt: skip
    composites = {
        name: c["columns"] for name, c in found.items() if name.startswith("item_event_")
    }
    return indexes, keys, composites


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


# serialized_rollback restores the newsroom roles the flush after the test removes.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_events_own_index_goes_and_comes_back():
    indexes, keys, composites = _on_the_event_column()
    assert not indexes
    assert composites == {
        "item_event_idx": ["cluster_id", "source_id", "first_seen_at", "desk_placed"]
    }
    if connection.features.supports_foreign_keys and connection.vendor == "mysql":
        assert keys  # InnoDB kept the key: the composite index serves it
    try:
        _migrate(BEFORE)
        indexes, _keys, composites = _on_the_event_column()
        assert len(indexes) == 1
        assert composites == {
            "item_event_sources_idx": ["cluster_id", "source_id", "first_seen_at"]
        }
    finally:
        _migrate(AFTER)
    indexes, keys_after, _ = _on_the_event_column()
    assert not indexes
    if connection.vendor == "mysql":
        assert keys_after == keys  # the same key, never dropped
