"""The embedded default (SQLite, `make run`) must survive concurrent writers.

Real processes on a real database file: two `poll_feeds --force` runs at once, each with eight
writer threads, over 30 sources served from loopback, and the task worker beside them writing
the assistance the polls queue.
"""

import os
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest

from newswire.tests.conftest import rss

ROOT = Path(__file__).resolve().parents[2]
SOURCES = 30
ITEMS = 6


def _manage(env, *args, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def sqlite_env(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aiblogger.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "NEWSWIRE_ALLOW_PRIVATE_NETWORKS": "on",
        "NEWSWIRE_CONCURRENCY": "8",
    }
    done = _manage(env, "migrate", "-v0")
    assert done.returncode == 0, done.stderr[-2000:]
    return env


def test_concurrent_polls_and_the_worker_on_a_sqlite_file_never_hit_database_is_locked(
    sqlite_env, feed_server
):
    urls = []
    for n in range(SOURCES):
        items = [
            (f"g{n}-{i}", f"Story {i} from wire {n}", f"https://wire{n}.example/{i}",
             f"Summary of story {i} from wire {n}. " * 20)
            for i in range(ITEMS)
        ]  # fmt: skip
        urls.append(feed_server.add(f"/feed{n}.xml", rss(items, title=f"Wire {n}")))
    create = (
        "from newswire.models import Source\n"
        f"Source.objects.bulk_create(Source(name=u[-12:], feed_url=u) for u in {urls!r})"
    )
    made = _manage(sqlite_env, "shell", "-v0", "-c", create)
    assert made.returncode == 0, made.stderr[-2000:]

    # The task worker runs beside the pollers, as it does beside runserver: the polls queue
    # the assistance (embeddings, events), which it writes while they still store items.
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-startup-delay",
         "--no-reload"],
        cwd=ROOT, env=sqlite_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        with ThreadPoolExecutor(2) as pool:  # two pollers at once: 16 writer threads, one file
            runs = list(
                pool.map(
                    lambda _: _manage(sqlite_env, "poll_feeds", "--force", "--no-prune"), [0, 1]
                )
            )
        pending = None
        for _ in range(600):  # the worker drains the queue (the assistance of every item)
            pending = _count(
                sqlite_env,
                "SELECT count(*) FROM django_tasks_database_dbtaskresult "
                "WHERE status IN ('READY', 'RUNNING')",
            )
            if pending == 0:
                break
            time.sleep(0.25)
    finally:
        worker.terminate()
        worker_output = worker.communicate(timeout=30)[0]
    output = "".join(run.stdout + run.stderr for run in runs)
    assert all(run.returncode == 0 for run in runs), output[-2000:]
    assert "locked" not in output + worker_output, (output + worker_output)[-3000:]
    assert "error" not in output, output[-2000:]
    assert pending == 0, worker_output[-3000:]
    assert _count(sqlite_env, "SELECT count(*) FROM newswire_item") == SOURCES * ITEMS
    assert _count(sqlite_env, "SELECT count(*) FROM newswire_source WHERE last_error != ''") == 0
    # Every item got its events from the worker; no task failed.
    assert _count(sqlite_env, "SELECT count(*) FROM newswire_item WHERE cluster_id IS NULL") == 0
    tasks = "SELECT count(*) FROM django_tasks_database_dbtaskresult WHERE status = '{}'"
    assert _count(sqlite_env, tasks.format("FAILED")) == 0, worker_output[-3000:]
    assert _count(sqlite_env, tasks.format("SUCCESSFUL")) > 0


def _count(env, sql):
    """One number from the database file, read beside the writers (WAL lets readers in)."""
    path = env["DATABASE_URL"].removeprefix("sqlite:///")
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        return db.execute(sql).fetchone()[0]
