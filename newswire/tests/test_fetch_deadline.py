"""One deadline and one byte allowance over the whole fetch, against hostile loopback servers.

Each server below is a real TCP server on 127.0.0.1 speaking (or abusing) HTTP byte by byte;
fetch() must give up with a FetchError within NEWSWIRE_FETCH_TIMEOUT plus a small margin,
whatever the server does before, during or after its status line and headers.
"""

import gzip
import re
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from newswire import fetch
from newswire.admin import SourceForm
from newswire.fetch import FetchError
from newswire.models import Source

pytestmark = pytest.mark.django_db

TIMEOUT = 1.0  # seconds; every test here sets NEWSWIRE_FETCH_TIMEOUT to this
MARGIN = 0.75  # scheduling, connect and teardown on a busy 2-core machine


class RawServer:
    """A loopback TCP server handing each connection to behaviour(conn, server)."""

    def __init__(self, behaviour, wrap=None):
        self.behaviour = behaviour
        self.wrap = wrap  # wraps each accepted connection (TLS)
        self.stop = threading.Event()
        self.conns = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            if self.wrap:
                conn = self.wrap(conn)
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                request += chunk
            self.behaviour(conn, self)
        except OSError:  # the client gave up: that is the point
            pass

    def drip(self, conn, data, every=0.1):
        for byte in data:
            if self.stop.is_set():
                return
            conn.sendall(bytes([byte]))
            time.sleep(every)

    def url(self, path="/feed", scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def close(self):
        self.stop.set()
        self.listener.close()
        for conn in self.conns:
            conn.close()


def _forever(server, conn, data, every):
    while not server.stop.is_set():
        conn.sendall(data)
        time.sleep(every)


def slow_status_line(conn, server):
    server.drip(conn, b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss/>")


def slow_headers(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    server.drip(conn, b"X-Padding: " + b"a" * 10_000)


def slow_header_lines(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    n = 0
    while not server.stop.is_set():
        conn.sendall(b"X-%d: a\r\n" % n)
        n += 1
        time.sleep(0.05)


def endless_100_continue_slow(conn, server):
    _forever(server, conn, b"HTTP/1.1 100 Continue\r\n\r\n", 0.05)


def endless_100_continue_fast(conn, server):
    _forever(server, conn, b"HTTP/1.1 100 Continue\r\n\r\n" * 1000, 0)


def endless_100_continue_with_headers(conn, server):
    _forever(server, conn, b"HTTP/1.1 100 Continue\r\nX-Pad: " + b"a" * 60_000 + b"\r\n\r\n", 0)


def slow_redirects(conn, server):
    """Each hop answers a redirect just inside a per-read timeout; together they never end."""
    server.drip(conn, b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n", 0.02)


def huge_headers(conn, server):
    """99 header lines just under http.client's 64 kB line limit: 6.4 MB it never counted."""
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    for n in range(99):
        conn.sendall(b"X-%d: " % n + b"a" * 65_000 + b"\r\n")
    conn.sendall(b"Content-Length: 6\r\n\r\n<rss/>")


def endless_body(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n")
    _forever(server, conn, b"<item><title>again</title></item>" * 1000, 0)


def endless_chunked_body(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"<item/>" * 1000
    _forever(server, conn, b"%x\r\n%s\r\n" % (len(chunk), chunk), 0)


def slow_body(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n")
    _forever(server, conn, b" ", 0.05)


def gzip_bomb(conn, server):
    body = _bomb()
    conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)
    )
    conn.sendall(body)


def lying_length_then_silence(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n<rss>")
    server.stop.wait()


def lying_length_then_close(conn, server):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n<rss>")
    conn.shutdown(socket.SHUT_RDWR)


def silence(conn, server):
    server.stop.wait()


def slow_tls_handshake(conn, server):
    """A TLS handshake record announcing 16 kB, then one byte at a time."""
    conn.sendall(b"\x16\x03\x03\x40\x00")
    _forever(server, conn, b"\x00", 0.05)


_BOMB = []


def _bomb():
    if not _BOMB:  # 100 MB of spaces in about 100 kB
        _BOMB.append(gzip.compress(b"<rss>" + b" " * (100 * 1024 * 1024), compresslevel=9))
    return _BOMB[0]


HOSTILE = {
    "slow status line": (slow_status_line, "timeout"),
    "slow headers": (slow_headers, "timeout"),
    "slow header lines": (slow_header_lines, "timeout"),
    "endless 100 Continue, slow": (endless_100_continue_slow, "timeout"),
    "endless 100 Continue, fast": (endless_100_continue_fast, "timeout|larger than"),
    "endless 100 Continue, padded": (endless_100_continue_with_headers, "headers are larger"),
    "slow redirects": (slow_redirects, "timeout"),
    "huge headers": (huge_headers, "headers are larger than 5,242,880 bytes"),
    "endless body": (endless_body, "larger than"),
    "endless chunked body": (endless_chunked_body, "larger than"),
    "slow body": (slow_body, "timeout"),
    "gzip bomb": (gzip_bomb, "compression bomb"),
    "Content-Length larger than sent, then silence": (lying_length_then_silence, "timeout"),
    "Content-Length larger than sent, then close": (lying_length_then_close, "ended early"),
    "accepts and says nothing": (silence, "timeout"),
}


@pytest.fixture
def hostile(settings):
    settings.NEWSWIRE_FETCH_TIMEOUT = TIMEOUT
    settings.NEWSWIRE_MAX_BYTES = 5 * 1024 * 1024  # the default, which the messages name
    servers = []

    def start(behaviour):
        servers.append(RawServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _timed_fetch(url, **kwargs):
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch.fetch(url, **kwargs)
    return caught.value, time.monotonic() - started


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_server_is_cut_off_at_the_deadline(hostile, name):
    behaviour, message = HOSTILE[name]
    _bomb()  # made before the clock starts
    server = hostile(behaviour)
    error, elapsed = _timed_fetch(server.url())
    assert re.search(message, str(error)), str(error)
    assert elapsed < TIMEOUT + MARGIN, f"{name}: {elapsed:.2f} s"


def test_a_slow_name_server_is_cut_off_at_the_deadline(hostile, monkeypatch):
    """getaddrinfo() takes no timeout; the feed owner's name server may answer in minutes."""
    answered = threading.Event()

    def slow_lookup(host, port):
        answered.wait(30)  # released at teardown
        return ["127.0.0.1"]

    monkeypatch.setattr(fetch, "resolve", slow_lookup)
    try:
        error, elapsed = _timed_fetch("http://slow-dns.example/feed")
    finally:
        answered.set()
    assert "Cannot resolve slow-dns.example: no answer in time (timeout)" in str(error)
    assert elapsed < TIMEOUT + MARGIN


def test_slow_name_servers_do_not_hold_up_other_lookups(hostile, monkeypatch):
    answered = threading.Event()
    real = fetch.resolve

    def lookup(host, port):
        if host.endswith("slow-dns.example"):
            answered.wait(30)
        return real(host, port)

    def polite(conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")

    monkeypatch.setattr(fetch, "resolve", lookup)
    stuck = [
        threading.Thread(target=_timed_fetch, args=(f"http://{n}.slow-dns.example/",))
        for n in range(12)
    ]
    try:
        for thread in stuck:
            thread.start()
        time.sleep(0.2)  # all twelve lookups are hanging now
        assert fetch.fetch(hostile(polite).url()).body == b"<rss/>"
    finally:
        answered.set()
        for thread in stuck:
            thread.join()


def test_a_slow_tls_handshake_is_cut_off_at_the_deadline(hostile):
    server = hostile(slow_tls_handshake)
    error, elapsed = _timed_fetch(server.url(scheme="https"))
    assert "timeout" in str(error) or "TLS" in str(error), str(error)
    assert elapsed < TIMEOUT + MARGIN


def test_headers_count_against_the_size_limit(hostile):
    """Two 60 kB headers pass http.client's own line limits but not a 100 kB allowance."""

    def padded(conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-A: " + b"a" * 60_000 + b"\r\nX-B: " + b"b" * 60_000)
        conn.sendall(b"\r\nContent-Length: 6\r\n\r\n<rss/>")

    error, _ = _timed_fetch(hostile(padded).url(), max_bytes=100_000)
    assert "Response headers are larger than 100,000 bytes" in str(error)


def test_headers_and_body_share_one_allowance(hostile):
    def both(conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-A: " + b"a" * 60_000 + b"\r\n")
        conn.sendall(b"Content-Length: 60000\r\n\r\n" + b" " * 60_000)

    error, _ = _timed_fetch(hostile(both).url(), max_bytes=100_000)
    assert "Feed is larger than 100,000 bytes" in str(error)


def test_a_content_length_smaller_than_the_body_reads_only_what_was_announced(hostile):
    def short(conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")
        _forever(server, conn, b" " * 65536, 0)

    started = time.monotonic()
    response = fetch.fetch(hostile(short).url())
    assert response.body == b"<rss/>"
    assert time.monotonic() - started < TIMEOUT + MARGIN


def test_a_well_behaved_server_still_answers_through_100_continue(hostile):
    def polite(conn, server):
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n")
        conn.sendall(b"<rss/>")

    assert fetch.fetch(hostile(polite).url()).body == b"<rss/>"


# --- The add-source form reads the feed inside the editor's request ----------------------


def test_the_add_source_form_holds_the_request_for_a_few_seconds_at_most(
    hostile, settings, monkeypatch
):
    settings.NEWSWIRE_FETCH_TIMEOUT = 60  # the poller's generous budget is not the form's
    monkeypatch.setattr(SourceForm, "CHECK_TIMEOUT", TIMEOUT)  # 5 s in production
    server = hostile(slow_status_line)
    form = SourceForm(
        data={
            "feed_url": server.url(),
            "rights": "headline",
            "poll_minutes": 10,
            "stale_after_hours": 24,
        }  # fmt: skip
    )
    started = time.monotonic()
    assert not form.is_valid()
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert "Feed took too long to arrive (timeout)" in form.errors["feed_url"][0]
    assert not Source.objects.exists()


def test_the_add_source_form_bound_is_a_few_seconds():
    assert 1 <= SourceForm.CHECK_TIMEOUT <= 5


def test_the_add_source_page_answers_with_a_field_error_in_time(
    hostile, settings, monkeypatch, client_for, editor
):
    settings.NEWSWIRE_FETCH_TIMEOUT = 60
    monkeypatch.setattr(SourceForm, "CHECK_TIMEOUT", TIMEOUT)
    server = hostile(endless_100_continue_slow)
    started = time.monotonic()
    response = client_for(editor).post(
        "/admin/newswire/source/add/",
        {"feed_url": server.url(), "rights": "headline", "poll_minutes": 10,
         "stale_after_hours": 24},
    )  # fmt: skip
    assert time.monotonic() - started < TIMEOUT + MARGIN + 0.5  # plus the admin page
    assert response.status_code == 200
    assert "Feed took too long to arrive (timeout)" in response.content.decode()
    assert not Source.objects.exists()


# --- Over TLS: the same deadline after the handshake, certificates still verified ----------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if not shutil.which("openssl"):
        pytest.skip("needs the openssl command to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls(hostile, certificate):
    """Starts a TLS server with the test certificate, which fetch() is made to trust."""
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)

    def start(behaviour):
        return RawServer(
            behaviour, wrap=lambda conn: server_context.wrap_socket(conn, server_side=True)
        )

    real = fetch._tls_context

    def trusting():
        context = real()
        context.load_verify_locations(cert)
        return context

    yield start, trusting


def test_a_feed_over_tls_is_read(tls, monkeypatch):
    start, trusting = tls
    monkeypatch.setattr(fetch, "_tls_context", trusting)

    def feed(conn, server):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n<rss/>")

    server = start(feed)
    try:
        assert fetch.fetch(server.url(scheme="https")).body == b"<rss/>"
    finally:
        server.close()


def test_tls_certificates_are_still_verified(tls):
    start, _ = tls
    server = start(lambda conn, server: conn.sendall(b"HTTP/1.1 200 OK\r\n\r\n"))
    try:
        error, _ = _timed_fetch(server.url(scheme="https"))
        assert "CERTIFICATE_VERIFY_FAILED" in str(error)
    finally:
        server.close()


@pytest.mark.parametrize("behaviour", [slow_status_line, slow_headers, slow_body])
def test_a_slow_server_over_tls_is_cut_off_at_the_deadline(tls, monkeypatch, behaviour):
    start, trusting = tls
    monkeypatch.setattr(fetch, "_tls_context", trusting)
    server = start(behaviour)
    try:
        error, elapsed = _timed_fetch(server.url(scheme="https"))
        assert "timeout" in str(error)
        assert elapsed < TIMEOUT + MARGIN
    finally:
        server.close()
