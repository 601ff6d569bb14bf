"""make bench (part admin-lists): the editors' admin change lists at a million articles.

Times every change list (articles, newswire items, events, sources, users) with each of
its filters, its last filter with each other one, the date drill-down, a deep page and the
default order, in-process with Django's test client, on a MariaDB database of its own
that is seeded once and kept:

    BENCH_ADMIN_DATABASE_URL  [mysql://root@127.0.0.1:3306/aiblogger_bench_admin]
    BENCH_ADMIN_ARTICLES      articles wanted   [1000000]  (seed_demo; minutes, run once)
    BENCH_ADMIN_ITEMS         newswire items    [100000]   (bulk rows, well under a minute)
    BENCH_ADMIN_RUNS          timed runs a case [7]        (after one warm-up run)

Cases are timed in interleaved rounds; the table gives the median (p50) and the range in
milliseconds of wall time, the median CPU time of this process (Django's own work, not
MariaDB's), the queries each case ran and the load average. Exits 1 when a case's p50
is over 300 ms (the target of issue 21, goal 4).
"""

import hashlib
import os
import random
import re
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 300
URL = os.environ.get(
    "BENCH_ADMIN_DATABASE_URL", "mysql://root@127.0.0.1:3306/aiblogger_bench_admin"
)
ARTICLES = int(os.environ.get("BENCH_ADMIN_ARTICLES", 1_000_000))
ITEMS = int(os.environ.get("BENCH_ADMIN_ITEMS", 100_000))
RUNS = int(os.environ.get("BENCH_ADMIN_RUNS", 7))
LANGUAGES = ["en", "en", "en", "de", "fr", "es", "it", "nl"]


def setup():
    if not URL.startswith("mysql://"):
        sys.exit(f"bench_admin_lists: BENCH_ADMIN_DATABASE_URL must be mysql://, not {URL}")
    os.environ["DATABASE_URL"] = URL
    # The test settings: DEBUG off, the test client's host allowed, no static manifest.
    os.environ["DJANGO_SETTINGS_MODULE"] = "aiblogger.settings.test"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's response.context, to find the filters


def seed_articles():
    from articles.models import Article

    have = Article.objects.count()
    if have >= ARTICLES:
        return
    print(f"bench_admin_lists: seeding {ARTICLES - have:,} articles (minutes)", flush=True)
    subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "seed_demo", "--articles", str(ARTICLES), "--images", "0"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def seed_newswire():
    """ITEMS newswire items from 200 sources over 60 days, a third of them grouped in events."""
    from django.utils import timezone

    from articles.models import Section
    from newswire.models import Cluster, Item, Source

    have = Item.objects.count()
    if have >= ITEMS:
        return
    print(f"bench_admin_lists: seeding {ITEMS - have:,} newswire items", flush=True)
    rng = random.Random(21)
    sections = list(Section.objects.all()) or [None]
    sources = list(Source.objects.filter(feed_url__startswith="https://bench-"))
    for n in range(len(sources), 200):
        sources.append(
            Source.objects.create(
                name=f"Bench wire {n}",
                feed_url=f"https://bench-{n}.example/rss",
                rights=rng.choice(["headline", "summary", "full"]),
                section=rng.choice(sections),
                language=rng.choice(LANGUAGES),
                enabled=n % 10 != 0,
            )
        )
    now = timezone.now()
    statuses = ["new"] * 6 + ["dismissed", "filtered", "duplicate", "used"]
    batch, clusters = [], []
    for i in range(have, ITEMS):
        source = sources[i % len(sources)]
        seen = now - timedelta(seconds=(ITEMS - i) * 60 * 60 * 24 * 60 // ITEMS)
        cluster = None
        if i % 3 == 0:
            if not clusters or rng.random() < 0.3:
                clusters.append(
                    Cluster.objects.create(
                        title=f"Event {i}",
                        language=source.language,
                        first_item_at=seen,
                        last_item_at=seen,
                    )
                )
            cluster = clusters[-1]
            cluster.size += 1
            cluster.last_item_at = seen
        key = hashlib.sha256(f"{source.pk}-{i}".encode()).hexdigest()
        batch.append(
            Item(
                source=source,
                guid=f"https://bench-{source.pk}.example/{i}",
                guid_hash=key,
                url=f"https://bench-{source.pk}.example/{i}",
                url_hash=key,
                title=f"{source.name} reports story {i}: council votes on plan {i * 7}",
                summary=f"What {source.name} says about story {i}. " * 8,
                content=("<p>" + f"Paragraph {i} of the full text. " * 40 + "</p>")
                if source.rights == "full"
                else "",
                authors="Wire staff",
                published_at=seen - timedelta(minutes=5),
                first_seen_at=seen,
                changed_at=seen if i % 17 == 0 else None,
                language=source.language,
                text_hash=key,
                status=rng.choice(statuses),
                cluster=cluster,
            )
        )
        if len(batch) == 2000:
            Item.objects.bulk_create(batch)
            Cluster.objects.bulk_update(clusters[-200:], ["size", "last_item_at"])
            batch = []
    Item.objects.bulk_create(batch)
    Cluster.objects.bulk_update(clusters, ["size", "last_item_at"], batch_size=1000)
    # The events' stored counts (the events list's order and filters), as the worker leaves them.
    Cluster.objects.recount()


LISTS = {
    "articles": "/admin/articles/article/",
    "newswire items": "/admin/newswire/item/",
    "events": "/admin/newswire/cluster/",
    "sources": "/admin/newswire/source/",
    "users": "/admin/accounts/user/",
}
DRILL = re.compile(r'<nav class="toplinks">(.*?)</nav>', re.S)
LINK = re.compile(r'href="(\?[^"]+)"')


def cases(client):
    """(list, case, url) for the default order, every filter choice (up to three a filter),
    the last filter with each other one, the date drill-down to a day and the last page,
    found from each list as rendered."""
    found = []
    for name, url in LISTS.items():
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"bench_admin_lists: {url} answered {response.status_code}")
        cl = response.context["cl"]
        found.append((name, "default order", url))
        offered = []
        for spec in cl.filter_specs:
            choices = [c for c in spec.choices(cl) if not c.get("selected")][:3]
            for choice in choices:
                found.append(
                    (name, f"{spec.title}: {choice['display']}", url + choice["query_string"])
                )
            offered += [(spec.title, choices)] if choices else []
        # The last filter's first choice with each other filter's (an author with a status
        # reads both indexes).
        for title, choices in offered[:-1]:
            last_title, last = offered[-1][0], offered[-1][1][0]
            for choice in choices:
                found.append(
                    (
                        name,
                        f"{last_title} and {title}: {last['display']}, {choice['display']}",
                        url + last["query_string"] + "&" + choice["query_string"][1:],
                    )
                )
        drill, html = url, response.content.decode()
        for level in ("year", "month", "day"):
            nav = DRILL.search(html)
            links = [h.replace("&amp;", "&") for h in LINK.findall(nav.group(1))] if nav else []
            links = [h for h in links if f"__{level}=" in h]
            if not links:
                break
            drill = url + links[len(links) // 2]
            found.append((name, f"date: a {level}", drill))
            html = client.get(drill).content.decode()
        pages = cl.paginator.num_pages
        if pages > 1:
            found.append((name, f"page {pages} (last)", f"{url}?p={pages}"))
    return found


def main():
    setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from articles.models import Article
    from newswire.models import Item

    seed_articles()
    seed_newswire()
    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).first())
    todo = cases(client)
    queries, times, cpu = {}, {c: [] for c in todo}, {c: [] for c in todo}
    failed = []
    for case in todo:  # warm-up, and the queries each case runs
        with CaptureQueriesContext(connection) as captured:
            try:
                status = client.get(case[2]).status_code
            except Exception as exc:  # noqa: BLE001 - reported in the table, then exit 1
                status = f"{type(exc).__name__}: {exc}"[:120]
        if status != 200:
            print(f"bench_admin_lists: {case[2]} failed: {status}", file=sys.stderr)
            failed.append(case)
        queries[case] = len(captured)
    todo = [case for case in todo if case not in failed]
    for _ in range(RUNS):  # interleaved rounds
        for case in todo:
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(case[2])
            times[case].append((time.perf_counter() - start) * 1000)
            cpu[case].append((time.process_time() - start_cpu) * 1000)
    load = os.getloadavg()
    lines = [
        f"Admin change lists, in-process, {Article.objects.count():,} articles, "
        f"{Item.objects.count():,} newswire items, MariaDB; median of {RUNS} interleaved "
        f"rounds; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
        "",
        "| list | case | p50 ms | range ms | Python CPU p50 ms | queries |",
        "|---|---|---:|---:|---:|---:|",
    ]
    slow = []
    for case in todo:
        p50 = statistics.median(times[case])
        if p50 > TARGET_MS:
            slow.append(case)
        lines.append(
            f"| {case[0]} | {case[1]} | {p50:.0f} | {min(times[case]):.0f}–"
            f"{max(times[case]):.0f} | {statistics.median(cpu[case]):.0f} | {queries[case]} |"
        )
    for case in failed:
        lines.append(f"| {case[0]} | {case[1]} | failed | | | {queries[case]} |")
    out = ROOT / "bench-results" / "admin-lists.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if slow or failed:
        print(
            f"bench_admin_lists: {len(slow)} case(s) over {TARGET_MS} ms, {len(failed)} failed",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--seed-newswire"]:  # the items alone, beside a seed_demo run
        setup()
        seed_newswire()
        sys.exit(0)
    sys.exit(main())
