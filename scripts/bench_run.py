"""Load-test the real stack with wrk and write bench-results/latest.md (`make bench`).

Seeds N articles (env N, default 10,000) into MariaDB database aiblogger_bench,
starts gunicorn + Nginx as the stack test does (scripts/stack_lib.py) and drives
each case over HTTPS on loopback, interleaved, at a few concurrencies:

- static: a file Nginx serves itself, the machine's ceiling;
- bare: a Django view with no middleware under the same gunicorn
  (scripts/bench_wsgi.py), Django's own floor;
- hello: the site's view that touches no database (BENCH_ENDPOINTS), through
  every middleware: the site's floor;
- the reader pages, each "cold" (a unique query string per request misses both
  Nginx's microcache and the app's page cache, whose keys hold the full URL)
  and "warm" (the same URL again and again, as a burst of readers sends it);
- home and article answered by the app's page cache past Nginx's microcache.

Then it compares gunicorn worker classes on the app-bound cases, times the
render of each page inside one Django process (part "render": past the page
caches, as "cold" above, and right after a change readers could see, when every
cache below the pages is retired too), and (part "scale") seeds an archive of
each size in BENCH_SIZES into its own database aiblogger_bench_<size> and
measures every public page cold at low concurrency, so the table shows how
latency grows with the archive. It is a benchmark, not a
test: nothing here passes or fails on a number.

Every ratio is taken inside one round (a case against static, bare and hello
measured in the same round) and reported as the median and the range over the
rounds, with the load average at the start of each round; the order of the
cases is reversed every other round, so a drift in load favours none of them.

Environment: N (10000), BENCH_SECONDS (4), BENCH_CONCURRENCY ("8 64"),
BENCH_ROUNDS (5), BENCH_WORKER_CLASSES ("sync gthread"), BENCH_PARTS
("pages classes render scale"), BENCH_SIZES ("1000 100000 1000000"),
BENCH_SCALE_CONCURRENCY (1), BENCH_FORCE (0). STACK_PORT_OFFSET and
STACK_DB_SUFFIX move ports and database names, as for the stack tests.
"""

# ruff: noqa: S603, S607 (fixed command lines; wrk and mysql found on PATH)
import json
import os
import platform
import re
import secrets
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_lib import REPO, Stack, StackError  # noqa: E402

COLD_SCRIPT = """\
-- Every request gets a URL nobody asked for before: a miss in every cache.
local counter, thread_id = 0, 0
local threads = 0
function setup(thread)
    threads = threads + 1
    thread:set("tid", threads)
end
function init(args)
    path = args[1]
    sep = string.find(path, "?", 1, true) and "&" or "?"
    thread_id = tid
end
function request()
    counter = counter + 1
    return wrk.format("GET", path .. sep .. "bench=" .. thread_id .. "-" .. counter)
end
"""
# Nginx skips its microcache for either session cookie name (dev and production);
# production Django sees no session of its own (__Host-sessionid), so its page
# cache answers: the "app-cache hit" rows measure that path.
APP_CACHE_COOKIE = "sessionid=bench"
# Search at scale, for a word of one demo subject (a news reader's query; the
# report gives its share of the newest stories as measured) and for one in
# every demo story's lead (the worst case).
SCALE_SEARCH_WORDS = ("harbour", "officials")
# The scale table's goal: a page at the largest size is at most this much slower.
SCALE_RATIO_GOAL = 1.3
# The three floors every page is compared with, in the same round.
STATIC = "static file (Nginx)"
BARE = "bare Django view (no middleware)"
HELLO = "hello view (the site's middleware, no DB)"


def env_int(name, default):
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        sys.exit(f"bench: {name} must be a whole number, not {value!r}")


def parse_wrk(output):
    def number(pattern, scale=None):
        match = re.search(pattern, output)
        if not match:
            return None
        value = float(match.group(1))
        return value * scale[match.group(2)] if scale else value

    to_ms = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50": number(r"\s50%\s+([\d.]+)(us|ms|s|m)\b", to_ms),
        "p99": number(r"\s99%\s+([\d.]+)(us|ms|s|m)\b", to_ms),
        "errors": (int(errors.group(1)) if errors else 0),
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


class Bench:
    def __init__(self, stack, seconds, cold_script):
        self.stack = stack
        self.seconds = seconds
        self.cold_script = cold_script
        self.base = f"https://{stack.host}:{stack.https_port}"

    def run(self, path, concurrency, *, cold=False, past_nginx=False):
        command = [
            "wrk", "--latency", f"-t{min(2, concurrency)}", f"-c{concurrency}",
            f"-d{self.seconds}s", "--timeout", "10s", "-H", "Accept-Encoding: gzip",
        ]  # fmt: skip
        if past_nginx:
            command += ["-H", f"Cookie: {APP_CACHE_COOKIE}"]
        if cold:
            command += ["-s", self.cold_script, self.base + "/", "--", path]
        else:
            command.append(self.base + path)
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode:
            raise StackError(f"wrk failed on {path}: {result.stderr.strip()}")
        if os.environ.get("BENCH_VERBOSE"):
            print(result.stdout)
        return parse_wrk(result.stdout)


def discover(stack):
    return stack.shell_json(
        "import json\n"
        "from articles import listing\n"
        "from articles.models import Article, ArticleTag\n"
        "qs = Article.objects.published().order_by('-published_at', '-id')\n"
        "n = qs.count()\n"
        "a = qs.select_related('section')[n // 3]\n"
        "deep = qs[int(n * 0.9)]\n"
        "tag = ArticleTag.objects.filter(public_since__isnull=False)"
        ".select_related('tag')[0].tag\n"
        "author = a.author_links.select_related('author')[0].author\n"
        "print(json.dumps({'article': a.get_absolute_url(), 'section': "
        "a.section.get_absolute_url(), 'tag': tag.get_absolute_url(), "
        "'author': author.get_absolute_url(), "
        "'deep': '/?before=' + listing.encode_cursor(deep), 'count': n}))"
    )


def last_article_sitemap(stack):
    """The path of the sitemap index's last page of articles: the deepest one."""
    context = ssl.create_default_context(cafile=str(stack.cert))
    url = f"https://{stack.host}:{stack.https_port}/sitemap.xml"
    with urllib.request.urlopen(url, context=context, timeout=300) as response:  # noqa: S310
        index = response.read().decode()
    locations = [urlsplit(loc) for loc in re.findall(r"<loc>([^<]+)</loc>", index)]
    articles = [loc for loc in locations if "articles" in loc.path] or locations
    last = articles[-1]
    return last.path + (f"?{last.query}" if last.query else "")


def bench_settings():
    """The run's knobs from the environment; exits when the machine is too busy."""
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    if load > 0.5 * cores and os.environ.get("BENCH_FORCE") != "1":
        sys.exit(
            f"bench: the machine is busy (load average {load:.2f} on {cores} cores); "
            "numbers would be noise. Wait, or set BENCH_FORCE=1."
        )
    if load > 0.5 * cores:
        print(f"WARNING: load average {load:.2f} on {cores} cores: numbers are unreliable")
    return {
        "n": env_int("N", 10_000),
        "seconds": env_int("BENCH_SECONDS", 4),
        "rounds": env_int("BENCH_ROUNDS", 5),
        "concurrencies": [int(c) for c in os.environ.get("BENCH_CONCURRENCY", "8 64").split()],
        "worker_classes": os.environ.get("BENCH_WORKER_CLASSES", "sync gthread").split(),
        "parts": os.environ.get("BENCH_PARTS", "pages classes render scale").split(),
        "sizes": sorted(
            int(size) for size in os.environ.get("BENCH_SIZES", "1000 100000 1000000").split()
        ),
        "scale_concurrency": env_int("BENCH_SCALE_CONCURRENCY", 1),
        "load": load,
    }


def page_cases(stack, urls):
    manifest = (stack.tmp / "static" / "staticfiles.json").read_text()
    static = "/static/" + re.search(r'"admin/css/base.css": "([^"]+)"', manifest).group(1)
    return [
        (STATIC, static, False),
        (BARE, "/bench/bare/", True),
        (HELLO, "/bench/hello/", True),
        ("home", "/", None),
        ("home app-cache hit (past Nginx's microcache)", "/", "app"),
        ("article", urls["article"], None),
        ("article app-cache hit (past Nginx's microcache)", urls["article"], "app"),
        ("section", urls["section"], None),
        ("tag", urls["tag"], None),
        ("search", "/search/?q=harbour", None),
        ("feed", "/feeds/latest.rss", None),
        ("older stories (keyset, 90% deep)", urls["deep"], None),
    ]


def round_loads(config):
    """The load average (1 min) at the start of each round, appended as rounds start."""
    return config.setdefault("round_loads", {})


def start_round(config, part, round_number):
    load = os.getloadavg()[0]
    round_loads(config).setdefault(part, []).append(load)
    print(f"  {part}, round {round_number + 1}: load average {load:.2f}", flush=True)


def bench_pages(bench, cases, config):
    """Every case cold and warm at each concurrency, interleaved over the rounds.

    {(case, concurrency): [one wrk result per round, in round order]}.
    """
    results = {}
    for round_number in range(config["rounds"] if "pages" in config["parts"] else 0):
        start_round(config, "pages", round_number)
        order = cases if round_number % 2 == 0 else cases[::-1]
        for concurrency in config["concurrencies"]:
            for name, path, mode in order:
                if mode is None:
                    variants = [("cold", True), ("warm", False)]
                else:
                    variants = [("", mode is True)]
                for label, cold in variants:
                    key = (f"{name} {label}".strip(), concurrency)
                    print(f"  round {round_number + 1}: {key[0]} at c={concurrency}", flush=True)
                    run = bench.run(path, concurrency, cold=cold, past_nginx=mode == "app")
                    results.setdefault(key, []).append(run)
    return results


def bench_worker_classes(bench, stack, app_cases, config):
    """gunicorn's worker classes on what gunicorn itself does: the floor and cold pages."""
    classes = {}
    concurrency = max(config["concurrencies"])
    for round_number in range(config["rounds"] if "classes" in config["parts"] else 0):
        start_round(config, "classes", round_number)
        # Alternate the order, so a drift in the machine's load favours no one.
        order = config["worker_classes"]
        order = order if round_number % 2 == 0 else order[::-1]
        for worker_class in order:
            stack.stop_app()
            stack.env["GUNICORN_WORKER_CLASS"] = worker_class
            stack.env["GUNICORN_THREADS"] = "4" if worker_class == "gthread" else "1"
            stack.start_app()
            stack.wait_healthy()
            bench.run("/bench/hello/", concurrency, cold=True)  # every worker warm
            for name, path, cold in app_cases:
                print(f"  round {round_number + 1}: {worker_class}, {name}", flush=True)
                run = bench.run(path, concurrency, cold=cold)
                classes.setdefault((worker_class, name), []).append(run)
    return classes


# Run by `manage.py shell` with the stack's production settings and Redis.
RENDER_CODE = """
import json, os, time
from django.db import transaction
from django.test import Client
from articles.pagecache import invalidate_public_pages

paths, host, rounds, count = json.loads(os.environ["BENCH_RENDER"])
client = Client(HTTP_HOST=host)
mark = os.urandom(4).hex()
serial = iter(range(10**9))

def render(path):
    joiner = "&" if "?" in path else "?"
    started = time.perf_counter()
    response = client.get(f"{path}{joiner}render={mark}{next(serial)}", secure=True)
    spent = time.perf_counter() - started
    assert response.status_code == 200, (path, response.status_code)
    return spent

def past_page_caches(path):
    for _ in range(20):
        render(path)
    return min(sum(render(path) for _ in range(count)) / count for _ in range(rounds))

def after_a_change(path):
    times = []
    for _ in range(rounds * count // 4):
        with transaction.atomic():
            invalidate_public_pages()
        times.append(render(path))
    return sorted(times)[len(times) // 2]

out = {}
for name, path in paths:
    out[name] = [past_page_caches(path) * 1000, after_a_change(path) * 1000]
print(json.dumps(out))
"""


def render_cases(urls):
    return [
        ("hello view", "/bench/hello/"),
        ("home", "/"),
        ("article", urls["article"]),
        ("section", urls["section"]),
        ("tag", urls["tag"]),
        ("author", urls["author"]),
        ("search", "/search/?q=harbour"),
        ("older stories (keyset, 90% deep)", urls["deep"]),
    ]


def bench_render(stack, urls, config):
    """{page: (ms past the page caches, ms right after a change)}, in one process.

    Past the page caches: the mean of 200 renders with unique query strings, best
    of the rounds; what pages are built from (cards, the story, home's page one)
    comes from Redis, as between two changes. After a change: the median render
    just after invalidate_public_pages(), which retires all of it with the pages.
    """
    job = json.dumps([render_cases(urls), stack.host, max(config["rounds"], 3), 200])
    stack.env["BENCH_RENDER"] = job
    try:
        return stack.shell_json(RENDER_CODE)
    finally:
        del stack.env["BENCH_RENDER"]


def make_stack(db_name):
    offset = int(os.environ.get("STACK_PORT_OFFSET", "0"))
    return Stack(
        db_name=db_name,
        host="localhost",  # wrk takes SNI from the URL, and localhost resolves without /etc/hosts
        http_port=18081 + offset,
        https_port=18444 + offset,
        app_env={
            "BENCH_ENDPOINTS": "true",
            "GUNICORN_ACCESS_LOG": "",
            # The site plus the bare Django view, in the same gunicorn (bench_wsgi.py).
            "GUNICORN_WSGI_APP": "bench_wsgi:application",
            "PYTHONPATH": str(REPO / "scripts"),
        },
        access_log=False,
        media_root=REPO / "var" / "bench-media",
    )


def bench_main_stack(config, cold_script):
    """The pages and classes parts, on N articles in aiblogger_bench."""
    stack = make_stack("aiblogger_bench")
    try:
        print(f"bench: migrating and seeding {config['n']:,} articles (kept between runs)")
        stack.up(seed_articles=config["n"], password=secrets.token_urlsafe(9), fresh=False)
        urls = discover(stack)
        cases = page_cases(stack, urls)
        app_cases = [
            (BARE, "/bench/bare/", True),
            (HELLO, "/bench/hello/", True),
            ("home cold", "/", True),
            ("article cold", urls["article"], True),
        ]
        bench = Bench(stack, config["seconds"], cold_script)
        results = classes = render = {}
        if {"pages", "classes"} & set(config["parts"]):
            for _, path, _ in cases:  # prime every page once, so "warm" means warm
                bench.run(path, 1)
            results = bench_pages(bench, cases, config)
            classes = bench_worker_classes(bench, stack, app_cases, config)
        if "render" in config["parts"]:
            print("  render: each page inside one Django process", flush=True)
            render = bench_render(stack, urls, config)
    finally:
        stack.down()
    return results, classes, urls, render


# How many of search's window of newest stories hold each word (run by `manage.py shell`).
SHARE_CODE = """
import json
from django.db import connection
from articles.listing import _match_sql
from articles.models import SearchWindow
table = SearchWindow._meta.db_table
out = {}
for word in %r:
    match, against = _match_sql(table, [word], "boolean")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), SUM({match} > 0) FROM {table}", [against])
        total, holding = cursor.fetchone()
    out[word] = [int(holding or 0), int(total or 0)]
print(json.dumps(out))
"""


def search_shares(stack):
    """{word: [stories of search's window holding it, stories in the window]}."""
    return stack.shell_json(SHARE_CODE % (SCALE_SEARCH_WORDS,))


def scale_cases(stack, urls):
    return [
        ("home", "/"),
        ("section", urls["section"]),
        ("tag", urls["tag"]),
        ("author", urls["author"]),
        ("article", urls["article"]),
        *((f"search ?q={word}", f"/search/?q={word}") for word in SCALE_SEARCH_WORDS),
        ("sitemap index", "/sitemap.xml"),
        ("sitemap, last page of articles", last_article_sitemap(stack)),
        ("feed (RSS)", "/feeds/latest.rss"),
        ("feed (Atom)", "/feeds/latest.atom"),
        ("older stories (keyset, 90% deep)", urls["deep"]),
    ]


def bench_scale(config, cold_script):
    """Every public page cold, at low concurrency, on an archive of each size.

    Each size has its own database, kept between runs (seed_demo adds only what
    is missing), so a second run does not seed again.
    """
    scale = {}
    concurrency = config["scale_concurrency"]
    for size in config["sizes"]:
        stack = make_stack(f"aiblogger_bench_{size}")
        try:
            print(f"bench scale: migrating and seeding {size:,} articles (kept between runs)")
            seeded = time.monotonic()
            stack.up(seed_articles=size, password=secrets.token_urlsafe(9), fresh=False)
            seconds = time.monotonic() - seeded
            urls = discover(stack)
            shares = search_shares(stack)
            cases = scale_cases(stack, urls)
            prime = Bench(stack, 1, cold_script)
            for _, path in cases:  # every worker has loaded every page's code once
                prime.run(path, 2, cold=True)
            bench = Bench(stack, config["seconds"], cold_script)
            runs = {}
            for round_number in range(config["rounds"]):
                for name, path in cases:
                    print(f"  {size:,}, round {round_number + 1}: {name} cold", flush=True)
                    runs.setdefault(name, []).append(bench.run(path, concurrency, cold=True))
        finally:
            stack.down()
        scale[size] = {
            "published": urls["count"],
            "up_seconds": seconds,
            "paths": dict(cases),
            "search_shares": shares,
            "rows": {name: merge(case_runs) for name, case_runs in runs.items()},
        }
    return scale


def stop_on_signals():
    """INT and TERM unwind through the finally blocks that stop gunicorn and Nginx.

    A background job of a non-interactive shell (bench.sh's child) starts with
    SIGINT ignored, and Python keeps it so; bench.sh's trap relies on this.
    """

    def interrupt(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def main():
    stop_on_signals()
    config = bench_settings()
    cold_script = Path(tempfile.mkstemp(suffix=".lua")[1])
    cold_script.write_text(COLD_SCRIPT)
    started = time.monotonic()
    results, classes, urls, render, scale = {}, {}, None, {}, {}
    try:
        if {"pages", "classes", "render"} & set(config["parts"]):
            results, classes, urls, render = bench_main_stack(config, str(cold_script))
        if "scale" in config["parts"]:
            scale = bench_scale(config, str(cold_script))
    except StackError as exc:
        sys.exit(f"bench: {exc}")
    finally:
        cold_script.unlink(missing_ok=True)
    write_report(render_report(results, classes, urls, render, scale, config, started))


def write_report(report):
    out = REPO / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report)
    print(report)
    print(f"written to {out / 'latest.md'}")


def merge(runs):
    """Median over the rounds of each number."""

    def median(key):
        values = [run[key] for run in runs if run[key] is not None]
        return statistics.median(values) if values else None

    return {
        "rps": median("rps"),
        "p50": median("p50"),
        "p99": median("p99"),
        "errors": sum(run["errors"] for run in runs),
    }


def fmt(value, digits=0):
    return "n/a" if value is None else f"{value:,.{digits}f}"


def report_header(urls, config):
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    articles = (
        f"{urls['count']:,} published articles (N={config['n']:,}); "
        if urls
        else f"archives of {', '.join(f'{size:,}' for size in config['sizes'])} articles; "
    )
    return [
        "# aiblogger benchmark",
        "",
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on {platform.node()}: "
        f"{os.cpu_count()} cores, load average {config['load']:.2f} before the run; "
        f"{articles}MariaDB, Redis cache; "
        f"gunicorn {os.environ.get('GUNICORN_WORKER_CLASS', 'gthread')} x {workers} behind "
        "Nginx over HTTPS (HTTP/1.1 keep-alive), "
        f"wrk -t2 on the same machine; {config['seconds']} s per case, "
        f"{config['rounds']} interleaved rounds (the order reversed every other round).",
        "",
        "cold = a unique query string per request (misses Nginx's microcache and the app's "
        "page cache); warm = the same URL repeatedly (Nginx microcache, 5 s); app-cache hit "
        f"= the same URL with `{APP_CACHE_COOKIE}`, which Nginx passes by and production "
        "Django ignores, so the app's page cache answers.",
        "",
    ]


def per_round_ratios(runs, base_runs):
    """Each round's req/s over the base's req/s in the same round."""
    return [
        run["rps"] / base["rps"]
        for run, base in zip(runs, base_runs, strict=False)
        if run["rps"] and base["rps"]
    ]


def spread(values, digits=2):
    """'median (min-max)' of a list of numbers, or n/a."""
    if not values:
        return "n/a"
    middle = fmt(statistics.median(values), digits)
    if len(values) == 1:
        return middle
    return f"{middle} ({fmt(min(values), digits)}–{fmt(max(values), digits)})"


def report_loads(config, part):
    loads = round_loads(config).get(part, [])
    return [
        "Load average (1 min) at the start of each round: "
        + ", ".join(f"{load:.2f}" for load in loads)
        + ".",
        "",
    ]


def report_pages(results, concurrency):
    floors = {name: results[(name, concurrency)] for name in (STATIC, BARE, HELLO)}
    lines = [
        f"## {concurrency} concurrent connections",
        "",
        "req/s and every ratio: median (range) over the rounds; each ratio is taken "
        "against the floor measured in the same round.",
        "",
        "| case | req/s | p50 ms | p99 ms | vs static | vs bare Django | vs hello | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for (name, c), runs in results.items():
        if c != concurrency:
            continue
        row = merge(runs)
        rps = [run["rps"] for run in runs if run["rps"]]
        cells = [spread(per_round_ratios(runs, floors[floor]), 3) for floor in floors]
        lines.append(
            f"| {name} | {spread(rps, 0)} | {fmt(row['p50'], 1)} | {fmt(row['p99'], 1)} "
            f"| {' | '.join(cells)} | {row['errors']} |"
        )
    return [*lines, ""]


def report_classes(classes, config):
    workers = os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1))
    lines = [
        f"## gunicorn worker class ({max(config['concurrencies'])} connections, {workers} "
        "workers; gthread with 4 threads each; median (range) of the rounds)",
        "",
        "| worker class | case | req/s | p50 ms | p99 ms | vs bare Django | vs hello |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for (worker_class, name), runs in classes.items():
        row = merge(runs)
        rps = [run["rps"] for run in runs if run["rps"]]
        bare = spread(per_round_ratios(runs, classes.get((worker_class, BARE), [])), 3)
        hello = spread(per_round_ratios(runs, classes.get((worker_class, HELLO), [])), 3)
        lines.append(
            f"| {worker_class} | {name} | {spread(rps, 0)} | {fmt(row['p50'], 1)} "
            f"| {fmt(row['p99'], 1)} | {bare} | {hello} |"
        )
    return [*lines, ""]


def report_scale(scale, config):
    sizes = sorted(scale)
    smallest, largest = sizes[0], sizes[-1]
    lines = [
        f"## Scale: cold pages by archive size (c={config['scale_concurrency']}, "
        f"median of {config['rounds']} rounds)",
        "",
        "Each size is its own database, seeded by `seed_demo --articles <size>`; "
        + "; ".join(
            f"{size:,}: {scale[size]['published']:,} published, stack up in "
            f"{scale[size]['up_seconds']:.0f} s"
            for size in sizes
        )
        + " (seeding included when the database was new).",
        "",
        "| page | "
        + " | ".join(f"p50 / p99 ms at {size:,}" for size in sizes)
        + f" | p50 {largest:,} / {smallest:,} | errors |",
        "|---|" + "---:|" * (len(sizes) + 2),
    ]
    for name in scale[smallest]["rows"]:
        rows = [scale[size]["rows"].get(name) for size in sizes]
        cells = [f"{fmt(row['p50'], 1)} / {fmt(row['p99'], 1)}" if row else "n/a" for row in rows]
        first, last = rows[0], rows[-1]
        ratio = last["p50"] / first["p50"] if last and first and first["p50"] else None
        flag = "" if ratio is None or ratio <= SCALE_RATIO_GOAL else " (over goal)"
        errors = sum(row["errors"] for row in rows if row)
        lines.append(f"| {name} | {' | '.join(cells)} | {fmt(ratio, 2)}{flag} | {errors} |")
    deep = scale[largest]["paths"]
    shares = [
        f"`{word}` is in {held:,} of the window's {total:,} newest stories at {size:,} "
        f"(one in {total / held:.1f})"
        for size in sizes
        for word, (held, total) in scale[size].get("search_shares", {}).items()
        if held
    ]
    lines += [
        "",
        *([f"Search words, as measured: {'; '.join(shares)}.", ""] if shares else []),
        f"Goal: p50 at the largest size at most {SCALE_RATIO_GOAL}× the smallest's. Paths at "
        f"{largest:,}: "
        + ", ".join(f"{name} `{path}`" for name, path in deep.items() if name != "home")
        + ".",
        "",
    ]
    return lines


def report_render(render, config):
    lines = [
        "## Render inside one Django process (Django's test client, production settings, "
        "Redis; no Nginx or gunicorn)",
        "",
        "Past the page caches: the mean of 200 renders with unique query strings, best of "
        f'{max(config["rounds"], 3)} rounds (what "cold" above measures, without the '
        "HTTP hops). After a change: the median render right after a change readers could "
        "see, when the cards, stories and home's page one are read afresh too.",
        "",
        "| page | past the page caches, ms | after a change, ms |",
        "|---|---:|---:|",
    ]
    for name, (past, changed) in render.items():
        lines.append(f"| {name} | {past:.2f} | {changed:.2f} |")
    return [*lines, ""]


def render_report(results, classes, urls, render, scale, config, started):
    lines = report_header(urls, config)
    if results:
        lines += report_loads(config, "pages")
    for concurrency in config["concurrencies"] if results else []:
        lines += report_pages(results, concurrency)
    if classes:
        lines += report_classes(classes, config)
        lines += report_loads(config, "classes")
    if render:
        lines += report_render(render, config)
    if scale:
        lines += report_scale(scale, config)
    lines.append(
        f"Whole run: {time.monotonic() - started:.0f} s; load average at the end "
        f"{os.getloadavg()[0]:.2f} (the benchmark's own processes included)."
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
