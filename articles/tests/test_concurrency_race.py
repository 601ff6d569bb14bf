"""Two requests racing in the same instant on MariaDB: one wins, the other is refused whole."""

import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from aiblogger.concurrency import StaleEdit
from articles.models import Article, Correction
from articles.tests.factories import ArticleFactory

# Concurrent writers need a database server; SQLite's in-memory test database
# locks its tables against a second connection.
needs_server = pytest.mark.skipif(
    "mysql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers need a database server (MariaDB)",
)


def race(*jobs):
    """Run the jobs in threads released together; return what each returned or raised."""
    start = threading.Barrier(len(jobs), timeout=10)
    results = [None] * len(jobs)

    def run(index, job):
        try:
            results[index] = job(start)
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            results[index] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@needs_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_saves_from_one_version_cannot_both_win():
    article = ArticleFactory(title="Ferries", body="Text.")

    def save(title, note):
        def job(start):
            with transaction.atomic():
                mine = Article.objects.get(pk=article.pk)  # both read the same version
                mine.title = title
                start.wait()
                mine.save()  # the loser waits for the winner's row lock, then matches no row
                Correction.objects.create(article=mine, note=note)
            return title

        return job

    results = race(save("Title A", "note A"), save("Title B", "note B"))
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, StaleEdit)]
    assert len(winners) == 1 and len(losers) == 1, results
    saved = Article.objects.get(pk=article.pk)
    assert saved.title == winners[0] and saved.version == article.version + 1
    # Nothing of the loser was kept: not its title, not the inline it would add next.
    winner_note = "note A" if winners[0] == "Title A" else "note B"
    assert list(saved.corrections.values_list("note", flat=True)) == [winner_note]


@needs_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_editors_drafting_from_the_same_items_at_once_get_one_draft():
    from articles.tests.test_concurrency import harbour_items
    from newswire.drafts import make_draft
    from newswire.models import DraftSource, Item

    items = harbour_items()
    editors = [UserFactory(role="Editor"), UserFactory(role="Editor")]

    def draft(editor):
        def job(start):
            mine = list(Item.objects.filter(pk__in=[i.pk for i in items]))
            start.wait()
            return make_draft(items=mine, by=editor).pk

        return job

    results = race(draft(editors[0]), draft(editors[1]))
    assert all(isinstance(r, int) for r in results), results
    assert results[0] == results[1]
    assert Article.objects.count() == 1
    assert DraftSource.objects.count() == 2
