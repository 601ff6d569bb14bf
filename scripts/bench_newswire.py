"""make bench-newswire: 500 sources served from loopback, each polled once, then re-polled.

Runs against a throwaway test database made from DATABASE_URL (test_<name>), with the
feeds served by a separate process so the poller's peak memory is its own. Prints a table;
exits non-zero when a target is missed (first poll over 60 s, a re-poll that is not one
conditional request per source, or a re-poll that creates anything).
"""

import hashlib
import multiprocessing
import os
import resource
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = int(os.environ.get("BENCH_SOURCES", 500))
ITEMS = int(os.environ.get("BENCH_ITEMS", 20))
LIMIT_SECONDS = 60


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
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
