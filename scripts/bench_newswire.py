"""make bench-newswire: 500 sources served from loopback, each polled once, then re-polled;
then the assistance worker on 10,000 real-length items.

Runs against a throwaway test database made from DATABASE_URL (test_<name>), with the
feeds served by a separate process so the poller's peak memory is its own. Prints a table;
exits non-zero when a target is missed (first poll over 60 s, a re-poll that is not one
conditional request per source, or a re-poll that creates anything; the assistance over
120 s or over 400 MB peak RSS).

The assistance part (`--assist`, run by the main part) stores BENCH_ASSIST_ITEMS items
(10,000) whose summaries run up to 5,000 characters and a third of which carry full text up
to 50,000, written from the sentences of the development set, over five days; then a fresh
worker process (its peak RSS is its own) runs process_items until nothing is left, as
refresh_assist and the task worker do; BENCH_ASSIST_ROUNDS rounds (3), each on a fresh set.
"""

import hashlib
import json
import multiprocessing
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = int(os.environ.get("BENCH_SOURCES", 500))
ITEMS = int(os.environ.get("BENCH_ITEMS", 20))
LIMIT_SECONDS = 60
ASSIST_ITEMS = int(os.environ.get("BENCH_ASSIST_ITEMS", 10000))
ASSIST_ROUNDS = int(os.environ.get("BENCH_ASSIST_ROUNDS", 3))
ASSIST_LIMIT_SECONDS = 120
ASSIST_LIMIT_MB = 400


def feed(n):
    items = "".join(
        f"<item><guid>s{n}-i{i}</guid><title>Source {n} reports story {i}: council votes on "
        f"plan {i * 7 + n}</title><link>https://s{n}.example/story/{i}?utm_source=rss</link>"
        f"<description>Paragraph about story {i} from source {n}, with enough words to look "
        f"like a real summary of a real article.</description>"
        f"<pubDate>Sat, 21 Nov 2026 0{i % 10}:00:00 GMT</pubDate></item>"
        for i in range(ITEMS)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>Bench source {n}</title><link>https://s{n}.example/</link>{items}"
        f"</channel></rss>"
    ).encode()


def serve(port_queue, counter):
    bodies = {f"/feed/{n}": feed(n) for n in range(SOURCES)}
    etags = {path: '"' + hashlib.sha1(body).hexdigest() + '"' for path, body in bodies.items()}  # noqa: S324

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            with counter.get_lock():
                counter.value += 1
            body = bodies.get(self.path)
            if body is None:
                self.send_error(404)
                return
            if self.headers.get("If-None-Match") == etags[self.path]:
                self.send_response(304)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("ETag", etags[self.path])
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def main():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.test")
    os.environ["NEWSWIRE_ALLOW_PRIVATE_NETWORKS"] = "True"
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.NEWSWIRE_ALLOW_PRIVATE_NETWORKS = True
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    counter = multiprocessing.Value("i", 0)
    ports = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(ports, counter), daemon=True)
    server.start()
    failures = []
    try:
        from newswire.models import Item, Source
        from newswire.tasks import poll_many

        port = ports.get(timeout=30)
        Source.objects.bulk_create(
            Source(name=f"Bench {n}", feed_url=f"http://127.0.0.1:{port}/feed/{n}")
            for n in range(SOURCES)
        )
        ids = list(Source.objects.values_list("pk", flat=True))
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        started = time.monotonic()
        first = list(poll_many(ids, force=True))
        first_seconds = time.monotonic() - started
        first_requests = counter.value
        items = Item.objects.count()
        errors = [r for r in first if r.error]

        counter.value = 0
        started = time.monotonic()
        second = list(poll_many(ids, force=True))
        second_seconds = time.monotonic() - started
        second_requests = counter.value
        items_after = Item.objects.count()
        not_modified = sum(r.not_modified for r in second)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        concurrency = settings.NEWSWIRE_CONCURRENCY
        rows = [
            ("sources", SOURCES),
            ("items per feed", ITEMS),
            ("concurrency (NEWSWIRE_CONCURRENCY)", concurrency),
            ("first poll: seconds", f"{first_seconds:.1f}"),
            ("first poll: requests", first_requests),
            ("first poll: items stored", items),
            ("first poll: sources failed", len(errors)),
            ("re-poll: seconds", f"{second_seconds:.1f}"),
            ("re-poll: requests", second_requests),
            ("re-poll: 304 Not Modified", not_modified),
            ("re-poll: items created", items_after - items),
            ("poller peak RSS (MB)", f"{peak_mb:.0f} (before polling {rss_before / 1024:.0f})"),
            ("database", connection.vendor),
        ]
        width = max(len(name) for name, _ in rows)
        print("| measure".ljust(width + 2) + " | value |")
        print("|" + "-" * (width + 1) + "|-------|")
        for name, value in rows:
            print(f"| {name.ljust(width)} | {value} |")
        if errors:
            failures.append(f"{len(errors)} sources failed, e.g. {errors[0]}")
        if first_seconds > LIMIT_SECONDS:
            failures.append(f"first poll took {first_seconds:.1f} s (limit {LIMIT_SECONDS} s)")
        if items != SOURCES * ITEMS:
            failures.append(f"{items} items stored, expected {SOURCES * ITEMS}")
        if second_requests != SOURCES or not_modified != SOURCES:
            failures.append(f"re-poll made {second_requests} requests, {not_modified} were 304")
        if items_after != items:
            failures.append("the re-poll created items")
    finally:
        server.terminate()
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    for failure in failures:
        print("FAIL", failure)
    assist = subprocess.run([sys.executable, __file__, "--assist"], check=False)  # noqa: S603
    return 1 if failures or assist.returncode else 0


def _real_length_items(rng, sources, n):
    """The development set's items again and again (each pass five days after the last, so
    events keep their real sizes), summaries padded to up to 5,000 characters and a third
    given a full text of up to 50,000, with sentences that name nobody (background)."""
    from datetime import timedelta

    from newswire.evaluation import DEV_FILE, load_jsonl
    from newswire.models import Item

    rows = load_jsonl(DEV_FILE)
    background = {}
    for row in rows:
        for sentence in (row["summary"] + " " + row["body"]).split(". "):
            words = sentence.split()[1:]
            if len(words) > 5 and not any(w[0].isupper() or w[0].isdigit() for w in words):
                background.setdefault(row["language"], set()).add(sentence.strip(". ") + ".")
    background = {lang: sorted(pool) for lang, pool in background.items()}
    items = []
    for i in range(n):
        if len(items) == 200:  # written as they are made: the bench's own memory stays small
            Item.objects.bulk_create(items)
            items = []
        row, round_ = rows[i % len(rows)], i // len(rows)
        pool = background.get(row["language"]) or background["en"]
        summary = row["summary"]
        if summary:
            target = rng.randint(len(summary), 5000)
            while len(summary) < target:
                summary += " " + rng.choice(pool)
        content = ""
        if i % 3 == 0:
            limit, parts = rng.randint(5000, 50000), [f"<p>{row['summary'] or row['title']}</p>"]
            while sum(map(len, parts)) < limit:
                parts.append("<p>" + " ".join(rng.choice(pool) for _ in range(4)) + "</p>")
            content = "".join(parts)[:50000]
        when = row["published"] + timedelta(days=5 * round_)
        items.append(
            Item(
                source=sources[i % len(sources)],
                guid=f"a{i}",
                guid_hash=f"a{i}",
                url=f"https://bench.invalid/{i}",
                title=row["title"],
                summary=summary[:5000],
                content=content,
                text_hash=f"a{i}",
                first_seen_at=when,
                published_at=when,
            )  # fmt: skip
        )
    Item.objects.bulk_create(items)


def _setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.test")
    import django

    django.setup()


def assist_worker(database):
    """One round in a fresh process (as the task worker): process_items until nothing is
    left; prints its seconds, its own peak RSS and the events made, as JSON."""
    _setup()
    from django.db import connection

    connection.settings_dict["NAME"] = database
    from newswire import assist
    from newswire.models import Cluster

    assist.model()  # loaded once, as in the worker
    if (
        os.environ.get("BENCH_ASSIST_DIGESTS") == "0"
    ):  # to tell the events' cost from the extracts'
        assist.refresh_digests = lambda cluster_ids, current: None
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    started = time.monotonic()
    done = 0
    while step := assist.process_items():
        done += step
    seconds = time.monotonic() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_mb = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime - cpu_before
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb, "items": done,
                      "events": Cluster.objects.count()}))  # fmt: skip


def assist_main():
    """The assistance worker on real-length items; the items are written by this process,
    assisted by a fresh one a round, whose peak RSS is the worker's own."""
    _setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rounds = []
    try:
        from newswire.models import Cluster, Item, Source

        load = os.getloadavg()
        sources = [
            Source.objects.create(name=f"Assist {n}", feed_url=f"https://a{n}.invalid/feed",
                                  rights=Source.Rights.FULL if n % 3 == 0 else "summary")
            for n in range(40)
        ]  # fmt: skip
        for round_ in range(ASSIST_ROUNDS):
            Item.objects.all().delete()
            Cluster.objects.all().delete()
            _real_length_items(random.Random(round_), sources, ASSIST_ITEMS)
            database = connection.settings_dict["NAME"]
            if connection.vendor == "sqlite":
                connection.close()
            out = subprocess.run(  # noqa: S603
                [sys.executable, __file__, "--assist-worker", database],
                check=False, capture_output=True, text=True,
            )  # fmt: skip
            if out.returncode:
                raise SystemExit(
                    f"the worker failed (exit {out.returncode}): "
                    f"{out.stderr.strip().splitlines()[-1:]}"
                )
            rounds.append(json.loads(out.stdout.strip().splitlines()[-1]))
            assert rounds[-1]["items"] == ASSIST_ITEMS, rounds[-1]
        seconds = [r["seconds"] for r in rounds]
        peak_mb = max(r["peak_mb"] for r in rounds)
        rows = [
            ("items assisted a round", ASSIST_ITEMS),
            ("summary / full text, characters", "up to 5,000 / up to 50,000 (a third)"),
            ("rounds (a fresh worker process each)", ASSIST_ROUNDS),
            ("seconds, median (range)",
             f"{statistics.median(seconds):.1f} ({min(seconds):.1f}-{max(seconds):.1f})"),
            ("worker CPU seconds (user + system), median",
             f"{statistics.median(r['cpu'] for r in rounds):.1f}"),
            ("worker peak RSS, MB (largest round)", f"{peak_mb:.0f}"),
            ("load average at start (1/5/15 min)", " / ".join(f"{x:.2f}" for x in load)),
            ("events made", " / ".join(str(r["events"]) for r in rounds)),
            ("database", connection.vendor),
        ]  # fmt: skip
        width = max(len(name) for name, _ in rows)
        print("| assistance".ljust(width + 2) + " | value |")
        print("|" + "-" * (width + 1) + "|-------|")
        for name, value in rows:
            print(f"| {name.ljust(width)} | {value} |")
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    failures = []
    if max(seconds) > ASSIST_LIMIT_SECONDS:
        failures.append(f"assistance took {max(seconds):.1f} s (limit {ASSIST_LIMIT_SECONDS} s)")
    if peak_mb > ASSIST_LIMIT_MB:
        failures.append(f"assistance peaked at {peak_mb:.0f} MB (limit {ASSIST_LIMIT_MB} MB)")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--assist-worker"]:
        sys.exit(assist_worker(sys.argv[2]))
    sys.exit(assist_main() if sys.argv[1:] == ["--assist"] else main())
