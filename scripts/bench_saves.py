"""Public saves by concurrent editors on MariaDB: do they wait for each other?

`make bench-saves` (DATABASE_URL must name a MariaDB database; its articles are
edited, so never point it at one you care about). Each of BENCH_EDITORS (8)
threads has its own connection and edits its own published article for
BENCH_SECONDS (10): a transaction that saves the article under a revision, as
the admin's change form does, sets its tags and holds the transaction open for
BENCH_HOLD_MS (50) more, standing in for the rest of a real request (the form's
inlines, the revision's serialised copy). Every such save retires the public
pages (articles/pagecache.py), which writes the public generation in the same
transaction. Prints saves/s, each save's p50/p99 and the time each save spent
in that write: with one shared row for the generation, each editor's write
waits for the other editors' transactions to commit. The threads share one
interpreter, so saves/s is bounded by the CPU a save takes; the write's time
is what tells a queue. A benchmark, not a test: articles/tests/
test_concurrent_saves.py is the test.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")

import django  # noqa: E402

django.setup()

import reversion  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402

from articles import pagecache  # noqa: E402
from articles.models import Article, Tag  # noqa: E402

# Time spent writing the public generation, the statement that waits when the
# editors share one row: per thread, so each save can tell its own.
generation_writes = threading.local()
_invalidate = pagecache.invalidate_public_pages


def timed_invalidate():
    started = time.perf_counter()
    _invalidate()
    generation_writes.spent = getattr(generation_writes, "spent", 0.0) + (
        time.perf_counter() - started
    )


pagecache.invalidate_public_pages = timed_invalidate  # the signals look it up at each call


def editor(article_id, tags, stop_at, hold, out):
    latencies = []
    try:
        article = Article.objects.get(pk=article_id)
        while time.monotonic() < stop_at:
            generation_writes.spent = 0.0
            started = time.perf_counter()
            with transaction.atomic(), reversion.create_revision():
                article.standfirst = f"Edited at {time.time():.6f}"
                article.save()
                article.set_tags(tags)
                time.sleep(hold)
            latencies.append((time.perf_counter() - started, generation_writes.spent))
    finally:
        connections.close_all()
    out.append(latencies)


def main():
    if connection.vendor != "mysql":
        sys.exit("bench-saves: DATABASE_URL must name a MariaDB/MySQL database")
    editors = int(os.environ.get("BENCH_EDITORS", "8"))
    seconds = float(os.environ.get("BENCH_SECONDS", "10"))
    hold = float(os.environ.get("BENCH_HOLD_MS", "50")) / 1000
    articles = list(Article.objects.published().values_list("pk", flat=True)[:editors])
    tags = list(Tag.objects.all()[:2])
    if len(articles) < editors:
        sys.exit(f"bench-saves: needs {editors} published articles (manage.py seed_demo)")
    rows = []
    for count in sorted({1, editors}):
        out = []
        stop_at = time.monotonic() + seconds
        threads = [
            threading.Thread(target=editor, args=(pk, tags, stop_at, hold, out))
            for pk in articles[:count]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        saves = [x for one in out for x in one]
        if not saves:
            sys.exit("bench-saves: no save finished")
        rows.append(
            f"| {count} | {len(saves) / seconds:.1f} | {percentiles([s for s, _ in saves])} "
            f"| {percentiles([w for _, w in saves])} |"
        )
    load = os.getloadavg()[0]
    print(
        f"{seconds:.0f} s per row, {hold * 1000:.0f} ms held in each transaction; load {load:.2f}"
    )
    print("| editors | saves/s | save p50 / p99 ms | generation write p50 / p99 ms |")
    print("|---:|---:|---:|---:|")
    print("\n".join(rows))


def percentiles(values):
    values = sorted(values)
    p99 = values[max(0, int(len(values) * 0.99) - 1)]
    return f"{statistics.median(values) * 1000:.1f} / {p99 * 1000:.1f}"


if __name__ == "__main__":
    main()
