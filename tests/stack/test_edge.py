"""What Nginx answers at the edge: redirects, unknown hosts, TLS, headers, limits."""

import gzip
import http.client
import re
import secrets
import ssl
import time

import pytest

from .conftest import HOST, expect_once

pytestmark = pytest.mark.stack


def test_http_redirects_to_https_on_the_right_port(stack, client):
    r = client.get("/section/news/?page=2", tls=False)
    assert r.status == 301, f"HTTP gave {r.status}, expected 301"
    expected = f"https://{HOST}:{stack.https_port}/section/news/?page=2"
    assert r.headers["Location"] == expected


def test_acme_challenge_served_over_plain_http(stack, client):
    token = secrets.token_urlsafe(16)
    challenge = stack.tmp / "acme" / ".well-known" / "acme-challenge"
    challenge.mkdir(parents=True, exist_ok=True)
    (challenge / token).write_text("proof")
    r = client.get(f"/.well-known/acme-challenge/{token}", tls=False)
    assert (r.status, r.text) == (200, "proof")


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_unknown_host_gets_no_response(client, tls):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        client.get("/", tls=tls, host="evil.test")


def test_unknown_sni_fails_the_tls_handshake(client):
    with pytest.raises(ssl.SSLError):
        client.connect(sni="evil.test").close()


def test_tls_per_mozilla_intermediate_with_http2(stack, client):
    with client.connect() as sock:
        assert sock.version() == "TLSv1.3"
    context = ssl.create_default_context(cafile=str(stack.cert))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["h2", "http/1.1"])
    with client.connect(context=context) as sock:
        assert sock.version() == "TLSv1.2"
        assert sock.selected_alpn_protocol() == "h2", "HTTP/2 not offered"
        assert sock.cipher()[0].startswith("ECDHE-"), f"TLS 1.2 cipher {sock.cipher()[0]}"


def test_security_headers_present_exactly_once(client, urls):
    responses = {
        "page": client.get("/"),
        "admin": client.get("/admin/login/"),
        "static": client.get(f"/static/{urls['static']}"),
    }
    problems = [p for kind, r in responses.items() for p in expect_once(r, kind)]
    assert not problems
    csp = responses["page"].headers.get("Content-Security-Policy", "")
    assert "unsafe-inline" not in csp, "the CSP allows unsafe-inline"
    assert "frame-ancestors 'none'" in csp, f"CSP without frame-ancestors: {csp}"


def test_login_posts_are_rate_limited(client):
    statuses = [
        client.request(
            "POST",
            "/accounts/login/",
            body=b"username=x&password=y",
            source="127.0.0.9",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ).status
        for _ in range(14)
    ]
    assert 429 in statuses, f"14 quick login POSTs never got 429: {statuses}"
    assert statuses[0] != 429, "the first login POST was already refused"


def test_upload_size_limit_and_413_page(client):
    big = 12 * 1024 * 1024
    r = client.request(
        "POST",
        "/admin/articles/article/add/",
        headers={"Content-Length": str(big), "Content-Type": "multipart/form-data; b=x"},
        body=b"",
        send_body=False,
    )
    assert r.status == 413, f"a 12 MB upload gave {r.status}"
    assert "too large" in r.text, "the 413 page is not the friendly one"
    # A 10 MB image plus form fields must still reach Django.
    body = b"x" * (10 * 1024 * 1024 + 200 * 1024)
    r = client.request(
        "POST",
        "/admin/articles/article/add/",
        body=body,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert r.status != 413, "a 10.2 MB upload was refused by Nginx"


def _stored_copy(stack, path):
    """(headers, body) of the microcache's entry for path, as Nginx keeps it on disk."""
    key = f"\nKEY: https{HOST}{path}\n".encode()
    for entry in (stack.tmp / "cache").rglob("*"):
        if entry.is_file() and key in (data := entry.read_bytes()):
            headers, _, body = data.split(key, 1)[1].partition(b"\r\n\r\n")
            return headers.decode("latin-1"), body
    return None, None


def _cached_pair(client, path):
    """A page's first (stored) answer to a gzip client and the hit that follows."""
    stored = client.get(path, headers={"Accept-Encoding": "gzip"})
    hit = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert stored.status == hit.status == 200, f"{path}: {stored.status}, {hit.status}"
    assert hit.headers.get("X-Cache-Status") == "HIT", f"{path}: second request not a hit"
    return stored, hit


def test_a_story_shared_with_tracking_parameters_is_served_from_the_microcache(client, urls):
    """Readers from a social network arrive with ?fbclid=…: one cached page serves them all.

    Nginx's map drops a query string made of tracking parameters alone; with other
    parameters (?page=2&fbclid=…) the request reaches Django's page cache, which
    drops them too (articles/tests/test_pagecache.py).
    """
    bare = urls["article"]
    _cached_pair(client, bare)
    for query in ("?fbclid=IwAR1", "?utm_source=newsletter&utm_medium=email"):
        hit = client.get(bare + query)
        assert hit.headers.get("X-Cache-Status") == "HIT", f"{query} missed the microcache"
    other = client.get(f"{bare}?ref={secrets.token_hex(4)}")
    assert other.headers.get("X-Cache-Status") == "MISS", "another parameter shared an entry"


@pytest.mark.parametrize("page", ["article", "feed"])
def test_a_microcache_hit_sends_the_gzip_bytes_stored_once(stack, client, urls, page):
    """Compressing the page again on every hit made a hit cost 3-5 static files."""
    base = {"article": urls["article"], "feed": "/feeds/latest.rss"}[page]
    path = f"{base}?stored={secrets.token_hex(4)}"
    _, hit = _cached_pair(client, path)
    headers, body = _stored_copy(stack, path)
    assert headers is not None, f"no microcache entry for {path}"
    assert re.search(r"(?im)^Content-Encoding: gzip\r?$", headers), (
        "the page was stored uncompressed"
    )
    assert not re.search(r"(?im)^Vary:.*Accept-Encoding", headers), (
        "stored with Vary: Accept-Encoding"
    )
    assert hit.headers.get("Content-Encoding") == "gzip"
    assert hit.body == body, "the hit did not send the stored bytes"
    assert "Accept-Encoding" in ", ".join(hit.all("Vary")), "a gzip answer without Vary"


@pytest.mark.parametrize("accept", [None, "identity", "br", "gzip;q=0"])
def test_a_client_that_takes_no_gzip_gets_the_cached_page_unpacked(client, urls, accept):
    path = f"{urls['article']}?plain={secrets.token_hex(4)}"
    stored, _ = _cached_pair(client, path)
    headers = {"Accept-Encoding": accept} if accept else {}
    plain = client.get(path, headers=headers)
    assert plain.headers.get("X-Cache-Status") == "HIT", "the plain answer is another entry"
    assert plain.headers.get("Content-Encoding") is None, f"{accept}: got gzip"
    assert plain.body == gzip.decompress(stored.body), "the unpacked page differs"
    assert "<html" in plain.text, "not a page"
    assert "Accept-Encoding" in ", ".join(plain.all("Vary")), "an unpacked answer without Vary"
    for what, request_headers, encoding in [
        ("plain", headers, None),
        ("gzip", {"Accept-Encoding": "gzip"}, "gzip"),
    ]:
        head = client.request("HEAD", path, headers=request_headers)
        assert (head.status, head.body) == (200, b""), f"HEAD ({what}) gave {head.status}"
        assert head.headers.get("Content-Encoding") == encoding, f"HEAD ({what})"
        assert head.headers.get("X-Cache-Status") == "HIT", f"HEAD ({what}) missed the cache"


def test_the_app_sees_the_readers_address_through_the_gzip_stage(stack, client):
    """The app trusts one proxy: the reader's address, not the internal socket's."""
    token = secrets.token_hex(4)
    r = client.get(
        f"/?address={token}", source="127.0.0.5", headers={"X-Forwarded-For": "203.0.113.9"}
    )
    assert r.status == 200
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lines = [x for x in stack.gunicorn_log.read_text().splitlines() if f"address={token}" in x]
        if lines:
            break
        time.sleep(0.1)
    assert lines, "gunicorn did not log the request"
    assert lines[0].startswith('127.0.0.5 "GET'), f"the app saw another address: {lines[0]}"
