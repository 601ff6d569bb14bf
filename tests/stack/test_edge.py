"""What Nginx answers at the edge: redirects, unknown hosts, TLS, headers, limits."""

import http.client
import secrets
import ssl

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
