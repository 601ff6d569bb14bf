"""Editors saving at once do not queue behind one another's public generation write.

Every public save writes the public generation in its own transaction
(articles/pagecache.py). Eight editors hold their transactions open after a
save, at once: each must get through its write while the seven others are
still open. With one shared row, the second write waits for the first
transaction's commit, which waits at the barrier: the barrier breaks.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from articles.pagecache import invalidate_public_pages, public_cache_generation
from articles.tests.factories import ArticleFactory

EDITORS = 8

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "mysql", reason="row locks: MariaDB (SQLite locks the whole file)"
    ),
]


def test_eight_editors_save_at_once_without_waiting_for_each_other():
    articles = [ArticleFactory(published=True) for _ in range(EDITORS)]
    invalidate_public_pages()  # the generation's rows exist, as after any first change
    before = public_cache_generation()
    barrier = threading.Barrier(EDITORS, timeout=15)
    failures = []

    def editor(article):
        try:
            with transaction.atomic():
                article.standfirst = "Edited by one of eight editors at once."
                article.save()
                barrier.wait()  # all eight transactions are open here, each after its write
        except Exception as error:  # noqa: BLE001 - reported below
            failures.append(repr(error))
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=editor, args=(article,)) for article in articles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert public_cache_generation() != before


def test_every_commit_moves_the_generation_even_in_the_same_microsecond(monkeypatch):
    from django.utils import timezone

    frozen = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    seen = set()
    for _ in range(5):
        with transaction.atomic():
            invalidate_public_pages()
        seen.add(public_cache_generation())
    assert len(seen) == 5
