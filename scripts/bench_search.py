"""make bench-search: search engines side by side on a seeded archive, in-process.

    DATABASE_URL=mysql://.../aib_bench BENCH_SIZE=1000000 .venv/bin/python scripts/bench_search.py

Seeds the database to BENCH_SIZE articles if it holds fewer (seed_demo), starts a
searchd of its own (BENCH_SEARCHD_PORT, BENCH_SEARCHD_DIR) and, with --build or an
empty index, builds it (search_index --rebuild's code) and, for the comparison,
a Mroonga table (storage mode, inside MariaDB) from the same articles. Then:

- speed: each query class (a rare word, a word in every story, two words, a
  quoted phrase, an exact headline), in both orders (relevance blended with
  recency, newest first), BENCH_ROUNDS interleaved rounds; p50 and p99 over all
  samples and the range of the rounds' medians;
- completeness (production engine only): BENCH_COMPLETENESS random public stories,
  each searched by its exact headline and by 2-3 adjacent common words of its body,
  quoted and not; the share found on page one (20 results).

Queries are drawn with their own seed (held out: never used to tune anything).
Prints Markdown tables; exits non-zero when a target of issue 21 is missed.
"""

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import search  # noqa: E402
from articles.demotext import NewsText  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.search import sphinx  # noqa: E402

SEED = 20261205  # the held-out queries' own seed
PAGE = 20
CLASSES = ("rare word", "word in every story", "two words", "phrase", "exact headline")
MROONGA_TABLE = "bench_mroonga"


def log(message):
    print(message, file=sys.stderr, flush=True)


# --- queries ------------------------------------------------------------------------------


def public_sample(rng, count):
    """count random public stories across the whole archive: (id, title, body)."""
    top = Article.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # BENCH_MAX_ID: sample only ids up to it (an index built that far).
    top = min(top, int(os.environ.get("BENCH_MAX_ID", top)))
    chosen = {}
    public = Article.objects.published()
    while len(chosen) < count:
        ids = [rng.randint(1, top) for _ in range(count * 2)]
        for row in public.filter(pk__in=ids).values_list("pk", "title", "body"):
            chosen.setdefault(row[0], row)
    return list(chosen.values())[:count]


def story_words(body):
    """The words of the generated paragraphs (after the lead, before the template)."""
    paragraphs = body.split("\n\n")
    return [re.findall(r"[a-z]+", p.lower()) for p in paragraphs[1:3]]


def common_run(body, common, rng, size):
    """size adjacent words of the body that are each among the common words, or None."""
    runs = []
    for words in story_words(body):
        for start in range(len(words) - size + 1):
            window = words[start : start + size]
            if all(word in common for word in window) and len(set(window)) == size:
                runs.append(window)
    return rng.choice(runs) if runs else None


def query_sets(rng, per_class):
    text = NewsText()
    stories = public_sample(rng, per_class * 2)
    rare = [rng.choice(text.words[20_000:]) for _ in range(per_class)]
    mid = text.words[300:3000]
    phrases = []
    for _, _, body in stories:
        for words in story_words(body)[:1]:
            if len(words) > 4:
                start = rng.randrange(len(words) - 3)
                phrases.append('"' + " ".join(words[start : start + 3]) + '"')
    return {
        "rare word": rare,
        "word in every story": ["officials", "decision", "people", "affects"] * (per_class // 4),
        "two words": [f"{rng.choice(mid)} {rng.choice(mid)}" for _ in range(per_class)],
        "phrase": phrases[:per_class],
        "exact headline": [title for _, title, _ in stories[:per_class]],
    }


# --- engines ------------------------------------------------------------------------------


class Sphinx:
    name = "Sphinx 2.2.11 searchd (RT index)"

    def search(self, query, order):
        return search.search(query, order=order, limit=PAGE).ids

    def build(self):
        started = time.perf_counter()
        search.rebuild(progress=None)
        return time.perf_counter() - started


class Mroonga:
    name = "Mroonga (MariaDB storage mode)"

    def ensure_plugin(self):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM information_schema.engines WHERE engine='Mroonga'"
            )
            if not cursor.fetchone()[0]:
                raise SystemExit(
                    "Mroonga is not loaded: as MariaDB root, INSTALL SONAME 'ha_mroonga'."
                )

    def build(self):
        self.ensure_plugin()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {MROONGA_TABLE}")
            cursor.execute(
                f"CREATE TABLE {MROONGA_TABLE} (id BIGINT PRIMARY KEY, title VARCHAR(255), "
                "standfirst VARCHAR(300), body MEDIUMTEXT, public_since INT UNSIGNED, "
                "KEY (public_since), FULLTEXT (title, standfirst, body)) "
                "ENGINE=Mroonga DEFAULT CHARSET=utf8mb4"
            )
            started = time.perf_counter()
            cursor.execute(
                f"INSERT INTO {MROONGA_TABLE} SELECT id, title, standfirst, body, "  # noqa: S608
                "IF(status = 'published', UNIX_TIMESTAMP(published_at), 0) FROM articles_article"
            )
        return time.perf_counter() - started

    def search(self, query, order):
        parsed = search.parse(query)
        against = " ".join(f'+"{w}"' for w in parsed.words)
        against += " " + " ".join('+"' + " ".join(p) + '"' for p in parsed.phrases)
        now = int(timezone.now().timestamp())
        match = "MATCH (title, standfirst, body) AGAINST (%s IN BOOLEAN MODE)"
        if order == "newest":
            select, order_by, params = "", "public_since DESC", [against, now]
        else:
            age = f"(({now} - public_since) / 86400)"
            select = f", {match} * {search.freshness_sql(age)} AS score"
            order_by, params = "score DESC", [against, against, now]
        sql = (
            f"SELECT id{select} FROM {MROONGA_TABLE} WHERE {match} "  # noqa: S608
            f"AND public_since BETWEEN 1 AND %s ORDER BY {order_by} LIMIT {PAGE}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]


# --- measuring ----------------------------------------------------------------------------


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def time_classes(engine, queries, rounds):
    """{(class, order): (samples in ms, medians of the rounds)}, rounds interleaved."""
    samples, medians = {}, {}
    for _ in range(rounds):
        for order in ("relevance", "newest"):
            for name in CLASSES:
                times = []
                for query in queries[name]:
                    started = time.perf_counter()
                    engine.search(query, order)
                    times.append((time.perf_counter() - started) * 1000)
                samples.setdefault((name, order), []).extend(times)
                medians.setdefault((name, order), []).append(statistics.median(times))
    return {key: (samples[key], medians[key]) for key in samples}


def admin_lists(queries, rounds):
    """{view: ms samples} of the article change list through Django's test client."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())
    story = Article.objects.published().order_by("pk").first()
    views = {
        "default order": {},
        "status filter": {"status__exact": "published"},
        "section filter": {"section__id__exact": story.section_id},
        "featured filter": {"featured__exact": "1"},
        "date drill-down (a year)": {"published_at__year": story.published_at.year},
        "deep page (50, or the last)": {"p": max(1, min(50, Article.objects.count() // 100))},
        "search: rare word": {"q": queries["rare word"][0]},
        "search: word in every story": {"q": "officials"},
        "search: exact headline": {"q": queries["exact headline"][0]},
    }
    samples = {}
    for _ in range(rounds):
        for name, params in views.items():
            started = time.perf_counter()
            response = client.get("/admin/articles/article/", params)
            samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (name, response.status_code)
    return samples


def completeness(rng, count):
    """Share found on page one: exact headline, and 2-3 common body words quoted and not.

    Also per search: how many stories hold the quoted words (when more than a page
    do, no order can promise a random one of them page one) and the run's length.
    """
    common = set(NewsText().words[:3000])
    stories = public_sample(rng, count)
    found = {"exact headline": [], "common words, quoted": [], "common words": []}
    totals, details = [], []
    for pk, title, body in stories:
        found["exact headline"].append(pk in search.search(title, limit=PAGE).ids)
        run = common_run(body, common, rng, rng.choice((2, 3)))
        if run is None:
            continue
        quoted = search.search('"' + " ".join(run) + '"', limit=PAGE)
        found["common words, quoted"].append(pk in quoted.ids)
        plain = search.search(" ".join(run), limit=PAGE)
        found["common words"].append(pk in plain.ids)
        totals.append(min(search.search(word, limit=1).total for word in run))
        details.append((len(run), quoted.total, pk in quoted.ids, pk in plain.ids))
    return found, totals, details


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--build", nargs="?", const="sphinx,mroonga", default="", help="(Re)build these indexes."
    )
    parser.add_argument("--engines", default="sphinx,mroonga")
    parser.add_argument("--no-completeness", action="store_true")
    args = parser.parse_args()
    size = int(os.environ.get("BENCH_SIZE", 1_000_000))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3))
    per_class = int(os.environ.get("BENCH_QUERIES", 40))
    port = int(os.environ.get("BENCH_SEARCHD_PORT", 9791))
    default_dir = f"/tmp/bench-searchd-{port}"  # noqa: S108 - a scratch index, rebuilt at will
    directory = Path(os.environ.get("BENCH_SEARCHD_DIR", default_dir))

    if Article.objects.count() < size:
        log(f"seeding to {size:,} articles (seed_demo)")
        call_command("seed_demo", "--articles", str(size), "--images", "0")
    # The Ansible role's rt_mem_limit (ansible/roles/search/defaults/main.yml).
    searchd = sphinx.LocalSearchd(directory, port, mem_limit="512M").start()
    from django.conf import settings

    settings.SEARCH_URL = searchd.url
    engines = {"sphinx": Sphinx(), "mroonga": Mroonga()}
    engines = {name: engines[name] for name in args.engines.split(",")}
    builds = {}
    try:
        for name, engine in engines.items():
            empty = name == "sphinx" and not search.search("officials", limit=1).total
            if name in args.build.split(",") or empty:
                log(f"building {engine.name}")
                builds[name] = engine.build()
        rng = random.Random(SEED)
        queries = query_sets(rng, per_class)
        results = {name: time_classes(engine, queries, rounds) for name, engine in engines.items()}
        found = totals = details = None
        if not args.no_completeness:
            found, totals, details = completeness(random.Random(SEED + 1), 300)
        admin = admin_lists(queries, max(rounds, 5))
    finally:
        searchd.stop()
    report(size, rounds, per_class, engines, builds, results, found, totals, details)
    print("\n| article change list (admin, in-process) | p50 ms | range ms |")
    print("|---|---|---|")
    for name, times in admin.items():
        print(f"| {name} | {statistics.median(times):.0f} | {min(times):.0f}-{max(times):.0f} |")


def report(size, rounds, per_class, engines, builds, results, found, totals, details):
    load = os.getloadavg()[0]
    print(f"\n### Search at {size:,} articles ({os.cpu_count()} cores, load {load:.1f})\n")
    print(
        f"In-process through articles.search, {per_class} queries per class, {rounds} "
        "interleaved rounds; ms: p50 / p99 of all samples (range of the rounds' medians).\n"
    )
    header = "| query class | order | " + " | ".join(e.name for e in engines.values()) + " |"
    print(header)
    print("|" + "---|" * (2 + len(engines)))
    for name in CLASSES:
        for order in ("relevance", "newest"):
            cells = []
            for engine in engines:
                samples, medians = results[engine][(name, order)]
                cells.append(
                    f"{percentile(samples, 0.5):.1f} / {percentile(samples, 0.99):.1f} "
                    f"({min(medians):.1f}-{max(medians):.1f})"
                )
            print(f"| {name} | {order} | " + " | ".join(cells) + " |")
    if builds:
        print(
            "| build | | "
            + " | ".join(f"{builds[e]:.0f} s" if e in builds else "-" for e in engines)
            + " |"
        )
    if found:
        print("\n| completeness (page one of 20) | found | searches |")
        print("|---|---|---|")
        for label, hits in found.items():
            print(f"| {label} | {100 * sum(hits) / max(1, len(hits)):.1f} % | {len(hits)} |")
        if totals:
            print(
                f"\nEach common word searched alone matched at least {min(totals):,} stories "
                f"(median {statistics.median(totals):,.0f}; the API counts up to "
                f"{search.MAX_MATCHES:,})."
            )
        if details:
            print("\n| common words | searches | phrase in at most 20 stories | quoted found | "
                  "unquoted found |")  # fmt: skip
            print("|---|---|---|---|---|")
            for size_ in (2, 3):
                rows = [d for d in details if d[0] == size_]
                if rows:
                    share = [100 * sum(r[i] for r in rows) / len(rows) for i in (2, 3)]
                    fits = 100 * sum(r[1] <= PAGE for r in rows) / len(rows)
                    print(f"| {size_} | {len(rows)} | {fits:.0f} % | {share[0]:.0f} % | "
                          f"{share[1]:.0f} % |")  # fmt: skip


if __name__ == "__main__":
    main()
