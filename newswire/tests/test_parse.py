"""Real feeds are messy: each fixture covers some of it, in several languages and scripts."""

import pytest

from newswire.fetch import FetchError, parse
from newswire.tests.conftest import feed_file

BASE = "https://www.quotidien.example/rss.xml"


def test_rss2_relative_links_entities_cdata_media_and_content_encoded():
    feed = parse(feed_file("rss2_fr.xml"), "application/rss+xml", BASE)
    assert feed.title == "Le Quotidien & Cie"
    assert feed.site_url == "https://www.quotidien.example/"
    assert feed.language == "fr"
    first = feed.entries[0]
    assert first["title"] == "Grève des cheminots : l’accord est signé"
    assert first["url"].startswith("https://www.quotidien.example/politique/greve-accord?")
    assert first["summary"].startswith("Les syndicats et la direction ont signé un accord")
    assert "alert" not in first["summary"] and "<" not in first["summary"]
    assert "<p>Le trafic reprend lundi.</p>" in first["content"]
    assert "onerror" not in first["content"] and "script" not in first["content"]
    assert first["image_url"] == "https://cdn.example.fr/photos/greve.jpg"
    assert first["image_credit"] == "Photo AFP"
    assert first["authors"] == "Marie Dupont"
    assert first["published_at"].isoformat() == "2026-11-21T07:30:00+00:00"


def test_odd_and_missing_dates_are_none_and_enclosures_give_images():
    entries = parse(feed_file("rss2_fr.xml"), "", BASE).entries
    snow = entries[1]
    assert snow["published_at"] is None  # "le 3 mars, vers midi"
    assert snow["summary"] == "Jusqu'à 10 cm de neige était prévus."
    assert snow["image_url"] == "https://cdn.example.fr/photos/neige.jpg"
    assert entries[3]["published_at"] is None


def test_atom_in_japanese_with_xml_base_and_html_titles():
    feed = parse(feed_file("atom_ja.xml"), "application/atom+xml", "https://news.example.jp/atom")
    assert feed.title == "東京ニュース"
    station, typhoon = feed.entries
    assert station["title"] == "新しい駅が開業"
    assert station["url"] == "https://news.example.jp/local/station.html"
    assert station["summary"] == "新しい駅が本日開業しました。"
    assert station["authors"] == "山田 太郎"
    assert station["image_url"] == "https://news.example.jp/img/station.png"
    assert station["published_at"].isoformat() == "2026-11-21T00:00:00+00:00"
    assert "台風は北へ進んでいます。" in typhoon["content"]


def test_rss1_in_arabic():
    feed = parse(feed_file("rss1_ar.rdf"), "application/rdf+xml", "https://akhbar.example/rss")
    assert feed.title == "أخبار اليوم"
    (entry,) = feed.entries
    assert entry["title"] == "افتتاح مكتبة جديدة في القاهرة"
    assert entry["guid"] == "https://akhbar.example/a/1"
    assert entry["published_at"].isoformat() == "2026-11-21T05:15:00+00:00"


def test_rss091_with_a_wrong_encoding_declaration_is_still_read():
    feed = parse(feed_file("rss091_wrong_encoding.xml"), "text/xml", "https://gazette.example.ch/")
    assert feed.title == "Gazette de Genève"
    assert feed.entries[0]["title"] == "Le café du coin ferme après cent ans"


def test_json_feed_in_greek_and_hindi():
    feed = parse(feed_file("json_el.json"), "application/feed+json", "https://nea.example.gr/f")
    assert feed.title == "Ελληνικά Νέα" and feed.language == "el"
    greek, hindi = feed.entries
    assert greek["url"] == "https://nea.example.gr/politiki/ekloges"
    assert greek["authors"] == "Σύνταξη"
    assert "iframe" not in greek["content"] and "<strong>εκλογές</strong>" in greek["content"]
    assert greek["published_at"].isoformat() == "2026-11-21T08:00:00+00:00"
    assert hindi["language"] == "hi" and hindi["published_at"] is None
    assert hindi["summary"] == "नई मेट्रो लाइन आज से शुरू।"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty"),
        (b"<html><body>Not found</body></html>", "Not a feed"),
        (b'{"version": "1"}', "jsonfeed.org"),
        (b"{not json", "invalid JSON"),
    ],
)
def test_things_that_are_not_feeds_are_refused_in_one_line(body, message):
    with pytest.raises(FetchError, match=message):
        parse(body, "", "https://x.example/")
