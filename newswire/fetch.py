"""Fetch and parse feeds hosted by strangers: every URL and every byte is hostile until checked.

fetch() refuses any address that is not globally routable unicast after DNS resolution on every
hop, and holds one deadline and one byte allowance over the whole exchange: name lookups,
connect, TLS, every status line and header (100 Continue included) and the body. parse() turns
RSS, Atom or JSON Feed bytes into plain entries; check_document() refuses entity declarations
and documents with too many items before parsing them, decided on the text as the parser will
decode it.
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
import threading
import time
import unicodedata
import xml.sax
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import feedparser
import feedparser.datetimes
import feedparser.encodings
import nh3
from django.conf import settings

from articles.markdown import sanitise_html

from .models import language_code

REDIRECTS = {301, 302, 303, 307, 308}
CHUNK = 64 * 1024
ACCEPT = (
    "application/feed+json, application/rss+xml, application/atom+xml, "
    "application/rdf+xml;q=0.9, application/xml;q=0.8, text/xml;q=0.8, */*;q=0.5"
)
_SPACES = re.compile(r"\s+")
# Over the decoded text: any element whose local name is item or entry, whatever its prefix
# (<x.y:item>) or case (feedparser's loose parser takes <ITEM> too), so never fewer than parsed.
_ITEM_TAGS = re.compile(r"<(?:[^\s<>/!?=\"']*:)?(?:item|entry)(?![\w.:-])", re.IGNORECASE)
_ENTITY_DECL = re.compile(r"<!\s*ENTITY", re.IGNORECASE)

# The IANA special-purpose address registries (IPv4 and IPv6, as of 2025), multicast and the
# reserved ranges, each with the name a refusal gives: none of them is fetched from, whatever
# Python's own tables say. Forms that carry an IPv4 address are judged by that address.
SPECIAL_V4 = {
    ipaddress.IPv4Network(net): name
    for net, name in (
        ("0.0.0.0/8", "this-network"), ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "shared (carrier NAT)"), ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"), ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "IETF protocol assignment"), ("192.0.2.0/24", "documentation"),
        ("192.31.196.0/24", "AS112 anycast"), ("192.52.193.0/24", "AMT anycast"),
        ("192.88.99.0/24", "6to4 relay anycast"), ("192.168.0.0/16", "private"),
        ("192.175.48.0/24", "AS112 anycast"), ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"), ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"), ("255.255.255.255/32", "broadcast"),
        ("240.0.0.0/4", "reserved"),
    )
}  # fmt: skip
SPECIAL_V6 = {
    ipaddress.IPv6Network(net): name
    for net, name in (
        ("::/128", "unspecified"), ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "local-use NAT64"), ("100::/64", "discard-only"),
        ("100:0:0:1::/64", "dummy"), ("2001::/23", "IETF protocol assignment"),
        ("2001:db8::/32", "documentation"), ("2620:4f:8000::/48", "AS112 anycast"),
        ("3fff::/20", "documentation"), ("5f00::/16", "SRv6 segment identifier"),
        ("fc00::/7", "unique-local (private)"), ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"),
    )
}  # fmt: skip
GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
MAPPED = ipaddress.IPv6Network("::ffff:0:0/96")  # the socket connects to the IPv4 address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
SIXTOFOUR = ipaddress.IPv6Network("2002::/16")
TEREDO = ipaddress.IPv6Network("2001::/32")


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


# getaddrinfo() takes no deadline and the feed's owner runs the name server: each lookup runs
# in a thread of its own, waited for until the fetch's deadline, then left to end at the
# system resolver's timeout. (A shared pool would let a few slow servers stall every lookup.)
def _resolve_within(host, port, budget):
    outcome = []
    done = threading.Event()

    def lookup():
        try:
            outcome.append(resolve(host, port))
        except Exception as exc:  # handed to the caller's thread
            outcome.append(exc)
        finally:
            done.set()

    threading.Thread(target=lookup, name="newswire-dns", daemon=True).start()
    if not done.wait(budget.remaining()):
        raise FetchError(f"Cannot resolve {host}: no answer in time (timeout)")
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _special(addr, table):
    return next((name for net, name in table.items() if addr in net), "")


def _carried(addr):
    """The IPv4 addresses an IPv6 translation form carries (none for a native address)."""
    if addr in MAPPED:
        return [addr.ipv4_mapped]
    if addr in NAT64:
        return [ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)]
    if addr in SIXTOFOUR:
        return [addr.sixtofour]
    if addr in TEREDO:
        return list(addr.teredo)  # the Teredo server and the client behind it
    return []


def inward_reason(ip):
    """Why an address must not be fetched from a server, or '' when it is public.

    Only globally routable unicast passes: IPv4 outside every special-purpose block, IPv6 in
    2000::/3 outside them. An IPv6 form carrying IPv4 (mapped, NAT64, 6to4, Teredo) passes
    only when every IPv4 address inside does; IPv4-compatible ::a.b.c.d is reserved space.
    """
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if addr.version == 6 and (carried := _carried(addr)):
        for inner in carried:
            if reason := inward_reason(str(inner)):
                return f"{reason} IPv4 {inner} inside"
        return ""
    if addr.version == 4:
        reason = _special(addr, SPECIAL_V4)
    else:
        reason = _special(addr, SPECIAL_V6)
        if not reason and addr not in GLOBAL_UNICAST_V6:
            reason = "reserved"
    if not reason and not addr.is_global:  # Python's tables, as a second opinion only
        reason = "non-public"
    return reason


class _Budget:
    """One deadline and one byte allowance for everything one fetch() receives, every hop."""

    def __init__(self, timeout, max_bytes):
        self.deadline = time.monotonic() + timeout
        self.max_bytes = max_bytes
        self.received = 0
        self.in_body = False

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise FetchError("Feed took too long to arrive (timeout)")
        return left

    def spend(self, size):
        self.received += size
        if self.received > self.max_bytes:
            if self.in_body:
                raise FetchError(f"Feed is larger than {self.max_bytes:,} bytes")
            raise FetchError(
                f"Response headers are larger than {self.max_bytes:,} bytes (the feed's limit)"
            )


class _BudgetSocket(socket.socket):
    """A socket whose every wait ends at the fetch's deadline and whose bytes are counted.

    http.client reads status lines, headers and bodies through recv_into(); a socket timeout
    alone restarts with each byte, so a server dripping one byte a second never trips it.
    """

    budget = None

    def recv_into(self, buffer, nbytes=0, flags=0):
        self.settimeout(self.budget.remaining())
        size = super().recv_into(buffer, nbytes, flags)
        self.budget.spend(size)
        return size

    def sendall(self, data, flags=0):
        self.settimeout(self.budget.remaining())
        return super().sendall(data, flags)


class _BudgetSSLSocket(ssl.SSLSocket):
    """The same over TLS (the class the TLS context wraps sockets in)."""

    budget = None

    def recv_into(self, buffer, nbytes=None, flags=0):
        self.settimeout(self.budget.remaining())
        size = super().recv_into(buffer, nbytes, flags)
        self.budget.spend(size)
        return size

    def send(self, data, flags=0):  # sendall() loops over send()
        self.settimeout(self.budget.remaining())
        return super().send(data, flags)


def _tls_context():
    context = ssl.create_default_context()
    context.sslsocket_class = _BudgetSSLSocket
    return context


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address that was checked, not to a second DNS answer, on the budget."""

    def __init__(self, host, port, ip, budget):
        super().__init__(host, port, timeout=budget.remaining())
        self._ip = ip
        self._budget = budget

    def _open(self):
        family = socket.AF_INET6 if ":" in self._ip else socket.AF_INET
        sock = _BudgetSocket(family, socket.SOCK_STREAM)
        sock.budget = self._budget
        try:
            sock.settimeout(self._budget.remaining())
            sock.connect((self._ip, self.port))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            sock.close()
            raise
        return sock

    def connect(self):
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self):
        sock = self._open()
        sock.settimeout(self._budget.remaining())  # the handshake's own deadline, in _ssl
        try:
            self.sock = _tls_context().wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock.budget = self._budget


def _target(url, allow_private, budget):
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
    addresses = _resolve_within(host, port, budget)
    if not addresses:
        raise FetchError(f"Cannot resolve {host}")
    if not allow_private:
        for ip in addresses:
            reason = inward_reason(ip)
            if reason:
                raise FetchError(
                    f"Refused: {host} resolves to {ip}, not a public address "
                    f"({reason}; NEWSWIRE_ALLOW_PRIVATE_NETWORKS is off)"
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


def _read_body(resp, budget, max_bytes, gzipped):
    """The body, gunzipped, within max_bytes (the socket keeps the deadline), or a FetchError."""
    length = resp.getheader("content-length")
    if length and length.isdigit() and not gzipped and int(length) > max_bytes:
        raise FetchError(f"Feed is {int(length):,} bytes; the limit is {max_bytes:,}")
    budget.in_body = True
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzipped else None
    parts, size = [], 0
    while chunk := resp.read1(CHUNK):
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
    if resp.length:  # the connection closed before the announced Content-Length arrived
        raise FetchError(f"Feed ended early: {resp.length:,} announced bytes never arrived")
    return b"".join(parts)


def fetch(url, *, etag="", last_modified="", timeout=None, max_bytes=None, max_redirects=None):
    """GET a feed safely; a 304 comes back as a Response whose not_modified is true.

    timeout bounds the whole call; max_bytes bounds both the body after gunzip and all that
    arrives on the wire (status lines and headers of every hop included).
    """
    timeout = settings.NEWSWIRE_FETCH_TIMEOUT if timeout is None else timeout
    max_bytes = settings.NEWSWIRE_MAX_BYTES if max_bytes is None else max_bytes
    if max_redirects is None:
        max_redirects = settings.NEWSWIRE_MAX_REDIRECTS
    allow_private = settings.NEWSWIRE_ALLOW_PRIVATE_NETWORKS
    budget = _Budget(timeout, max_bytes)
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
        scheme, host, port, ip, path = _target(url, allow_private, budget)
        cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        conn = cls(host, port, ip, budget)
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
            body = _read_body(resp, budget, max_bytes, gzipped)
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


def decoded(body, content_type=""):
    """The text feedparser will parse: its own rules (HTTP charset, byte order mark, XML
    declaration, UTF-16/32 and EBCDIC sniffing) applied to the same bytes and headers."""
    headers = {"content-type": content_type or "text/xml"}  # as parse() gives feedparser
    data = feedparser.encodings.convert_to_utf8(headers, body, {})
    return data.decode("utf-8", "replace")  # what the loose parser does with it too


def check_document(body, content_type=""):
    """Refuse an XML feed that declares entities or has too many items, before parsing it.

    Decided on the decoded text, so no encoding (UTF-16 or UTF-32, with or without a byte
    order mark, or any declared one) and no namespace prefix hides a declaration or an item.
    """
    text = decoded(body, content_type)
    if _ENTITY_DECL.search(text):
        raise FetchError("Feed declares XML entities; refused (entity expansion)")
    count = sum(1 for _ in _ITEM_TAGS.finditer(text))
    if count > settings.NEWSWIRE_MAX_ITEMS:
        raise FetchError(f"Feed has {count:,} items; the limit is {settings.NEWSWIRE_MAX_ITEMS:,}")


def check_parsed(entries):
    """The cap again on what the parser returned, should any form of item escape the count."""
    if len(entries) > settings.NEWSWIRE_MAX_ITEMS:
        raise FetchError(
            f"Feed parsed to {len(entries):,} items; the limit is "
            f"{settings.NEWSWIRE_MAX_ITEMS:,}; nothing was stored"
        )


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


# Dates: feeds write them in local languages and formats, and feedparser guesses when it cannot
# tell (it read "2020/1/10 14:33:00" as 1 December). A date is read here first; feedparser's
# answer is kept only when the raw string bears it out; anything else is None, never a guess.
_MONTH_NAMES = (
    "jan january januar janner janvier janv enero ene gennaio gen janeiro",
    "feb february februar fevrier fevr fev febrero febbraio fevereiro",
    "mar march marz maerz mrz mars marzo marco",
    "apr april avril avr abril abr aprile",
    "may mai mayo maggio mag maio",
    "jun june juni juin junio giugno giu junho",
    "jul july juli juillet juil julio luglio lug julho",
    "aug august aout agosto ago",
    "sep sept september septembre septiembre setiembre settembre set setembro",
    "oct october oktober okt octobre octubre ottobre ott outubro out",
    "nov november novembre noviembre novembro",
    "dec december dezember dez decembre diciembre dic dicembre dezembro",
)
MONTHS = {name: n for n, names in enumerate(_MONTH_NAMES, 1) for name in names.split()}
# Zones that email.utils does not know, or reads as UTC.
_ZONES = {
    "gmt": 0, "ut": 0, "utc": 0, "z": 0, "wet": 0, "west": 60, "bst": 60, "cet": 60,
    "mez": 60, "cest": 120, "mesz": 120, "eet": 120, "eest": 180, "msk": 180, "ist": 330,
    "jst": 540, "kst": 540, "aest": 600, "aedt": 660, "est": -300, "edt": -240, "cst": -360,
    "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420, "brt": -180,
}  # fmt: skip
_MERIDIEM = re.compile(r"\b([ap])\.\s?m\.?(?=\W|$)")
_CONNECTORS = re.compile(r"\b(?:de|del|der|den|le|el|il|um|uhr|a las|alle|ore|as|a|at)\b\.?")
_TIME = r"(?:[ t,]+(\d{1,2})[:h.](\d{2})(?:[:.](\d{2}))?(?:\.\d+)?(?:\s*(am|pm))?)?"
_ZONE = r"(?:\s*(?:([+-])(\d{2}):?(\d{2})|\(?([a-z]{1,4})\)?))?\s*$"
_DAY_NAME_YEAR = re.compile(
    r"(\d{1,2})(?:st|nd|rd|th|er|º|o)?\.?\s+([a-z]+)\.?,?\s+(\d{4}|\d{2})\b"
)
_NAME_DAY_YEAR = re.compile(r"\b([a-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_YMD = re.compile(r"\b(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\b")
_DMY = re.compile(r"\b(\d{1,2})([-/.])(\d{1,2})[-/.](\d{4})\b")


def _fold_accents(text):
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _date_parts(text):
    """(year, month, day, rest of the string) from the date in text, or None."""
    match = _DAY_NAME_YEAR.search(text)
    if match and match.group(2) in MONTHS:
        day, month, year = int(match.group(1)), MONTHS[match.group(2)], int(match.group(3))
        if year < 100:  # RFC 822's two-digit years
            year += 2000 if year < 70 else 1900
        return year, month, day, text[match.end() :]
    match = _NAME_DAY_YEAR.search(text)
    if match and match.group(1) in MONTHS:
        return (
            int(match.group(3)),
            MONTHS[match.group(1)],
            int(match.group(2)),
            text[match.end() :],
        )
    match = _YMD.search(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return year, month, day, text[match.end() :]
    match = _DMY.search(text)
    if match:
        first, sep, second, year = match.groups()
        first, second = int(first), int(second)
        if sep == "." or first > 12:  # dots are day-first everywhere they are used
            day, month = first, second
        elif second > 12:
            month, day = first, second
        else:  # 03/04/2025: April or March? Unknowable: no date rather than a wrong one.
            return None
        return int(year), month, day, text[match.end() :]
    return None


def read_date(raw):
    """An aware UTC datetime from a date as feeds write it, in six languages, or None."""
    if not raw or not isinstance(raw, str):
        return None
    raw = raw.strip()[:100]
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        when = None
    if when is not None:
        return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).astimezone(
            timezone.utc
        )
    text = _CONNECTORS.sub(" ", _MERIDIEM.sub(r"\1m", _fold_accents(raw)))
    text = _SPACES.sub(" ", text).strip()
    found = _date_parts(text)
    if found is None:
        return None
    year, month, day, rest = found
    match = re.match(_TIME + _ZONE, rest) or re.match(_TIME, rest)
    groups = (match.groups() if match else ()) + (None,) * 8
    hour, minute, second, half, sign, zone_h, zone_m, zone = groups[:8]
    hour, minute, second = int(hour or 0), int(minute or 0), int(second or 0)
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    offset = 0
    if sign:
        offset = (int(zone_h) * 60 + int(zone_m)) * (-1 if sign == "-" else 1)
    elif zone:
        if zone not in _ZONES:
            return None  # a zone we cannot place: hours could be wrong
        offset = _ZONES[zone]
    try:
        when = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except ValueError:
        return None
    return when - timedelta(minutes=offset)


def _borne_out(raw, when):
    """Whether the raw string contains the year, month and day of feedparser's reading."""
    text = _fold_accents(raw)
    numbers = {int(n) for n in re.findall(r"\d+", text)}
    names = {MONTHS.get(word) for word in re.findall(r"[a-z]+", text)}
    return (
        (when.year in numbers or when.year % 100 in numbers)
        and (when.month in numbers or when.month in names)
        and when.day in numbers
    )


def checked_date(raw, parsed=None):
    """The item's date when it can be trusted: read from raw, or feedparser's `parsed` when the
    raw string bears it out; None when missing, unreadable, misread or implausible (after
    tomorrow, before 1990)."""
    when = read_date(raw)
    if when is None and parsed is not None:
        when = _when(parsed)
        if when is not None and raw and not _borne_out(raw, when):
            when = None
    if when is None:
        return None
    if when.year < 1990 or when > datetime.now(timezone.utc) + timedelta(days=1):
        return None
    return when


def _iso(value):
    if not value or not isinstance(value, str):
        return None
    return checked_date(value, feedparser.datetimes._parse_date(value))


def parse(body, content_type="", url=""):
    """A Feed from RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes, or a FetchError."""
    stripped = body.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise FetchError("Feed is empty")
    if "json" in content_type.lower() or stripped[:1] == b"{":
        return _parse_json(stripped, url)
    check_document(body, content_type)
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-location": url, "content-type": content_type or "text/xml"},
        sanitize_html=True,
        resolve_relative_uris=True,
    )
    check_parsed(parsed.entries)
    if not parsed.version and not parsed.entries:
        reason = parsed.get("bozo_exception") or "not RSS, Atom or JSON Feed"
        raise FetchError(f"Not a feed: {str(reason).splitlines()[0][:150]}")
    broken = parsed.get("bozo_exception")
    if not parsed.entries and isinstance(broken, xml.sax.SAXParseException):
        # A server that stopped mid-document: an error on the source, not an empty success.
        raise FetchError(f"Feed is not well-formed and has no items: {str(broken)[:150]}")
    info = parsed.feed
    feed = Feed(
        title=text_of(info.get("title"), 200),
        site_url=_http_url(info.get("link"), url),
        language=language_code(info.get("language")),
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


def _entry_date(entry):
    # dict.get: FeedParserDict's own get() maps missing keys with a warning.
    for raw, parsed in (("published", "published_parsed"), ("updated", "updated_parsed")):
        if dict.get(entry, raw) or dict.get(entry, parsed):
            return checked_date(dict.get(entry, raw), dict.get(entry, parsed))
    return None


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
        "published_at": _entry_date(entry),
        "image_url": _image(entry, base),
        "image_credit": text_of(credit or "", 300),
        "language": language_code(entry.get("language")) or language,
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
    language = language_code(data.get("language"))
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
                "language": language_code(item.get("language")) or language,
            }
        )
    return feed
