"""Search's engine stopped or hung: readers get a page that says so (503), the rest of
the site and the admin list still work, and search comes back with the engine.

On MariaDB the session's real searchd (conftest.py) is stopped, and frozen with
SIGSTOP for the hung case; on SQLite the FTS5 tables are taken away.
"""

import os
import signal
from contextlib import contextmanager

import pytest
from django.db import connection

from articles import search
from articles.search import sphinx
from articles.search.collections import COLLECTIONS
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@contextmanager
def engine_stopped(searchd):
    if isinstance(searchd, sphinx.LocalSearchd):
        searchd.stop()
        try:
            yield
        finally:
            searchd.start()
    else:
        tables = [collection.fts_table for collection in COLLECTIONS.values()]
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for table in tables:
                    cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert "Search is unavailable" in response.text
    assert response["Retry-After"] == "60"
    assert "no-store" in response["Cache-Control"]


def test_engine_stopped_mid_run_gives_a_designed_503_and_the_site_goes_on(
    client, admin_client, _search_engine
):
    ArticleFactory(published=True, title="Harbour fees rise")
    assert client.get("/search/", {"q": "harbour"}).status_code == 200
    with engine_stopped(_search_engine):
        assert not search.health()
        # (A page already in the public page cache is still served from it.)
        assert_unavailable_page(client.get("/search/", {"q": "harbour fees"}))
        assert client.get("/").status_code == 200
        listed = admin_client.get("/admin/articles/article/", {"q": "harbour"})
        assert listed.status_code == 200
        assert "Search is unavailable right now" in listed.text
        assert "Harbour fees rise" in listed.text  # the whole list, unsearched
        # Saving a story still works; the index catches up by reconcile.
        ArticleFactory(published=True, title="Harbour written while search was down")
    assert search.health()
    assert "while search was down" not in client.get("/search/", {"q": "written"}).text
    missing, _, _ = search.reconcile()  # the nightly repair
    assert len(missing) == 1
    assert "while search was down" in client.get("/search/", {"q": "harbour written"}).text


def test_a_hung_engine_times_out_into_the_503_page(client, _search_engine, monkeypatch):
    if not isinstance(_search_engine, sphinx.LocalSearchd):
        pytest.skip("a hung searchd; SQLite's FTS5 runs in the process")
    ArticleFactory(published=True, title="Harbour fees rise")
    monkeypatch.setattr(sphinx, "READ_TIMEOUT", 1)
    search.backend().local.connection = None  # a new connection, with the short timeout
    pid = int((_search_engine.directory / "searchd.pid").read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        assert_unavailable_page(client.get("/search/", {"q": "harbour fees"}))
    finally:
        os.kill(pid, signal.SIGCONT)
    assert client.get("/search/", {"q": "harbour"}).status_code == 200
