"""Two real db_worker processes on one database never poll the same source at once."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from newswire.models import Item, Source
from newswire.tasks import poll_source_task
from newswire.tests.conftest import rss

ROOT = Path(__file__).resolve().parents[2]
# Concurrent writers need a database server; SQLite's in-memory test database
# locks its tables against a second connection.
needs_server = pytest.mark.skipif(
    "mysql" not in settings.DATABASES["default"]["ENGINE"],
    reason="concurrent writers need a database server (MariaDB)",
)


def _worker_env():
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "aiblogger.settings.test"
    env["NEWSWIRE_ALLOW_PRIVATE_NETWORKS"] = "1"
    env["DATABASE_URL"] = (
        f"mysql://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 3306}/{db['NAME']}"
    )
    return env


# serialized_rollback restores the newsroom roles the flush removes.
@needs_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_never_poll_one_source_at_once(feed_server):
    assert connection.settings_dict["NAME"].startswith("test_")
    sources = []
    for name in ("a", "b"):
        url = feed_server.add(
            f"/{name}",
            rss([(f"{name}1", f"Story {name}", f"https://{name}.example/1", "Text.")]),
            conditional=False,
            delay=0.4,  # long enough for the other worker to try the same source
        )
        sources.append(Source.objects.create(name=name, feed_url=url))
    for source in sources:  # a, a, a, a, b, …: both workers start on source a
        for _ in range(4):
            poll_source_task.enqueue(source.pk, force=True)

    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--batch",
                "--no-startup-delay",
                "--interval",
                "0.05",
                "--worker-id",
                f"worker{n}",
            ],
            cwd=ROOT,
            env=_worker_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        for n in (1, 2)
    ]
    outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs

    results = list(DBTaskResult.objects.filter(task_path__endswith=".poll_source_task"))
    assert len(results) == 8
    # Polls that stored new items also queued the machine assistance, which ran too.
    assisted = DBTaskResult.objects.filter(task_path__endswith=".assist_items_task")
    assert {r.status for r in assisted} == {"SUCCESSFUL"}, outputs
    assert {r.status for r in results} == {"SUCCESSFUL"}, outputs
    assert {r.worker_ids[0] for r in results} == {"worker1", "worker2"}
    assert feed_server.max_active["/a"] == 1
    assert feed_server.max_active["/b"] == 1
    # Each source was polled, and its item stored once.
    assert feed_server.hits("/a") and feed_server.hits("/b")
    assert Item.objects.count() == 2
    skipped = [r.return_value for r in results if "skipped" in r.return_value]
    polled = [r.return_value for r in results if "skipped" not in r.return_value]
    assert len(polled) == len(feed_server.requests)
    assert len(skipped) + len(polled) == 8


@pytest.mark.django_db
def test_poll_feeds_enqueue_queues_one_task_per_due_source():
    from io import StringIO

    from django.core.management import call_command

    due = Source.objects.create(name="due", feed_url="https://due.example/feed")
    Source.objects.create(name="off", feed_url="https://off.example/feed", enabled=False)
    out = StringIO()
    call_command("poll_feeds", "--enqueue", stdout=out)
    assert "Queued 1 source(s)." in out.getvalue()
    # Other tests' processes may have queued machine-assistance tasks for articles they saved.
    (task,) = DBTaskResult.objects.exclude(task_path__startswith="newswire.tasks.assist_")
    assert task.task_path == "newswire.tasks.poll_source_task"
    assert task.args_kwargs == {"args": [due.pk], "kwargs": {"force": False}}


# serialized_rollback restores the newsroom roles the flush removes.
@needs_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_poll_feeds_fetches_several_sources_at_once(feed_server, settings):
    import time
    from io import StringIO

    from django.core.management import call_command

    settings.NEWSWIRE_CONCURRENCY = 4
    for n in range(8):
        url = feed_server.add(
            f"/s{n}", rss([(f"g{n}", f"Story {n}", f"https://s.example/{n}", "Text.")]), delay=0.5
        )
        Source.objects.create(name=f"S{n}", feed_url=url)
    started = time.monotonic()
    call_command("poll_feeds", "--force", stdout=StringIO())
    elapsed = time.monotonic() - started
    assert Item.objects.count() == 8
    assert elapsed < 3, f"{elapsed:.1f} s: one at a time would take 4 s"
