"""Safe fetching against a loopback server: inward addresses, hostile feeds, HTTP manners."""

import codecs
import functools
import gzip
import time
import tracemalloc
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from newswire import fetch
from newswire.fetch import FetchError
from newswire.models import Item, Source
from newswire.tasks import poll_source
from newswire.tests.conftest import feed_file, rss

pytestmark = pytest.mark.django_db

GOOD = rss([("g1", "Bridge reopens", "https://wire.example/bridge", "Traffic flows again.")])


# --- Server-side request forgery ------------------------------------------------------


@pytest.fixture
def private_disallowed(settings):
    settings.NEWSWIRE_ALLOW_PRIVATE_NETWORKS = False
    return settings


def test_localhost_is_refused_when_private_networks_are_not_allowed(
    feed_server, private_disallowed
):
    url = feed_server.add("/feed", GOOD).replace("127.0.0.1", "localhost")
    with pytest.raises(
        FetchError,
        match=r"localhost resolves to (127\.0\.0\.1|::1), not a public address \(loopback",
    ):
        fetch.fetch(url)
    assert feed_server.requests == []


# Every IANA special-purpose block and the IPv4-carrying forms: test_fetch_addresses.py.


def test_every_redirect_is_checked_again(feed_server, monkeypatch, private_disallowed):
    """The first hop is let through as if public; its redirect to loopback is refused."""
    real = fetch.inward_reason
    monkeypatch.setattr(fetch, "inward_reason", lambda ip: "" if ip == "127.0.0.1" else real(ip))

    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", f"http://127.0.0.2:{feed_server.port}/secret")
        handler.end_headers()

    url = feed_server.add_handler("/hop", redirect)
    with pytest.raises(FetchError, match=r"127\.0\.0\.2, not a public address \(loopback"):
        fetch.fetch(url)
    assert [p for p, _ in feed_server.requests] == ["/hop"]


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed", "gopher://x/", "javascript:alert(1)"]
)
def test_only_http_and_https_are_fetched(url):
    with pytest.raises(FetchError, match="only http and https"):
        fetch.fetch(url)


def test_the_setting_is_read_from_the_environment_and_off_by_default(monkeypatch):
    import environ

    monkeypatch.delenv("NEWSWIRE_ALLOW_PRIVATE_NETWORKS", raising=False)
    assert environ.Env().bool("NEWSWIRE_ALLOW_PRIVATE_NETWORKS", default=False) is False
    from aiblogger.settings import base

    text = Path(base.__file__).read_text()
    assert 'NEWSWIRE_ALLOW_PRIVATE_NETWORKS = env.bool("NEWSWIRE_ALLOW_PRIVATE_NETWORKS"' in text


# --- HTTP manners -----------------------------------------------------------------------


def test_conditional_get_answers_304_and_creates_nothing(feed_server):
    url = feed_server.add("/fr", feed_file("rss2_fr.xml"))
    source = Source.objects.create(name="Le Quotidien", feed_url=url)
    first = poll_source(source.pk, force=True)
    assert first.counts["new"] == 3 and not first.error
    source.refresh_from_db()
    assert source.etag and source.last_modified
    second = poll_source(source.pk, force=True)
    assert second.not_modified and second.counts == {}
    assert Item.objects.count() == 3
    last = feed_server.hits("/fr")[-1]
    assert last["If-None-Match"] == source.etag
    assert last["If-Modified-Since"] == source.last_modified
    assert len(feed_server.hits("/fr")) == 2


def test_redirects_are_followed_up_to_the_limit(feed_server, settings):
    feed_server.add("/final", GOOD)

    def hop(n):
        def handler(h):
            h.send_response(301)
            h.send_header("Location", f"/hop{n + 1}" if n < 9 else "/final")
            h.end_headers()

        return handler

    for n in range(10):
        feed_server.add_handler(f"/hop{n}", hop(n))
    assert fetch.fetch(feed_server.url("/hop6")).status == 200  # 4 redirects
    with pytest.raises(FetchError, match="More than 5 redirects"):
        fetch.fetch(feed_server.url("/hop0"))


def test_retry_after_is_respected(feed_server):
    def busy(h):
        h.send_response(429)
        h.send_header("Retry-After", "7200")
        h.end_headers()

    url = feed_server.add_handler("/busy", busy)
    source = Source.objects.create(name="Busy", feed_url=url)
    result = poll_source(source.pk, force=True)
    source.refresh_from_db()
    assert result.error.startswith("HTTP 429")
    assert source.next_poll_at >= timezone.now() + timedelta(seconds=7100)


def test_failures_back_off_and_a_success_resets_them(feed_server):
    source = Source.objects.create(name="Gone", feed_url=feed_server.url("/missing"))
    waits = []
    for _ in range(3):
        poll_source(source.pk, force=True)
        source.refresh_from_db()
        waits.append(source.next_poll_at - source.last_polled_at)
    assert source.consecutive_failures == 3 and source.last_error == "HTTP 404 Not Found"
    assert waits == [timedelta(minutes=10), timedelta(minutes=20), timedelta(minutes=40)]
    feed_server.add("/missing", GOOD)
    poll_source(source.pk, force=True)
    source.refresh_from_db()
    assert source.consecutive_failures == 0 and source.last_error == ""
    assert source.last_success_at == source.last_polled_at


def test_gzip_encoded_feeds_are_read(feed_server):
    body = gzip.compress(GOOD.encode())

    def handler(h):
        h.send_response(200)
        h.send_header("Content-Encoding", "gzip")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    response = fetch.fetch(feed_server.add_handler("/gz", handler))
    assert response.body == GOOD.encode()


# --- Hostile feeds: refused in bounded memory and time, recorded, others go on ----------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title></item></channel></rss>"""


@functools.cache
def bomb():
    """100 MB of spaces in about 100 kB of gzip."""
    return gzip.compress(b"<rss>" + b" " * (100 * 1024 * 1024), compresslevel=9)


def _gzip_bomb(h):
    body = bomb()
    h.send_response(200)
    h.send_header("Content-Encoding", "gzip")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _endless(h):
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()
    chunk = b"<item><title>again</title></item>" * 1000
    while True:
        h.wfile.write(chunk)


def _trickle(h):
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()
    while True:
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.2)


def _announced_100mb(h):
    h.send_response(200)
    h.send_header("Content-Length", str(100 * 1024 * 1024))
    h.end_headers()
    chunk = b" " * (1024 * 1024)
    for _ in range(100):
        h.wfile.write(chunk)


def _unannounced_100mb(h):
    h.send_response(200)
    h.end_headers()
    chunk = b" " * (1024 * 1024)
    for _ in range(100):
        h.wfile.write(chunk)


def _fifty_thousand_items(h):
    items = b"".join(b"<item><title>%d</title></item>" % n for n in range(50_000))
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>' + items
    body += b"</channel></rss>"
    h.send_response(200)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _fifty_thousand_json_items(h):
    items = ",".join(f'{{"id": "{n}", "title": "x"}}' for n in range(50_000))
    head = '{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": ['
    body = (head + items + "]}").encode()
    h.send_response(200)
    h.send_header("Content-Type", "application/feed+json")
    h.end_headers()
    h.wfile.write(body)


RSS = "application/rss+xml"  # without it, feedparser reads text/xml as US-ASCII


def _fifty_thousand_utf16_items(h):
    items = "".join(f"<item><title>{n}</title></item>" for n in range(50_000))
    doc = f'<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel>{items}'
    _static(h, codecs.BOM_UTF16_LE + (doc + "</channel></rss>").encode("utf-16-le"), RSS)


def _thirty_thousand_dotted_items(h):
    item = '<x.y:item xmlns:x.y="http://purl.org/rss/1.0/"><x.y:title>%d</x.y:title></x.y:item>'
    items = "".join(item % n for n in range(30_000))
    _static(
        h, f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
    )


def _utf16_laughs(h):
    doc = BILLION_LAUGHS.decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"')
    _static(h, doc.encode("utf-16"), RSS)  # with its byte order mark


def _utf32_xxe(h):
    doc = (
        '<?xml version="1.0" encoding="utf-32"?><!DOCTYPE rss [<!ENTITY x SYSTEM '
        '"file:///etc/passwd">]><rss version="2.0"><channel><title>&x;</title></channel></rss>'
    )
    _static(h, doc.encode("utf-32"), RSS)


HOSTILE = {
    "entities": (lambda h: _static(h, BILLION_LAUGHS), "entity expansion"),
    "entities-utf16": (_utf16_laughs, "entity expansion"),
    "xxe-utf32": (_utf32_xxe, "entity expansion"),
    "50k-utf16-items": (_fifty_thousand_utf16_items, "50,000 items"),
    "30k-dotted-prefix-items": (_thirty_thousand_dotted_items, "30,000 items"),
    "gzip-bomb": (_gzip_bomb, "compression bomb"),
    "endless": (_endless, "larger than"),
    "trickle": (_trickle, "timeout"),
    "100mb-announced": (_announced_100mb, "104,857,600 bytes; the limit"),
    "100mb-streamed": (_unannounced_100mb, "larger than"),
    "50k-items": (_fifty_thousand_items, "50,000 items"),
    "50k-json-items": (_fifty_thousand_json_items, "50,000 items"),
}


def _static(h, body, content_type=""):
    h.send_response(200)
    if content_type:
        h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_feeds_are_refused_within_bounded_memory_and_time(feed_server, settings, name):
    settings.NEWSWIRE_FETCH_TIMEOUT = 2
    handler, message = HOSTILE[name]
    source = Source.objects.create(
        name=name, feed_url=feed_server.add_handler(f"/{name}", handler)
    )
    bomb()  # made before the clock starts
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = poll_source(source.pk, force=True)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    elapsed = time.monotonic() - started
    source.refresh_from_db()
    assert message in source.last_error, source.last_error
    assert "\n" not in source.last_error and result.error
    assert elapsed < 5
    assert peak < 40 * 1024 * 1024, f"peak {peak:,} bytes"
    assert not Item.objects.exists()


def test_hostile_feeds_never_stop_the_other_sources(feed_server, settings):
    settings.NEWSWIRE_FETCH_TIMEOUT = 2
    bomb()
    for name, (handler, _) in HOSTILE.items():
        Source.objects.create(name=name, feed_url=feed_server.add_handler(f"/{name}", handler))
    good = Source.objects.create(name="Good", feed_url=feed_server.add("/good", GOOD))
    call_command("poll_feeds", "--force")  # returns normally: exit status 0
    assert Source.objects.exclude(last_error="").count() == len(HOSTILE)
    assert list(good.items.values_list("title", flat=True)) == ["Bridge reopens"]
