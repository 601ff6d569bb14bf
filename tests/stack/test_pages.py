"""Reader pages through Nginx: content types, static files, the microcache, downtime."""

import gzip
import secrets
import time

import pytest

from .conftest import MICROCACHE_SECONDS, SECURITY_HEADERS

pytestmark = pytest.mark.stack


def test_home_article_feed_and_sitemap_over_https(client, urls):
    pages = {
        "/": "text/html",
        urls["article"]: "text/html",
        "/feeds/latest.rss": "xml",
        "/sitemap.xml": "xml",
    }
    problems = []
    for path, content_type in pages.items():
        r = client.get(path)
        if r.status != 200 or content_type not in r.headers.get("Content-Type", ""):
            problems.append(f"{path} -> {r.status} {r.headers.get('Content-Type')}")
    assert not problems


def test_static_file_served_by_nginx_immutable_and_gzipped(stack, client, urls):
    path = f"/static/{urls['static']}"
    r = client.get(path)
    assert r.status == 200, f"{path} gave {r.status}"
    cache_control = r.headers.get("Cache-Control", "")
    assert "immutable" in cache_control and "max-age=31536000" in cache_control, cache_control
    zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers.get("Content-Encoding") == "gzip", "no gzip variant served"
    assert gzip.decompress(zipped.body) == r.body, "gzip variant differs from the file"
    on_disk = (stack.tmp / "static" / (urls["static"] + ".gz")).read_bytes()
    assert zipped.body == on_disk, "gzip body is not the precompressed file (gzip_static)"
    time.sleep(0.2)
    assert urls["static"] not in stack.gunicorn_log.read_text(), "gunicorn served the file"


def test_microcache_hits_bypasses_members_and_shows_edits(stack, client, urls, admin_session):
    path = urls["article"]
    statuses = []
    for _ in range(40):
        statuses.append(client.get(path).headers.get("X-Cache-Status"))
        if statuses[-1] == "HIT":
            break
        time.sleep(0.1)
    assert statuses[-1] == "HIT", f"anonymous article views never hit: {statuses}"
    logged_in = client.get(path, headers={"Cookie": f"__Host-sessionid={admin_session[0]}"})
    assert logged_in.headers.get("X-Cache-Status") == "BYPASS"
    new_title = f"Stack test edit {secrets.token_hex(4)}"
    stack.shell(
        "from articles.models import Article\n"
        f"a = Article.objects.get(pk={urls['article_id']})\n"
        f"a.title = {new_title!r}\n"
        "a.save()\n"
    )
    edited = time.monotonic()
    bound = MICROCACHE_SECONDS + 2
    while time.monotonic() - edited < bound + 5:
        if new_title in client.get(path).text:
            took = time.monotonic() - edited
            assert took <= bound, f"edit visible after {took:.1f}s, bound {bound}s"
            return
        time.sleep(0.25)
    pytest.fail(f"edit still invisible {bound + 5}s after saving")


def test_maintenance_page_when_the_app_is_down(stack, client, urls):
    stack.stop_app()
    try:
        r = client.get(f"/?down={secrets.token_hex(4)}")
        static = client.get(f"/static/{urls['static']}")
    finally:
        stack.start_app()
        stack.wait_healthy()
    assert r.status == 503, f"with gunicorn stopped the site gave {r.status}"
    assert "back in a moment" in r.text.lower(), "not the maintenance page"
    assert r.headers.get("Retry-After") == "30", "no Retry-After"
    for name in SECURITY_HEADERS:
        assert len(r.all(name)) == 1, f"maintenance page: {name} x{len(r.all(name))}"
    assert static.status == 200, f"static file gave {static.status} with the app down"
