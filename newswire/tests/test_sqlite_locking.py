"""The embedded default (SQLite, `make run`) must survive concurrent writers.

Real processes on a real database file: two `poll_feeds --force` runs at once, each with eight
writer threads, over 30 sources served from loopback, as the worker and a second poller would.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from newswire.tests.conftest import rss

ROOT = Path(__file__).resolve().parents[2]
SOURCES = 30


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


def test_concurrent_polls_on_a_sqlite_file_never_hit_database_is_locked(sqlite_env, feed_server):
    urls = []
    for n in range(SOURCES):
        items = [
            (f"g{n}-{i}", f"Story {i} from wire {n}", f"https://wire{n}.example/{i}",
             f"Summary of story {i} from wire {n}. " * 20)
            for i in range(40)
        ]  # fmt: skip
        urls.append(feed_server.add(f"/feed{n}.xml", rss(items, title=f"Wire {n}")))
    create = (
        "from newswire.models import Source\n"
        f"Source.objects.bulk_create(Source(name=u[-12:], feed_url=u) for u in {urls!r})"
    )
    made = _manage(sqlite_env, "shell", "-v0", "-c", create)
    assert made.returncode == 0, made.stderr[-2000:]

    with ThreadPoolExecutor(2) as pool:  # two pollers at once: 16 writer threads, one file
        runs = list(
            pool.map(lambda _: _manage(sqlite_env, "poll_feeds", "--force", "--no-prune"), [0, 1])
        )
    output = "".join(run.stdout + run.stderr for run in runs)
    assert all(run.returncode == 0 for run in runs), output[-2000:]
    assert "locked" not in output
    assert "error" not in output, output[-2000:]
    count = _manage(
        sqlite_env, "shell", "-v0", "-c",
        "from newswire.models import Item, Source\n"
        "print(Item.objects.count(), Source.objects.exclude(last_error='').count())",
    )  # fmt: skip
    assert count.stdout.split() == [str(SOURCES * 40), "0"]
