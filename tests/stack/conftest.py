"""The production stack on loopback for the `stack` tests (`make stack-test`).

Every test module here carries `pytestmark = pytest.mark.stack`: `make test`
leaves them out, `make stack-test` runs only them. One stack per session:
MariaDB (database aiblogger_stack), gunicorn from gunicorn.conf.py on a unix
socket held the way systemd holds it, and Nginx from nginx/aiblogger.conf.j2
with a self-signed certificate for news.test, all built by
scripts/stack_lib.py's Stack.up(). The tests talk to it over real HTTP(S).
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import sys
import urllib.parse
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
from stack_lib import Stack, StackError  # noqa: E402

HOST = "news.test"
MICROCACHE_SECONDS = 5
# Stands for the monitoring host (nginx_metrics_allow): it may read /metrics.
MONITORING_HOST = "127.0.0.3"
SECURITY_HEADERS = [
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "X-Frame-Options",
    "Content-Security-Policy",
]
TOOLS = ("nginx", "openssl", "mysql", "redis-cli")


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

    def request(self, method, path, *, tls=True, host=None, headers=None, body=None, **options):
        """One request on a new connection; options: source, sni, send_body."""
        port = self.stack.https_port if tls else self.stack.http_port
        conn = http.client.HTTPConnection(HOST, port, timeout=30)
        conn.sock = self.connect(
            tls=tls, sni=options.get("sni", HOST), source=options.get("source", "127.0.0.1")
        )
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host or f"{HOST}:{port}")
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            if body is not None and "Content-Length" not in (headers or {}):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body if options.get("send_body", True) else None)
            raw = conn.getresponse()
            return Response(raw, raw.read())
        finally:
            conn.close()

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)


def _require_tools():
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        reason = f"the stack test needs {', '.join(missing)}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason} (CI=true: stack tests may not be skipped)")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def password():
    """The demo newsroom's password, fresh for every run."""
    return secrets.token_urlsafe(12)


def _interrupt_once(_signum, _frame):
    """Unwind through the fixtures' teardown, which no second signal may cut short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


@pytest.fixture(scope="session")
def stack(password):
    _require_tools()
    # A shell's background job (scripts/stack-test.sh) starts with SIGINT
    # ignored: take INT and the time limit's TERM back, so both tear down.
    signal.signal(signal.SIGINT, _interrupt_once)
    signal.signal(signal.SIGTERM, _interrupt_once)
    stack = Stack(
        db_name="aiblogger_stack",
        microcache_seconds=MICROCACHE_SECONDS,
        app_env={"WEB_CONCURRENCY": "3"},
        metrics_allow=[MONITORING_HOST],
    )
    try:
        stack.up(seed_articles=30, password=password)
    except (StackError, OSError) as exc:
        stack.down(drop_database=True)
        pytest.fail(f"stack up: {exc}")
    yield stack
    keep = os.environ.get("STACK_KEEP") == "1"
    stack.down(drop_database=not keep, keep_files=keep)


@pytest.fixture(scope="session")
def client(stack):
    return Client(stack)


@pytest.fixture(scope="session")
def urls(stack):
    """Addresses of the seeded newsroom, and the hashed name of a static file."""
    found = stack.shell_json(
        "import json\n"
        "from articles.models import Article\n"
        "a = Article.objects.published().order_by('-published_at', '-id')[0]\n"
        "print(json.dumps({'article': a.get_absolute_url(), 'article_id': a.pk,"
        " 'title': a.title,"
        " 'plain_id': Article.objects.filter(featured_image='').order_by('pk')[0].pk}))"
    )
    manifest = json.loads((stack.tmp / "static" / "staticfiles.json").read_text())
    found["static"] = manifest["paths"]["admin/css/base.css"]
    return found


def expect_once(response, kind):
    """Each security header exactly once; the problems found, as text."""
    return [
        f"{kind}: {name} x{len(response.all(name))}"
        for name in SECURITY_HEADERS
        if len(response.all(name)) != 1
    ]


def login_form(client, source="127.0.0.1"):
    """(CSRF cookie, form token) from the admin's log-in page, cookie flags checked."""
    r = client.get("/admin/login/", source=source)
    assert r.status == 200, f"login page gave {r.status}"
    cookies = r.cookies()
    assert "__Host-csrftoken" in cookies, f"no __Host-csrftoken cookie: {list(cookies)}"
    attributes = cookies["__Host-csrftoken"][1].lower()
    for flag in ("secure", "httponly", "samesite=lax", "path=/"):
        assert flag in attributes, f"CSRF cookie lacks {flag}: {attributes}"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', r.text)
    assert token, "no CSRF token in the login form"
    return cookies["__Host-csrftoken"][0], token.group(1)


def post_login(client, username, password, *, origin=None, source="127.0.0.1", headers=None):
    cookie, token = login_form(client, source)
    fields = {"username": username, "password": password, "next": "/admin/"}
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **fields}).encode()
    return client.request(
        "POST",
        "/admin/login/",
        body=body,
        source=source,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"__Host-csrftoken={cookie}",
            "Origin": origin or client.stack.origin,
            "Referer": f"{client.stack.origin}/admin/login/",
            **(headers or {}),
        },
    )


@pytest.fixture(scope="session")
def admin_session(client, password):
    """The session cookie value of the demo administrator, logged in over HTTPS."""
    r = post_login(client, "admin", password)
    assert r.status == 302, f"login POST gave {r.status}: {r.text[:200]}"
    cookies = r.cookies()
    assert "__Host-sessionid" in cookies, f"no __Host-sessionid cookie: {list(cookies)}"
    return cookies["__Host-sessionid"]
