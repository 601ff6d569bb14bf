"""Redis and MariaDB faults under load: no 500, saves stored or clearly refused.

A stack of this module's own: its own MariaDB (mariadb-install-db into a
temporary datadir) and its own redis-server, on ports of STACK_PORT_OFFSET's
range (13350 / 16350 + offset), so the machine's shared servers are never
stopped. Load runs through Nginx (about 3,000 requests at concurrency 16,
cold pages with a unique query string and warm ones); meanwhile Redis is
stopped for 10 s and started again, then MariaDB is stopped for 8 s and
started again, and an editor saves a tag in the admin during each outage.
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import pytest

from .conftest import Client, Stack, login_form, post_login

pytestmark = pytest.mark.stack

OFFSET = int(os.environ.get("STACK_PORT_OFFSET", "0"))
DB_PORT = 13350 + OFFSET
REDIS_PORT = 16350 + OFFSET
HTTP_PORT, HTTPS_PORT = 18130 + OFFSET, 18493 + OFFSET
DB_USER = os.environ.get("CI_DATABASE_USER", "root")
DB_PASSWORD = os.environ.get("CI_DATABASE_PASSWORD", "")
WORKERS = 3
CONCURRENCY = 16
REQUESTS = 3000
LOAD_SECONDS = 36
# Seconds into the load: Redis down for 10 s, then MariaDB down for 8 s.
REDIS_DOWN, REDIS_UP = 4, 14
DB_DOWN, DB_UP = 19, 27


def _wait(check, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} within {timeout}s")


def _stop(process, timeout=30):
    if process and process.poll() is None:
        process.send_signal(signal.SIGCONT)
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class OwnMariaDB:
    """A mariadbd with its own datadir, socket and port."""

    def __init__(self, root):
        self.root = root
        self.datadir = root / "mariadb"
        self.socket = root / "mariadb.sock"
        self.process = None

    def install(self):
        result = subprocess.run(
            ["mariadb-install-db", "--no-defaults", f"--datadir={self.datadir}",
             "--user=root", "--auth-root-authentication-method=normal", "--skip-test-db"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, f"mariadb-install-db: {result.stderr[-500:]}"

    def sql(self, statement):
        return subprocess.run(
            ["mysql", f"--socket={self.socket}", "-uroot", "-N", "-B", "-e", statement],
            capture_output=True, text=True,
        )  # fmt: skip

    def start(self):
        self.process = subprocess.Popen(
            ["mariadbd", "--no-defaults", "--user=root", f"--datadir={self.datadir}",
             f"--socket={self.socket}", f"--port={DB_PORT}", "--bind-address=127.0.0.1",
             f"--pid-file={self.root / 'mariadb.pid'}", f"--log-error={self.root / 'mariadb.err'}",
             "--skip-log-bin", "--skip-name-resolve", "--innodb-buffer-pool-size=64M",
             "--max-connections=200"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        _wait(lambda: self.sql("SELECT 1").returncode == 0, 30, "own MariaDB did not start")

    def stop(self):
        _stop(self.process)


class OwnRedis:
    def __init__(self, root):
        self.root = root
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.root)],
            stdout=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        ping = ["redis-cli", "-p", str(REDIS_PORT), "ping"]
        _wait(
            lambda: subprocess.run(ping, capture_output=True, text=True).stdout.strip() == "PONG",
            10,
            "own Redis did not start",
        )

    def stop(self):
        _stop(self.process)


@pytest.fixture(scope="module")
def faults(password):
    for tool in ("mariadbd", "mariadb-install-db", "redis-server"):
        if not shutil.which(tool):
            pytest.fail(f"the fault test needs {tool}")
    root = Path(tempfile.mkdtemp(prefix="aiblogger-faults-"))
    db, redis = OwnMariaDB(root), OwnRedis(root)
    stack = None
    try:
        db.install()
        db.start()
        if DB_USER != "root":
            user = f"'{DB_USER}'@'127.0.0.1'"
            created = db.sql(
                f"CREATE USER {user} IDENTIFIED BY '{DB_PASSWORD}'; "
                f"GRANT ALL PRIVILEGES ON *.* TO {user}"
            )
            assert created.returncode == 0, created.stderr
        redis.start()
        stack = Stack(
            db_name="aiblogger_faults",
            http_port=HTTP_PORT,
            https_port=HTTPS_PORT,
            db_port=DB_PORT,
            cache_url=f"redis://127.0.0.1:{REDIS_PORT}/0",
            app_env={"WEB_CONCURRENCY": str(WORKERS)},
        )
        stack.up(seed_articles=12, password=password)
        yield stack, db, redis
    finally:
        if stack:
            stack.down(keep_files=os.environ.get("STACK_KEEP") == "1")
        redis.stop()
        db.stop()
        shutil.rmtree(root, ignore_errors=True)


class Load:
    """CONCURRENCY threads pacing REQUESTS over LOAD_SECONDS; every answer recorded."""

    def __init__(self, client, warm, cold):
        self.client, self.warm, self.cold = client, warm, cold
        self.results = []  # (seconds into the load, status, X-Cache-Status, path)
        self.lock = threading.Lock()
        self.start = None

    def worker(self, index):
        interval = LOAD_SECONDS * CONCURRENCY / REQUESTS
        for n in range(REQUESTS // CONCURRENCY):
            due = self.start + n * interval + index * interval / CONCURRENCY
            time.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() > self.start + LOAD_SECONDS + 20:
                return  # the machine is too slow to finish; what ran still counts
            number = n * CONCURRENCY + index
            if number % 5 == 0:
                path = f"{self.cold[number % len(self.cold)]}?cold={number}"
            else:
                path = self.warm[number % len(self.warm)]
            try:
                r = self.client.get(path)
                answer = (r.status, r.headers.get("X-Cache-Status"), r.text)
            except OSError as exc:
                answer = (f"connection error: {exc}", None, "")
            at = time.monotonic() - self.start
            with self.lock:
                self.results.append((at, answer[0], answer[1], path))

    def run(self):
        self.start = time.monotonic()
        threads = [threading.Thread(target=self.worker, args=(i,)) for i in range(CONCURRENCY)]
        for thread in threads:
            thread.start()
        return threads


class Editor:
    """Adds tags in the admin; remembers which saves were accepted and which refused."""

    def __init__(self, client, password):
        r = post_login(client, "admin", password)
        assert r.status == 302, f"admin login gave {r.status}"
        self.client = client
        self.session = r.cookies()["__Host-sessionid"][0]
        self.csrf, self.token = login_form(client)
        self.attempts = []  # (slug, status, body)

    def save_tag(self):
        slug = f"fault-{secrets.token_hex(4)}"
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": self.token, "name": slug, "slug": slug, "_save": "Save"}
        ).encode()
        origin = self.client.stack.origin
        r = self.client.request(
            "POST",
            "/admin/articles/tag/add/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"__Host-csrftoken={self.csrf}; __Host-sessionid={self.session}",
                "Origin": origin,
                "Referer": f"{origin}/admin/articles/tag/add/",
            },
        )
        self.attempts.append((slug, r.status, r.text))


def _in_window(results, start, end):
    return [r for r in results if start <= r[0] < end]


def test_no_500_through_a_redis_outage_and_a_mariadb_restart_under_load(faults, password):
    stack, db, redis = faults
    client = Client(stack)
    found = stack.shell_json(
        "import json\n"
        "from articles.models import Article, Section\n"
        "a = list(Article.objects.published().order_by('-published_at')[:3])\n"
        "s = list(Section.objects.all()[:2])\n"
        "print(json.dumps([x.get_absolute_url() for x in a + s]))"
    )
    warm = ["/", "/feeds/latest.rss", "/sitemap.xml", *found]
    cold = ["/", "/search/", *found]
    editor = Editor(client, password)
    for path in warm:  # in Nginx's microcache before the faults
        assert client.get(path).status == 200, path

    load = Load(client, warm, cold)
    threads = load.run()
    timeline = {}

    def at(second):
        time.sleep(max(0.0, load.start + second - time.monotonic()))
        return round(time.monotonic() - load.start, 1)

    timeline["redis stopped"] = at(REDIS_DOWN)
    redis.stop()
    at(REDIS_DOWN + 2)
    editor.save_tag()
    at(REDIS_DOWN + 5)
    editor.save_tag()
    timeline["redis started"] = at(REDIS_UP)
    redis.start()
    timeline["mariadb stopped"] = at(DB_DOWN)
    db.stop()
    timeline["mariadb down"] = round(time.monotonic() - load.start, 1)
    at(DB_DOWN + 2)
    editor.save_tag()
    at(DB_DOWN + 5)
    editor.save_tag()
    timeline["mariadb started"] = at(DB_UP)
    db.start()
    timeline["mariadb up"] = round(time.monotonic() - load.start, 1)
    for thread in threads:
        thread.join()
    editor.save_tag()  # after both outages: must be stored

    results = load.results
    statuses = Counter(r[1] for r in results)
    print(f"\ntimeline (s into the load): {timeline}")
    print(f"{len(results)} requests at concurrency {CONCURRENCY}: {dict(statuses)}")
    redis_window = _in_window(results, REDIS_DOWN, REDIS_UP + 1)
    db_window = _in_window(results, DB_DOWN, timeline["mariadb up"] + 2)
    print(f"during the Redis outage: {dict(Counter(r[1] for r in redis_window))}")
    print(
        "during the MariaDB outage: "
        f"{dict(Counter((r[1], r[2]) for r in db_window))} (status, X-Cache-Status)"
    )

    # A loaded shared machine may not keep the pace; two thirds still make the point.
    assert len(results) >= REQUESTS * 2 / 3, f"only {len(results)} requests ran"
    errors = [r for r in results if r[1] not in (200, 503)]
    assert not errors, f"{len(errors)} answers other than 200 or 503, e.g. {errors[:5]}"
    assert redis_window and all(r[1] == 200 for r in redis_window), "Redis down: not all 200"
    outside = [r for r in results if r[1] == 503 and r not in db_window]
    assert not outside, f"503 outside the database outage: {outside[:5]}"
    stale = [r for r in db_window if r[1] == 200 and r[2] == "STALE"]
    print(f"stale pages served while MariaDB was down: {len(stale)}")

    query = f"SELECT slug FROM `{stack.db_name}`.articles_tag WHERE slug LIKE 'fault-%'"  # noqa: S608
    stored = set(stack.mysql(query).split())
    for slug, status, text in editor.attempts:
        print(f"admin save {slug}: {status}, {'stored' if slug in stored else 'not stored'}")
        assert status in (302, 503), f"admin save answered {status}: {text[:300]}"
        if status == 302:
            assert slug in stored, f"{slug}: the admin said saved, the database has no row"
        else:
            assert slug not in stored, f"{slug}: refused with 503, yet stored"
            assert re.search(r"not saved|Back in a moment", text), "503 does not say so"
    assert editor.attempts[0][1] == 302 and editor.attempts[1][1] == 302, "Redis down: refused"
    assert editor.attempts[-1][1] == 302, "the save after both outages was refused"

    log = stack.gunicorn_log.read_text()
    # gunicorn replaces a worker after max_requests: each process logs an outage once.
    workers = log.count("Booting worker")
    warnings = log.count("Cache unavailable")
    print(f"'Cache unavailable' logged {warnings} time(s) by {workers} worker processes")
    assert 1 <= warnings <= workers, "the Redis outage is not logged once per worker"
    assert "Internal Server Error" not in log
    tracebacks = log.count("Service Unavailable")
    print(f"database outage logged {tracebacks} time(s) by {workers} worker processes")
    assert 1 <= tracebacks <= workers, "the database outage is not logged once per worker"
    health = client.get("/healthz")
    assert health.status == 200 and "cache: ok" in health.text, health.text
