"""Dedupe in layers, updates in place, keyword rules, the command and retention."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from newswire.dedupe import normalise_url, url_key
from newswire.models import DraftSource, Item, Source
from newswire.tasks import poll_source
from newswire.tests.conftest import feed_file, rss

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://News.Example.COM:443/a?b=1#top", "https://news.example.com/a?b=1"),
        (
            "http://x.example/a?utm_source=rss&id=3&fbclid=zz&UTM_Medium=m",
            "http://x.example/a?id=3",
        ),
        ("http://x.example:8080", "http://x.example:8080/"),
        ("http://x.example./p?gclid=1&mc_cid=2", "http://x.example/p"),
        ("javascript:alert(1)", ""),
        ("http://[::1]:99999/", ""),
    ],
)
def test_urls_are_normalised(url, expected):
    assert normalise_url(url) == expected


def test_http_and_https_of_one_page_are_the_same_story():
    assert url_key("http://a.example/x?utm_campaign=y") == url_key("https://A.example/x#z")


def test_a_repoll_never_duplicates_even_without_conditional_get(feed_server):
    url = feed_server.add("/fr", feed_file("rss2_fr.xml"), conditional=False)
    source = Source.objects.create(name="Quotidien", feed_url=url)
    assert poll_source(source.pk, force=True).counts == {"new": 3, "repeated": 1}
    assert poll_source(source.pk, force=True).counts == {"unchanged": 3, "repeated": 1}
    assert Item.objects.count() == 3
    item = Item.objects.get(guid="qc-1001")
    # Relative to the feed's address, tracking parameters and fragment gone.
    assert item.url == feed_server.url("/politique/greve-accord?id=7")
    assert item.language == "fr"
    assert item.content == ""  # headline rights: the full text is not ours to keep


def test_full_rights_keep_the_sanitised_content(feed_server):
    url = feed_server.add("/fr", feed_file("rss2_fr.xml"))
    source = Source.objects.create(name="Quotidien", feed_url=url, rights=Source.Rights.FULL)
    poll_source(source.pk, force=True)
    content = Item.objects.get(guid="qc-1001").content
    assert "<p>Le trafic reprend lundi.</p>" in content and "onerror" not in content


def test_feeds_without_guids_and_one_shared_link_keep_every_item(feed_server):
    url = feed_server.add("/ru", feed_file("rss2_no_guid_shared_link.xml"), conditional=False)
    source = Source.objects.create(name="Бюллетень", feed_url=url)
    poll_source(source.pk, force=True)
    poll_source(source.pk, force=True)
    assert sorted(source.items.values_list("title", flat=True)) == [
        "Мост открыт после ремонта",
        "Новый парк в центре города",
        "Школы закрыты из-за снега",
    ]


def test_the_same_story_from_a_second_source_is_a_duplicate_by_url(feed_server):
    a = Source.objects.create(
        name="A",
        feed_url=feed_server.add(
            "/a", rss([("a1", "Dam bursts", "https://story.example/dam?utm_source=a", "Flood.")])
        ),
    )
    b = Source.objects.create(
        name="B",
        feed_url=feed_server.add(
            "/b", rss([("b9", "Dam has burst", "http://STORY.example/dam#x", "Water everywhere.")])
        ),
    )
    poll_source(a.pk, force=True)
    poll_source(b.pk, force=True)
    original = a.items.get()
    copy = b.items.get()
    assert original.status == Item.Status.NEW
    assert copy.status == Item.Status.DUPLICATE and copy.duplicate_of == original


def test_the_same_text_under_another_url_is_a_duplicate_by_text_hash(feed_server):
    text = ("Élection : le maire sortant réélu", "Il obtient 54 % des voix.")
    a = Source.objects.create(
        name="A",
        feed_url=feed_server.add("/a", rss([("1", *text[:1], "https://a.example/1", text[1])])),
    )
    b = Source.objects.create(
        name="B",
        feed_url=feed_server.add(
            "/b",
            rss([("2", "ÉLECTION — le maire sortant réélu!", "https://b.example/2", text[1])]),
        ),
    )
    poll_source(a.pk, force=True)
    poll_source(b.pk, force=True)
    assert b.items.get().duplicate_of == a.items.get()


def test_an_item_that_changes_updates_its_row_and_says_so(feed_server, client_for, editor):
    url = feed_server.add("/w", rss([("g1", "Fire in the port", "https://w.example/1", "Smoke.")]))
    source = Source.objects.create(name="Wire", feed_url=url)
    poll_source(source.pk, force=True)
    item = Item.objects.get()
    assert item.changed_at is None
    feed_server.add(
        "/w", rss([("g1", "Fire in the port: 3 hurt", "https://w.example/1", "Smoke.")])
    )
    result = poll_source(source.pk, force=True)
    assert result.counts == {"updated": 1}
    assert Item.objects.count() == 1
    item.refresh_from_db()
    assert item.title == "Fire in the port: 3 hurt" and item.changed_at is not None
    page = client_for(editor).get("/admin/newswire/item/").content.decode()
    assert "Fire in the port: 3 hurt" in page
    assert 'alt="True"' in page  # the "changed" column of the desk


def test_keyword_rules_filter_items(feed_server):
    url = feed_server.add(
        "/k",
        rss(
            [
                ("1", "Rail strike ends", "https://k.example/1", "Unions sign a deal."),
                ("2", "Rail fares rise", "https://k.example/2", "Tickets cost more."),
                ("3", "Football: cup final", "https://k.example/3", "A rail of fans."),
                ("4", "Bus strike looms", "https://k.example/4", "Drivers vote."),
            ]
        ),
    )
    source = Source.objects.create(
        name="K",
        feed_url=url,
        keywords_all="rail",
        keywords_any="strike\nfares",
        keywords_none="football",
    )
    poll_source(source.pk, force=True)
    statuses = dict(source.items.values_list("url", "status"))
    assert statuses == {
        "https://k.example/1": "new",
        "https://k.example/2": "new",
        "https://k.example/3": "filtered",
        "https://k.example/4": "filtered",
    }


def test_poll_feeds_polls_due_sources_and_exits_0_when_some_fail(feed_server):
    good = Source.objects.create(
        name="Good", feed_url=feed_server.add("/g", feed_file("rss1_ar.rdf"))
    )
    Source.objects.create(name="Broken", feed_url=feed_server.url("/nothing-here"))
    later = Source.objects.create(
        name="Later",
        feed_url=feed_server.add("/l", feed_file("atom_ja.xml")),
        next_poll_at=timezone.now() + timedelta(hours=1),
    )
    Source.objects.create(name="Off", feed_url=feed_server.url("/off"), enabled=False)
    out = StringIO()
    call_command("poll_feeds", stdout=out)
    assert "Polled 2 source(s), 1 failed." in out.getvalue()
    assert good.items.count() == 1 and later.items.count() == 0
    assert not feed_server.hits("/off") and not feed_server.hits("/l")

    call_command("poll_feeds", "--force", stdout=out)
    assert later.items.count() == 2 and not feed_server.hits("/off")
    call_command("poll_feeds", "--source", str(later.pk), stdout=StringIO())
    assert len(feed_server.hits("/l")) == 2


def test_poll_feeds_names_an_unknown_source():
    with pytest.raises(CommandError, match="no source with id 999"):
        call_command("poll_feeds", "--source", "999")


def test_poll_feeds_reads_the_name_and_site_of_a_source_added_by_url(feed_server):
    source = Source.objects.create(feed_url=feed_server.add("/j", feed_file("json_el.json")))
    call_command("poll_feeds", stdout=StringIO())
    source.refresh_from_db()
    assert source.name == "Ελληνικά Νέα" and source.site_url == "https://nea.example.gr/"


def test_retention_removes_old_items_except_those_used_in_drafts(settings, editor):
    from newswire.drafts import make_draft

    settings.NEWSWIRE_RETENTION_DAYS = 30
    source = Source.objects.create(name="S", feed_url="https://s.example/feed")
    old = timezone.now() - timedelta(days=31)

    def item(n, when):
        return Item.objects.create(
            source=source, guid=str(n), guid_hash=str(n), title=f"Item {n}", first_seen_at=when,
            url=f"https://s.example/{n}", text_hash=str(n),
        )  # fmt: skip

    expired, kept_for_draft, recent = item(1, old), item(2, old), item(3, timezone.now())
    make_draft(items=[kept_for_draft], by=editor)
    out = StringIO()
    call_command("poll_feeds", stdout=out)
    assert "Removed 1 expired item(s)." in out.getvalue()
    assert set(Item.objects.values_list("pk", flat=True)) == {kept_for_draft.pk, recent.pk}
    assert not Item.objects.filter(pk=expired.pk).exists()
    assert DraftSource.objects.get().item == kept_for_draft


def test_a_poll_queued_for_a_deleted_source_does_nothing():
    from newswire.tasks import poll_source

    assert not poll_source(12345).polled
