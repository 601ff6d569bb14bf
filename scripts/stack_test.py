"""The production stack, checked over real HTTP(S) on loopback (`make stack-test`).

MariaDB (database aiblogger_stack), gunicorn from gunicorn.conf.py on a unix
socket held like systemd holds it, Nginx from nginx/aiblogger.conf.j2 with a
self-signed certificate for news.test. Prints PASS/FAIL per check and ends with
"N passed, M failed"; exits non-zero when anything failed.
"""

# ruff: noqa: S603, S607 (runs the repository's own scripts and systemd-analyze)
import gzip
import http.client
import json
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stack_lib import REPO, Stack, StackError, render_template  # noqa: E402

HOST = "news.test"
CHROMIUM = Path("/usr/bin/chromium")
MICROCACHE_SECONDS = 5
# The admin password of the demo newsroom, fresh for every run.
PASSWORD = secrets.token_urlsafe(12)
SECURITY_HEADERS = [
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Content-Security-Policy",
]


class Failed(Exception):
    pass


def expect(condition, reason):
    if not condition:
        raise Failed(reason)


class Response:
    def __init__(self, raw, body):
        self.status = raw.status
        self.headers = raw.headers
        self.body = body
        self.text = body.decode("utf-8", "replace")

    def all(self, name):
        return self.headers.get_all(name) or []

    def cookies(self):
        jar = {}
        for line in self.all("Set-Cookie"):
            name, _, rest = line.partition("=")
            jar[name.strip()] = (rest.split(";")[0], line)
        return jar


class Client:
    """HTTP/1.1 to the stack on loopback, with the right SNI and Host header."""

    def __init__(self, stack):
        self.stack = stack
        self.tls = None

    def connect(self, *, tls=True, sni=HOST, source="127.0.0.1", context=None):
        port = self.stack.https_port if tls else self.stack.http_port
        sock = socket.create_connection(
            ("127.0.0.1", port), timeout=30, source_address=(source, 0)
        )
        if tls:
            if self.tls is None:  # the certificate exists once the stack is up
                self.tls = ssl.create_default_context(cafile=str(self.stack.cert))
            sock = (context or self.tls).wrap_socket(sock, server_hostname=sni)
        return sock

    def request(
        self,
        method,
        path,
        *,
        tls=True,
        host=None,
        headers=None,
        body=None,
        source="127.0.0.1",
        sni=HOST,
        send_body=True,
    ):
        port = self.stack.https_port if tls else self.stack.http_port
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.sock = self.connect(tls=tls, sni=sni, source=source)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host or f"{HOST}:{port}")
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None and "Content-Length" not in (headers or {}):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if send_body else None)
            raw = conn.getresponse()
            return Response(raw, raw.read())
        finally:
            conn.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


class StackTest:
    def __init__(self, stack):
        self.stack = stack
        self.client = Client(stack)
        self.passed = 0
        self.failed = 0
        self.urls = {}

    def check(self, name, function):
        started = time.monotonic()
        try:
            detail = function()
        except Failed as exc:
            self.failed += 1
            print(f"FAIL  {name}: {exc}", flush=True)
        except Exception as exc:  # a crash in one check must not hide the others
            self.failed += 1
            print(f"FAIL  {name}: {type(exc).__name__}: {exc}", flush=True)
            traceback.print_exc(limit=3, file=sys.stderr)
        else:
            self.passed += 1
            took = time.monotonic() - started
            print(f"PASS  {name}{f' ({detail})' if detail else ''} [{took:.1f}s]", flush=True)

    # --- discovery ----------------------------------------------------------
    def discover(self):
        self.urls = self.stack.shell_json(
            "import json\n"
            "from articles.models import Article\n"
            "a = Article.objects.published().order_by('-published_at', '-id')[0]\n"
            "print(json.dumps({'article': a.get_absolute_url(), 'article_id': a.pk,"
            " 'title': a.title,"
            " 'plain_id': Article.objects.filter(featured_image='').order_by('pk')[0].pk}))"
        )
        manifest = json.loads((self.stack.tmp / "static" / "staticfiles.json").read_text())
        self.static_name = manifest["paths"]["admin/css/base.css"]

    # --- the checks -----------------------------------------------------------
    def http_redirects_to_https(self):
        r = self.client.get("/section/news/?page=2", tls=False)
        expected = f"https://{HOST}:{self.stack.https_port}/section/news/?page=2"
        expect(r.status == 301, f"HTTP gave {r.status}, expected 301")
        expect(r.headers["Location"] == expected, f"Location {r.headers['Location']!r}")

    def acme_challenge_over_http(self):
        token = secrets.token_urlsafe(16)
        challenge = self.stack.tmp / "acme" / ".well-known" / "acme-challenge"
        challenge.mkdir(parents=True, exist_ok=True)
        (challenge / token).write_text("proof")
        r = self.client.get(f"/.well-known/acme-challenge/{token}", tls=False)
        expect(r.status == 200 and r.text == "proof", f"ACME file gave {r.status}")

    def unknown_host_gets_no_response(self):
        for tls in (False, True):
            try:
                r = self.client.get("/", tls=tls, host="evil.test")
            except (http.client.RemoteDisconnected, ConnectionResetError):
                continue
            raise Failed(f"Host evil.test got HTTP {r.status} over {'HTTPS' if tls else 'HTTP'}")
        try:
            self.client.connect(sni="evil.test").close()
        except ssl.SSLError:
            return "444 on both ports, TLS handshake refused for SNI evil.test"
        raise Failed("TLS handshake for SNI evil.test succeeded")

    def tls_profile(self):
        with self.client.connect() as sock:
            expect(sock.version() == "TLSv1.3", f"negotiated {sock.version()}")
        context = ssl.create_default_context(cafile=str(self.stack.cert))
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(["h2", "http/1.1"])
        with self.client.connect(context=context) as sock:
            expect(sock.version() == "TLSv1.2", f"TLS 1.2 client got {sock.version()}")
            expect(sock.selected_alpn_protocol() == "h2", "HTTP/2 not offered")
            cipher = sock.cipher()[0]
            expect(cipher.startswith("ECDHE-"), f"TLS 1.2 cipher {cipher}")
        return f"TLS 1.3 and 1.2 ({cipher}), h2"

    def public_pages_over_https(self):
        pages = {
            "/": "text/html",
            self.urls["article"]: "text/html",
            "/feeds/latest.rss": "xml",
            "/sitemap.xml": "xml",
        }
        problems = []
        for path, content_type in pages.items():
            r = self.client.get(path)
            if r.status != 200 or content_type not in r.headers.get("Content-Type", ""):
                problems.append(f"{path} -> {r.status} {r.headers.get('Content-Type')}")
        expect(not problems, "; ".join(problems))
        return ", ".join(pages)

    def static_served_by_nginx(self):
        path = f"/static/{self.static_name}"
        r = self.client.get(path)
        expect(r.status == 200, f"{path} gave {r.status}")
        cache_control = r.headers.get("Cache-Control", "")
        expect("immutable" in cache_control and "max-age=31536000" in cache_control, cache_control)
        zipped = self.client.get(path, headers={"Accept-Encoding": "gzip"})
        expect(zipped.headers.get("Content-Encoding") == "gzip", "no gzip variant served")
        expect(gzip.decompress(zipped.body) == r.body, "gzip variant differs from the file")
        on_disk = (self.stack.tmp / "static" / (self.static_name + ".gz")).read_bytes()
        expect(zipped.body == on_disk, "gzip body is not the precompressed file (gzip_static)")
        time.sleep(0.2)
        expect(
            self.static_name not in self.stack.gunicorn_log.read_text(),
            "gunicorn's access log shows the static request",
        )
        return f"{len(r.body)} bytes, {len(zipped.body)} gzipped, {cache_control}"

    def _login_form(self, source="127.0.0.1"):
        r = self.client.get("/admin/login/", source=source)
        expect(r.status == 200, f"login page gave {r.status}")
        cookies = r.cookies()
        expect("__Host-csrftoken" in cookies, f"no __Host-csrftoken cookie: {list(cookies)}")
        attributes = cookies["__Host-csrftoken"][1].lower()
        for flag in ("secure", "httponly", "samesite=lax", "path=/"):
            expect(flag in attributes, f"CSRF cookie lacks {flag}: {attributes}")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text)
        expect(token, "no CSRF token in the login form")
        return cookies["__Host-csrftoken"][0], token.group(1)

    def _post_login(self, username, password, *, origin=None, source="127.0.0.1", headers=None):
        cookie, token = self._login_form(source)
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "username": username,
                "password": password,
                "next": "/admin/",
            }
        ).encode()
        return self.client.request(
            "POST",
            "/admin/login/",
            body=body,
            source=source,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"__Host-csrftoken={cookie}",
                "Origin": origin or self.stack.origin,
                "Referer": f"{self.stack.origin}/admin/login/",
                **(headers or {}),
            },
        )

    def admin_login_over_https(self):
        r = self._post_login("admin", PASSWORD)
        expect(r.status == 302, f"login POST gave {r.status}: {r.text[:200]}")
        cookies = r.cookies()
        expect("__Host-sessionid" in cookies, f"no __Host-sessionid cookie: {list(cookies)}")
        attributes = cookies["__Host-sessionid"][1].lower()
        for flag in ("secure", "httponly", "samesite=lax"):
            expect(flag in attributes, f"session cookie lacks {flag}")
        self.session = cookies["__Host-sessionid"][0]
        admin = self.client.get("/admin/", headers={"Cookie": f"__Host-sessionid={self.session}"})
        expect(admin.status == 200, f"/admin/ gave {admin.status} after login")
        expect("Log out" in admin.text, "the admin index does not show a logged-in user")
        return "302 to /admin/, secure __Host- cookies"

    def foreign_origin_refused(self):
        r = self._post_login("admin", PASSWORD, origin="https://evil.test")
        expect(r.status == 403, f"POST with Origin https://evil.test gave {r.status}")
        expect("__Host-sessionid" not in r.cookies(), "a session was started anyway")

    def client_ip_from_forwarded_for(self):
        # The reader comes from 127.0.0.7 and tries to pass a forged address.
        r = self._post_login(
            "editor", "wrong password", source="127.0.0.7", headers={"X-Forwarded-For": "6.6.6.6"}
        )
        expect(r.status == 200, f"failed login gave {r.status}")
        seen = self.stack.shell_json(
            "import json\nfrom axes.models import AccessAttempt\n"
            "print(json.dumps(list(AccessAttempt.objects.filter(username='editor')"
            ".values_list('ip_address', flat=True))))"
        )
        expect(seen == ["127.0.0.7"], f"axes recorded {seen}, expected ['127.0.0.7']")
        time.sleep(0.2)
        lines = [
            line
            for line in self.stack.gunicorn_log.read_text().splitlines()
            if '"POST /admin/login/' in line
        ]
        expect(lines and lines[-1].startswith("127.0.0.7 "), f"gunicorn logged {lines[-1:]}")
        return "axes and gunicorn's access log both see 127.0.0.7, not the forged 6.6.6.6"

    def login_posts_rate_limited(self):
        statuses = [
            self.client.request(
                "POST",
                "/accounts/login/",
                body=b"username=x&password=y",
                source="127.0.0.9",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            ).status
            for _ in range(14)
        ]
        expect(429 in statuses, f"14 quick login POSTs never got 429: {statuses}")
        expect(statuses[0] != 429, "the first login POST was already refused")
        return f"{statuses.count(429)} of 14 refused with 429"

    def upload_limit(self):
        big = 12 * 1024 * 1024
        r = self.client.request(
            "POST",
            "/admin/articles/article/add/",
            headers={"Content-Length": str(big), "Content-Type": "multipart/form-data; b=x"},
            body=b"",
            send_body=False,
        )
        expect(r.status == 413, f"a 12 MB upload gave {r.status}")
        expect("too large" in r.text, "the 413 page is not the friendly one")
        # A 10 MB image plus form fields must still reach Django.
        body = b"x" * (10 * 1024 * 1024 + 200 * 1024)
        r = self.client.request(
            "POST", "/", body=body, headers={"Content-Type": "application/octet-stream"}
        )
        expect(r.status != 413, "a 10.2 MB upload was refused by Nginx")
        return f"12 MB -> 413 page; 10.2 MB reaches Django ({r.status})"

    def security_headers_once(self):
        responses = {
            "page": self.client.get("/"),
            "admin": self.client.get("/admin/login/"),
            "static": self.client.get(f"/static/{self.static_name}"),
        }
        problems = []
        for kind, r in responses.items():
            for name in SECURITY_HEADERS:
                count = len(r.all(name))
                if count != 1:
                    problems.append(f"{kind}: {name} x{count}")
        csp = responses["page"].headers.get("Content-Security-Policy", "")
        expect("unsafe-inline" not in csp, "the CSP allows unsafe-inline")
        expect("frame-ancestors 'none'" in csp, f"CSP without frame-ancestors: {csp}")
        expect(not problems, "; ".join(problems))
        return "page, admin and static file"

    def microcache(self):
        path = self.urls["article"]
        # An expired entry is refreshed in the background (STALE, then UPDATING)
        # while readers keep getting it; then it is a HIT again.
        statuses = []
        for _ in range(40):
            statuses.append(self.client.get(path).headers.get("X-Cache-Status"))
            if statuses[-1] == "HIT":
                break
            time.sleep(0.1)
        expect(statuses[-1] == "HIT", f"anonymous article views never hit: {statuses}")
        cookie = {"Cookie": f"__Host-sessionid={self.session}"}
        logged_in = self.client.get(path, headers=cookie)
        expect(
            logged_in.headers.get("X-Cache-Status") == "BYPASS",
            f"a logged-in reader got {logged_in.headers.get('X-Cache-Status')}",
        )
        new_title = f"Stack test edit {secrets.token_hex(4)}"
        self.stack.shell(
            "from articles.models import Article\n"
            f"a = Article.objects.get(pk={self.urls['article_id']})\n"
            f"a.title = {new_title!r}\n"
            "a.save()\n"
        )
        edited = time.monotonic()
        bound = MICROCACHE_SECONDS + 2
        while time.monotonic() - edited < bound + 5:
            if new_title in self.client.get(path).text:
                took = time.monotonic() - edited
                expect(took <= bound, f"edit visible after {took:.1f}s, bound {bound}s")
                return f"edit visible after {took:.1f}s (bound {bound}s)"
            time.sleep(0.25)
        raise Failed(f"edit still invisible {bound + 5}s after saving")

    def restart_loses_no_request(self):
        total, concurrency = 2000, 8
        results, lock = [], threading.Lock()
        counter = iter(range(total))

        def worker():
            while True:
                with lock:
                    i = next(counter, None)
                if i is None:
                    return
                try:
                    # A unique query string misses the microcache: gunicorn answers each.
                    status = self.client.get(f"/healthz?n={i}").status
                except Exception as exc:
                    status = type(exc).__name__
                with lock:
                    results.append((time.monotonic(), status))

        threads = [threading.Thread(target=worker) for _ in range(concurrency)]
        for thread in threads:
            thread.start()
        pids = [self.stack.app_pid()]
        windows = []
        for fraction in (0.25, 0.6):
            while len(results) < total * fraction and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            started = time.monotonic()
            pids.append(self.stack.restart_app())
            windows.append((started, time.monotonic()))
        for thread in threads:
            thread.join()
        failures = [status for _, status in results if status != 200]
        expect(len(results) == total, f"{len(results)} of {total} requests finished")
        expect(
            not failures, f"{len(failures)} of {total} failed: {sorted(set(map(str, failures)))}"
        )
        expect(len(set(pids)) == 3, f"gunicorn pids {pids}: the restarts did not happen")
        during = sum(1 for t, _ in results if any(a <= t <= b for a, b in windows))
        expect(during > 0, "no request completed while gunicorn restarted")
        return f"{total} requests, 0 lost, 2 restarts, {during} answered during restarts"

    def database_backup(self):
        backups = self.stack.tmp / "backups"
        script = str(Path(__file__).resolve().parent / "backup-db.sh")
        env = dict(self.stack.env)
        for _ in range(3):
            run = subprocess.run([script, str(backups), "2"], env=env, capture_output=True)
            expect(run.returncode == 0, f"backup failed: {run.stderr.decode().strip()}")
            time.sleep(1.1)  # one dump per second: names carry the time
        dumps = sorted(backups.glob("aiblogger_stack-*.sql.gz"))
        expect(len(dumps) == 2, f"{len(dumps)} dumps kept, expected the newest 2")
        sql = gzip.decompress(dumps[-1].read_bytes()).decode()
        expect("CREATE TABLE `articles_article`" in sql, "the dump has no articles table")
        expect("INSERT INTO `articles_article`" in sql, "the dump has no article rows")
        env["DATABASE_URL"] = env["DATABASE_URL"].replace("/aiblogger_stack", "/aiblogger_no_db")
        run = subprocess.run([script, str(backups), "2"], env=env, capture_output=True)
        reason = run.stderr.decode().strip()
        expect(run.returncode != 0 and len(reason.splitlines()) == 1, f"bad URL gave {reason!r}")
        expect(len(list(backups.glob("*.gz*"))) == 2, "a failed dump left a file behind")
        return f"{dumps[-1].stat().st_size} bytes gzipped; failure says: {reason}"

    def systemd_units_verify(self):
        if not shutil.which("systemd-analyze"):
            raise Failed("systemd-analyze is not installed")
        units = self.stack.tmp / "units"
        units.mkdir()
        # The values Ansible uses, except paths that must exist on this machine.
        for template in sorted((REPO / "systemd").glob("*.j2")):
            (units / template.name.removesuffix(".j2")).write_text(
                render_template(
                    template,
                    app_name="aiblogger",
                    app_user="www-data",
                    app_group="www-data",
                    app_root="/srv/aiblogger",
                    app_current_dir=str(REPO),
                    app_env_file="/etc/aiblogger/aiblogger.env",
                    app_socket_path="/run/aiblogger/gunicorn.sock",
                    app_media_root="/srv/aiblogger/media",
                    app_backup_dir="/var/backups/aiblogger",
                    app_backup_keep=14,
                )
            )
        names = sorted(path.name for path in units.iterdir())
        run = subprocess.run(
            ["systemd-analyze", "verify", "--man=no", *names],
            cwd=units,
            capture_output=True,
            text=True,
        )
        complaints = (run.stdout + run.stderr).strip()
        expect(run.returncode == 0 and not complaints, complaints.splitlines()[:3])
        return ", ".join(names)

    def admin_in_chromium_under_csp(self):
        """The admin's own scripts, autocomplete and revision compare run under the CSP."""
        if not CHROMIUM.exists():
            raise Failed(f"{CHROMIUM} is missing: apt-get install -y chromium")
        from playwright.sync_api import sync_playwright

        # One without a featured image: saving one with an image is a separate matter.
        article_id = self.urls["plain_id"]
        violations, errors = [], []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                headless=True,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    f"--host-resolver-rules=MAP {HOST} 127.0.0.1",
                ],
            )
            try:
                context = browser.new_context(ignore_https_errors=True)
                page = context.new_page()
                page.set_default_timeout(15000)

                def on_console(message):
                    if "Content Security Policy" in message.text:
                        violations.append(f"{page.url}: {message.text[:160]}")

                page.on("console", on_console)
                page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
                origin = self.stack.origin
                page.goto(f"{origin}/admin/login/")
                page.fill("#id_username", "admin")
                page.fill("#id_password", PASSWORD)
                page.click("input[type=submit]")
                page.wait_for_url(f"{origin}/admin/")
                page.goto(f"{origin}/admin/articles/article/")
                expect(page.locator("#action-toggle").count() == 1, "changelist without actions")
                change = f"{origin}/admin/articles/article/{article_id}/change/"
                page.goto(change)
                # django-autocomplete's select2 widgets exist only if the admin JS ran.
                widget = page.locator(".select2-container").first
                widget.wait_for()
                widget.click()
                page.locator(".select2-results__option").first.wait_for()
                page.keyboard.press("Escape")
                # Two saves make two revisions for django-reversion-compare to diff.
                for _ in range(2):
                    page.goto(change)
                    page.fill("#id_title", f"Revision {secrets.token_hex(3)}")
                    with page.expect_navigation():
                        page.click("input[name=_continue]")
                    saved = page.locator(".messagelist .success").count() == 1
                    expect(
                        saved, f"admin save failed: {page.locator('#content').inner_text()[:200]}"
                    )
                page.goto(f"{change[: -len('change/')]}history/")
                with page.expect_navigation():
                    page.click("#change-history input[type=submit]")
                expect("compare" in page.url, f"no compare page, at {page.url}")
                expect(page.locator("ins, del").count() > 0, "the compare page shows no diff")
            finally:
                browser.close()
        expect(not violations, "; ".join(violations[:3]))
        expect(not errors, "; ".join(errors[:3]))
        return "login, changelist, autocomplete, save x2, revision compare: no CSP violation"

    def maintenance_page_when_down(self):
        self.stack.stop_app()
        r = self.client.get(f"/?down={secrets.token_hex(4)}")
        expect(r.status == 503, f"with gunicorn stopped the site gave {r.status}")
        expect("back in a moment" in r.text.lower(), "not the maintenance page")
        expect(r.headers.get("Retry-After") == "30", "no Retry-After")
        for name in SECURITY_HEADERS:
            expect(len(r.all(name)) == 1, f"maintenance page: {name} x{len(r.all(name))}")
        static = self.client.get(f"/static/{self.static_name}")
        expect(static.status == 200, f"static file gave {static.status} with the app down")
        return "503 maintenance page, static files still served"


def _interrupted(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main():
    signal.signal(signal.SIGTERM, _interrupted)
    stack = Stack(
        db_name="aiblogger_stack",
        microcache_seconds=MICROCACHE_SECONDS,
        app_env={"WEB_CONCURRENCY": "3"},
    )
    test = StackTest(stack)
    started = time.monotonic()
    try:
        try:
            stack.create_database()
            stack.manage("migrate", "--noinput")
            stack.manage("seed_demo", "--articles", "30", "--password", PASSWORD)
            stack.manage("collectstatic", "--noinput")
            stack.make_certificate()
            stack.render_nginx()
            stack.start_app()
            stack.start_nginx()
            stack.wait_healthy()
            test.discover()
        except (StackError, OSError, ValueError, KeyError) as exc:
            print(f"FAIL  stack up: {exc}")
            print("0 passed, 1 failed")
            return 1
        print(f"stack up in {time.monotonic() - started:.0f}s ({stack.tmp})", flush=True)
        test.check("HTTP redirects to HTTPS on the right port", test.http_redirects_to_https)
        test.check("ACME challenge served over plain HTTP", test.acme_challenge_over_http)
        test.check("unknown Host gets no response", test.unknown_host_gets_no_response)
        test.check("TLS per Mozilla intermediate, HTTP/2", test.tls_profile)
        test.check("home, article, feed and sitemap over HTTPS", test.public_pages_over_https)
        test.check("static file served by Nginx, immutable, gzip", test.static_served_by_nginx)
        test.check("admin login over HTTPS behind the proxy", test.admin_login_over_https)
        test.check("POST with a foreign Origin is refused", test.foreign_origin_refused)
        test.check(
            "Django sees the client IP from X-Forwarded-For", test.client_ip_from_forwarded_for
        )
        test.check("login POSTs are rate-limited", test.login_posts_rate_limited)
        test.check("upload size limit and 413 page", test.upload_limit)
        test.check("security headers present exactly once", test.security_headers_once)
        test.check("admin works in Chromium under the CSP", test.admin_in_chromium_under_csp)
        test.check("microcache: hit, logged-in bypass, edit visible", test.microcache)
        test.check("gunicorn restart under load loses no request", test.restart_loses_no_request)
        test.check("nightly database backup keeps the newest N", test.database_backup)
        test.check("systemd units pass systemd-analyze verify", test.systemd_units_verify)
        test.check("maintenance page when the app is down", test.maintenance_page_when_down)
    finally:
        keep = test.failed > 0 and "--keep" in sys.argv
        stack.down(drop_database=not keep, keep_files=keep)
    print(f"{test.passed} passed, {test.failed} failed ({time.monotonic() - started:.0f}s)")
    return 1 if test.failed else 0


if __name__ == "__main__":
    sys.exit(main())
