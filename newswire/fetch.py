"""Fetch and parse feeds hosted by strangers: every URL and every byte is hostile until checked.

fetch() refuses inward addresses after DNS resolution on every hop, caps time, size and
redirects, and speaks conditional GET; parse() turns RSS, Atom or JSON Feed bytes into plain
entries, refusing entity declarations and documents with too many items before parsing them.
"""

import calendar
import html
import http.client
import io
import ipaddress
import json
import re
import socket
import ssl
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.datetimes
import nh3
from django.conf import settings

from articles.markdown import sanitise_html

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
ACCEPT = (
    "application/feed+json, application/rss+xml, application/atom+xml, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ITEM_TAGS = re.compile(rb"<(?:[\w-]+:)?(?:item|entry)[\s>/]", re.IGNORECASE)
_SPACES = re.compile(r"\s+")


class FetchError(Exception):
    """A feed could not be read; str() is the one line recorded on the source."""

    def __init__(self, message, retry_after=None):
        super().__init__(message)
        self.retry_after = retry_after  # seconds the server asked us to wait


@dataclass
class Response:
    url: str
    status: int
    headers: dict = field(default_factory=dict)
    body: bytes = b""

    @property
    def not_modified(self):
        return self.status == 304

    @property
    def content_type(self):
        return self.headers.get("content-type", "")


def resolve(host, port):
    """Every address the host name resolves to (the one resolver fetch() calls)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"Cannot resolve {host}: {exc}") from None
    return list(dict.fromkeys(info[4][0] for info in infos))


def inward_reason(ip):
    """Why an address must not be fetched from a server, or '' when it is public."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if addr.version == 6 and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    for reason in ("loopback", "link_local", "multicast", "unspecified", "reserved", "private"):
        if getattr(addr, f"is_{reason}"):
            return reason.replace("_", "-")
    if not addr.is_global:
        return "non-public"
    return ""


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to a second DNS answer."""

    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout)
        self._ip = ip

    def connect(self):
        self.sock = socket.create_connection((self._ip, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, ip, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._ip = ip

    def connect(self):
        sock = socket.create_connection((self._ip, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _target(url, allow_private):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"Refused: only http and https addresses are fetched, not {url[:80]}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise FetchError(f"Invalid address: {url[:80]}") from None
    if not host:
        raise FetchError(f"Invalid address: {url[:80]}")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    if not addresses:
        raise FetchError(f"Cannot resolve {host}")
    if not allow_private:
        for ip in addresses:
            reason = inward_reason(ip)
            if reason:
                raise FetchError(
                    f"Refused: {host} resolves to {ip}, a {reason} address "
                    "(NEWSWIRE_ALLOW_PRIVATE_NETWORKS is off)"
                )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port, addresses[0], path


def _retry_after(value):
    if not value:
        return None
    if value.strip().isdigit():
        return int(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0, int((when - datetime.now(timezone.utc)).total_seconds()))


def _read_body(conn, resp, deadline, max_bytes, gzipped):
    """The body, decompressed, within max_bytes and the deadline, or a FetchError."""
    length = resp.getheader("content-length")
    if length and length.isdigit() and not gzipped and int(length) > max_bytes:
        raise FetchError(f"Feed is {int(length):,} bytes; the limit is {max_bytes:,}")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    parts, size = [], 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("Feed took too long to arrive (timeout)")
        if conn.sock is not None:
            conn.sock.settimeout(remaining)
        try:
            chunk = resp.read1(CHUNK)
        except TimeoutError:
            raise FetchError("Feed took too long to arrive (timeout)") from None
        if not chunk:
            break
        if inflater is not None:
            try:
                chunk = inflater.decompress(chunk, max_bytes - size + 1)
            except zlib.error:
                raise FetchError("Feed's gzip compression is corrupt") from None
            if inflater.unconsumed_tail:
                raise FetchError(f"Feed expands beyond {max_bytes:,} bytes (compression bomb)")
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"Feed is larger than {max_bytes:,} bytes")
        parts.append(chunk)
    return b"".join(parts)


def fetch(url, *, etag="", last_modified="", timeout=None, max_bytes=None, max_redirects=None):
    """GET a feed safely; a 304 comes back as a Response whose not_modified is true."""
    timeout = settings.NEWSWIRE_FETCH_TIMEOUT if timeout is None else timeout
    max_bytes = settings.NEWSWIRE_MAX_BYTES if max_bytes is None else max_bytes
    if max_redirects is None:
        max_redirects = settings.NEWSWIRE_MAX_REDIRECTS
    allow_private = settings.NEWSWIRE_ALLOW_PRIVATE_NETWORKS
    deadline = time.monotonic() + timeout
    headers = {
        "User-Agent": settings.NEWSWIRE_USER_AGENT,
        "Accept": ACCEPT,
        "Accept-Encoding": "gzip",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    for _hop in range(max_redirects + 1):
        scheme, host, port, ip, path = _target(url, allow_private)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("Feed took too long to arrive (timeout)")
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = cls(host, port, ip, timeout=remaining)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            status = resp.status
            if status in REDIRECTS:
                location = resp.getheader("location")
                if not location:
                    raise FetchError(f"HTTP {status} without a Location")
                url = urljoin(url, location.strip())
                continue
            got = {k.lower(): v for k, v in resp.getheaders()}
            if status == 304:
                return Response(url=url, status=304, headers=got)
            if status in (429, 503):
                wait = _retry_after(got.get("retry-after"))
                raise FetchError(f"HTTP {status} {resp.reason}".strip()[:120], retry_after=wait)
            if status != 200:
                raise FetchError(f"HTTP {status} {resp.reason}".strip()[:120])
            gzipped = got.get("content-encoding", "").strip().lower() in ("gzip", "x-gzip")
            body = _read_body(conn, resp, deadline, max_bytes, gzipped)
            return Response(url=url, status=200, headers=got, body=body)
        except TimeoutError:
            raise FetchError("Feed took too long to arrive (timeout)") from None
        except ssl.SSLError as exc:
            raise FetchError(f"TLS error: {exc.reason or exc}"[:200]) from None
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(f"Connection failed: {exc.__class__.__name__}: {exc}"[:200]) from None
        finally:
            conn.close()
    raise FetchError(f"More than {max_redirects} redirects")


# --- Parsing ------------------------------------------------------------------


@dataclass
class Feed:
    title: str = ""
    site_url: str = ""
    language: str = ""
    entries: list = field(default_factory=list)


def text_of(markup, limit=None):
    """Plain text from feed HTML: tags and scripts gone, entities decoded, spaces collapsed."""
    if not markup:
        return ""
    text = html.unescape(nh3.clean(str(markup), tags=set(), strip_comments=True))
    text = _SPACES.sub(" ", text).strip()
    return text[:limit] if limit else text


def _http_url(value, base=""):
    if not value or not isinstance(value, str):
        return ""
    value = urljoin(base, value.strip()) if base else value.strip()
    return value if value.startswith(("http://", "https://")) and len(value) <= 2000 else ""


def _when(parsed):
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    except (OverflowError, ValueError, TypeError):
        return None


def _iso(value):
    if not value or not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return _when(feedparser.datetimes._parse_date(value))
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def parse(body, content_type="", url=""):
    """A Feed from RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes, or a FetchError."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FetchError("Feed is empty")
    if "json" in content_type.lower() or stripped[:1] == b"{":
        return _parse_json(stripped, url)
    if _ENTITY_DECL.search(body):
        raise FetchError("Feed declares XML entities; refused (entity expansion)")
    count = sum(1 for _ in _ITEM_TAGS.finditer(body))
    if count > settings.NEWSWIRE_MAX_ITEMS:
        raise FetchError(f"Feed has {count:,} items; the limit is {settings.NEWSWIRE_MAX_ITEMS:,}")
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": content_type or "text/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    if not parsed.version and not parsed.entries:
        reason = parsed.get("bozo_exception") or "not RSS, Atom or JSON Feed"
        raise FetchError(f"Not a feed: {str(reason).splitlines()[0][:150]}")
    info = parsed.feed
    feed = Feed(
        title=text_of(info.get("title"), 200),
        site_url=_http_url(info.get("link"), url),
        language=(info.get("language") or "")[:20],
    )
    for entry in parsed.entries:
        feed.entries.append(_xml_entry(entry, url, feed.language))
    return feed


def _image(entry, base):
    for media in entry.get("media_content") or []:
        kind = media.get("medium") or media.get("type") or ""
        if kind.startswith("image") or not kind:
            found = _http_url(media.get("url"), base)
            if found:
                return found
    for thumb in entry.get("media_thumbnail") or []:
        found = _http_url(thumb.get("url"), base)
        if found:
            return found
    for link in entry.get("links") or []:
        if link.get("rel") == "enclosure" and (link.get("type") or "").startswith("image"):
            found = _http_url(link.get("href"), base)
            if found:
                return found
    return ""


def _xml_entry(entry, base, language):
    content = ""
    for part in entry.get("content") or []:
        if part.get("value"):
            content = part["value"]
            break
    summary = entry.get("summary") or ""
    if summary == content:  # feedparser copies content:encoded into summary when alone
        summary = text_of(content, 600)
    credit = entry.get("media_credit")
    if isinstance(credit, list):
        credit = credit[0].get("content", "") if credit else ""
    elif isinstance(credit, dict):
        credit = credit.get("content", "")
    authors = [a.get("name", "") for a in entry.get("authors") or [] if a.get("name")]
    return {
        "guid": (entry.get("id") or "").strip()[:1000],
        "url": _http_url(entry.get("link"), base),
        "title": text_of(entry.get("title"), 500),
        "summary": text_of(summary, 5000),
        "content": sanitise_html(content) if content else "",
        "authors": text_of(", ".join(authors) or entry.get("author", ""), 500),
        # dict.get: FeedParserDict's own get() maps missing keys with a warning.
        "published_at": _when(
            dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
        ),
        "image_url": _image(entry, base),
        "image_credit": text_of(credit or "", 300),
        "language": (entry.get("language") or language or "")[:20],
    }


def _parse_json(body, url):
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FetchError(f"Not a feed: invalid JSON ({str(exc)[:100]})") from None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(
        "https://jsonfeed.org/version/"
    ):
        raise FetchError("Not a feed: JSON without a jsonfeed.org version")
    items = data.get("items")
    if not isinstance(items, list):
        raise FetchError("Not a feed: JSON Feed without items")
    if len(items) > settings.NEWSWIRE_MAX_ITEMS:
        raise FetchError(
            f"Feed has {len(items):,} items; the limit is {settings.NEWSWIRE_MAX_ITEMS:,}"
        )
    base = _http_url(data.get("home_page_url")) or url
    language = str(data.get("language") or "")[:20]
    feed = Feed(title=text_of(data.get("title"), 200), site_url=base, language=language)
    feed_authors = data.get("authors") or ([data["author"]] if data.get("author") else [])
    for item in items:
        if not isinstance(item, dict):
            continue
        authors = item.get("authors") or ([item["author"]] if item.get("author") else [])
        authors = authors or feed_authors
        names = [a.get("name", "") for a in authors if isinstance(a, dict) and a.get("name")]
        content_html = item.get("content_html") or ""
        content_text = item.get("content_text") or ""
        content = sanitise_html(str(content_html)) if content_html else ""
        if not content and content_text:
            content = sanitise_html(
                "".join(
                    f"<p>{html.escape(p)}</p>"
                    for p in str(content_text).split("\n\n")
                    if p.strip()
                )
            )
        summary = item.get("summary") or text_of(content_html, 600) or str(content_text)[:600]
        feed.entries.append(
            {
                "guid": str(item.get("id") or "").strip()[:1000],
                "url": _http_url(item.get("url") or item.get("external_url"), base),
                "title": text_of(item.get("title"), 500),
                "summary": text_of(summary, 5000),
                "content": content,
                "authors": text_of(", ".join(names), 500),
                "published_at": _iso(item.get("date_published") or item.get("date_modified")),
                "image_url": _http_url(item.get("image") or item.get("banner_image"), base),
                "image_credit": "",
                "language": str(item.get("language") or language)[:20],
            }
        )
    return feed
