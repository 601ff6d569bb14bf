"""Ingest normalises what feeds lie about: language codes, dates, repeated items, broken
documents; whatever it had to guess, the item says so."""

import importlib
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from newswire.fetch import FetchError, checked_date, parse, read_date
from newswire.models import Cluster, Item, Source, language_code
from newswire.tasks import poll_source
from newswire.tests.conftest import rss

ENCODINGS = ["utf-8", "iso-8859-1", "utf-16", "windows-1252"]


def _rss(encoding, items, language="", extra=""):
    """RSS 2.0 in `encoding` from (guid, title, link, description, pubDate) tuples."""
    body = "".join(
        f"<item>{f'<guid>{g}</guid>' if g else ''}<title>{t}</title><link>{link}</link>"
        f"<description>{d}</description>{f'<pubDate>{p}</pubDate>' if p else ''}</item>"
        for g, t, link, d, p in items
    )
    lang = f"<language>{language}</language>" if language else ""
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
        f"<title>Notícias</title><link>https://noticias.example/</link>{lang}{extra}{body}"
        "</channel></rss>"
    )
    return text.encode(encoding)


# Language codes --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "declared, code",
    [
        ("en-US", "en"), ("en-gb", "en"), ("IT-it", "it"), ("pt-pt", "pt"), ("EN_us", "en"),
        (" fr ", "fr"), ("de-DE-1996", "de"), ("zh-Hant-TW", "zh"), ("eng", "en"),
        ("English", "en"), ("", ""), (None, ""), ("*", ""), ("12", ""), ("en-", "en"),
    ],
)  # fmt: skip
def test_language_codes_are_normalised(declared, code):
    assert language_code(declared) == code


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_feed_and_item_language_codes_are_stored_normalised(encoding):
    items = [("a", "Título", "https://noticias.example/a", "Resumo", "")]
    feed = parse(_rss(encoding, items, language="pt-PT"), "application/rss+xml")
    assert feed.language == "pt"
    assert feed.entries[0]["language"] == "pt"
    json_feed = (
        b'{"version": "https://jsonfeed.org/version/1.1", "language": "IT-it", "items": '
        b'[{"id": "1", "title": "A", "language": "en_GB"}, {"id": "2", "title": "B"}]}'
    )
    assert [e["language"] for e in parse(json_feed).entries] == ["en", "it"]


@pytest.mark.django_db
def test_sources_and_polled_items_store_one_spelling(feed_server):
    url = feed_server.add("/en", rss([("1", "Storm hits coast", "https://w.example/1", "S")]))
    source = Source.objects.create(feed_url=url, name="Wire", language="EN_us")
    assert Source.objects.get(pk=source.pk).language == "en"
    poll_source(source.pk, force=True)
    assert Item.objects.get().language == "en"

    other = feed_server.add(
        "/us", _rss("utf-8", [("2", "Storm", "https://u.example/2", "S", "")], language="en-US")
    )
    undeclared = Source.objects.create(feed_url=other, name="US wire")
    poll_source(undeclared.pk, force=True)
    assert Item.objects.get(source=undeclared).language == "en"


@pytest.mark.django_db
def test_the_migration_normalises_stored_codes():
    migration = importlib.import_module("newswire.migrations.0006_language_codes")
    source = Source.objects.create(feed_url="https://a.example/rss", name="A")
    Source.objects.filter(pk=source.pk).update(language="en-GB")  # as stored before
    Item.objects.create(source=source, guid="1", guid_hash="1", title="t", language="IT-it")
    Item.objects.create(source=source, guid="2", guid_hash="2", title="t", language="pt_PT")
    Cluster.objects.create(title="t", language="en-US")
    migration.normalise(apps, None)
    assert Source.objects.get().language == "en"
    assert sorted(Item.objects.values_list("language", flat=True)) == ["it", "pt"]
    assert Cluster.objects.get().language == "en"


# Dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Sat, 21 Nov 2026 08:00:00 GMT", "2026-11-21T08:00:00"),
        ("2020/1/10 14:33:00", "2020-01-10T14:33:00"),  # feedparser: 2020-12-01 00:00
        ("mer, 16 nov 2022", "2022-11-16T00:00:00"),  # Italian
        ("Seg, 24 Set 2018", "2018-09-24T00:00:00"),  # Portuguese
        ("qua, 16 nov 2022 10:00:00 -0300", "2022-11-16T13:00:00"),
        ("Mi, 16. Nov. 2022 10:00:00 +0100", "2022-11-16T09:00:00"),  # German
        ("Dienstag, 15. März 2022 um 09:15 Uhr", "2022-03-15T09:15:00"),
        ("mer., 16 févr. 2022 14:30:00 CET", "2022-02-16T13:30:00"),  # French
        ("16 mars 2022 à 14h30", "2022-03-16T14:30:00"),
        ("mié, 16 de noviembre de 2022 10:00", "2022-11-16T10:00:00"),  # Spanish
        ("giovedì 17 novembre 2022 ore 10:00", "2022-11-17T10:00:00"),
        ("sábado, 5 de diciembre de 2026 a las 09:10", "2026-12-05T09:10:00"),
        ("Mon, 24 Sep 2018 10:00:00 EDT", "2018-09-24T14:00:00"),
        ("November 16, 2022 3:45 pm", "2022-11-16T15:45:00"),
        ("Nov. 16, 2022, 10:45 a.m. EST", "2022-11-16T15:45:00"),
        ("Nov 16, 2022 12:05 a.m.", "2022-11-16T00:05:00"),
        ("16.11.2022 10:00", "2022-11-16T10:00:00"),
        ("2026-11-21T07:30:00+01:00", "2026-11-21T06:30:00"),
        ("Sa, 21 Nov 26 08:00:00 GMT", "2026-11-21T08:00:00"),
        ("03/04/2022", None),  # March or April: unknowable, so no date rather than a wrong one
        ("le 3 mars, vers midi", None),  # no year
        ("31 Feb 2022", None),
    ],
)
def test_dates_in_six_languages_are_read(raw, expected):
    when = read_date(raw)
    assert (when.astimezone(UTC).replace(tzinfo=None).isoformat() if when else None) == expected


def test_a_misparse_the_raw_string_does_not_bear_out_is_refused():
    misread = time.strptime("2020-12-01", "%Y-%m-%d")  # feedparser's answer
    assert checked_date("2020/1/10 14:33:00", misread).date().isoformat() == "2020-01-10"
    assert checked_date("1o/1/2O2O um 14:33", misread) is None  # unreadable, and not 12/01
    good = time.strptime("2022-11-16", "%Y-%m-%d")
    assert checked_date("16 | 11 | 2022", good).date().isoformat() == "2022-11-16"  # borne out


def test_implausible_dates_are_refused():
    tomorrow = datetime.now(UTC) + timedelta(days=2)
    assert checked_date(tomorrow.strftime("%a, %d %b %Y %H:%M:%S GMT")) is None
    assert checked_date("Fri, 01 Jan 1988 10:00:00 GMT") is None
    assert checked_date("Fri, 01 Jan 1999 10:00:00 GMT") is not None


@pytest.mark.django_db
@pytest.mark.parametrize("encoding", ENCODINGS)
def test_untrusted_dates_become_the_first_seen_time_and_say_so(feed_server, encoding):
    items = [
        ("1", "Good", "https://n.example/1", "S", "Seg, 24 Set 2018 10:00:00 -0300"),
        ("2", "Future", "https://n.example/2", "S", "Tue, 01 Jan 2999 10:00:00 GMT"),
        ("3", "Ancient", "https://n.example/3", "S", "Tue, 01 Jan 1980 10:00:00 GMT"),
        ("4", "Undated", "https://n.example/4", "S", ""),
        ("5", "Misread", "https://n.example/5", "S", "2020/1/10 14:33:00"),
        ("6", "Ambiguous", "https://n.example/6", "S", "03/04/2022 10:00"),
    ]
    url = feed_server.add("/pt", _rss(encoding, items), content_type="application/rss+xml")
    source = Source.objects.create(feed_url=url, name="Notícias")
    before = timezone.now()
    poll_source(source.pk, force=True)
    stored = {item.title: item for item in Item.objects.all()}
    assert stored["Good"].published_at.isoformat() == "2018-09-24T13:00:00+00:00"
    assert stored["Misread"].published_at.isoformat() == "2020-01-10T14:33:00+00:00"
    assert not stored["Good"].published_guessed and not stored["Misread"].published_guessed
    for title in ("Future", "Ancient", "Undated", "Ambiguous"):
        item = stored[title]
        assert item.published_guessed, title
        assert item.published_at == item.first_seen_at >= before


# Repeated items and broken documents ----------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("with_guids", [True, False])
def test_the_same_link_and_title_twice_in_one_feed_is_one_item(feed_server, with_guids):
    link = "https://v.example/episode-7?utm_source=rss"
    items = [
        ("a" if with_guids else "", "Episode 7: the harbour", link, "", ""),
        ("b" if with_guids else "", "Episode 7: The Harbour", link, "The full description.", ""),
        (
            "c" if with_guids else "",
            "Episode 8: the bridge",
            "https://v.example/episode-8",
            "",
            "",
        ),
    ]
    url = feed_server.add("/v", _rss("utf-8", items), conditional=False)
    source = Source.objects.create(feed_url=url, name="Videos")
    assert poll_source(source.pk, force=True).counts == {"new": 2, "folded": 1}
    assert poll_source(source.pk, force=True).counts.get("new") is None
    assert sorted(source.items.values_list("title", "summary")) == [
        ("Episode 7: The Harbour", "The full description."),
        ("Episode 8: the bridge", ""),
    ]


@pytest.mark.django_db
def test_a_truncated_document_without_items_is_a_source_error(feed_server):
    whole = rss([("1", "Storm", "https://w.example/1", "S")])
    url = feed_server.add("/cut", whole[: whole.index("<item>") + 3])
    source = Source.objects.create(feed_url=url, name="Cut")
    result = poll_source(source.pk, force=True)
    source.refresh_from_db()
    assert "not well-formed" in result.error
    assert source.last_success_at is None and "not well-formed" in source.last_error
    with pytest.raises(FetchError, match="not well-formed"):
        parse(b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><desc')
    # A well-formed feed with no items is not an error; nor is a cut one that still gave items.
    assert parse(rss([]).encode()).entries == []
    assert len(parse(whole[: whole.index("</item>")].encode()).entries) == 1


def test_json_feed_dates_are_checked_like_xml_ones():
    body = (
        b'{"version": "https://jsonfeed.org/version/1.1", "items": ['
        b'{"id": "1", "title": "A", "date_published": "2026-11-21T07:30:00+01:00"},'
        b'{"id": "2", "title": "B", "date_published": "2999-01-01T00:00:00Z"},'
        b'{"id": "3", "title": "C", "date_published": "Seg, 24 Set 2018 10:00:00 -0300"},'
        b'{"id": "4", "title": "D", "date_published": "2020/1/10 14:33:00"}]}'
    )
    dates = [e["published_at"] for e in parse(body).entries]
    assert [d.isoformat() if d else None for d in dates] == [
        "2026-11-21T06:30:00+00:00", None, "2018-09-24T13:00:00+00:00",
        "2020-01-10T14:33:00+00:00",
    ]  # fmt: skip
