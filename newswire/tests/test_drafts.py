"""Drafts an editor can start from: whole sentences, no teasers, the newest figure, each thing
said once, every source cited by a page a reader can open."""

import importlib
import json
import re
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from articles.models import Article
from newswire import assist, drafts
from newswire.models import Cluster, DraftSource, Item, Source


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "Services were restored by 4 p.m. GMT on Sunday. The operator apologised.",
            ["Services were restored by 4 p.m. GMT on Sunday.", "The operator apologised."],
        ),
        (
            "Power came back at 6 a.m. The operator apologised.",
            ["Power came back at 6 a.m.", "The operator apologised."],
        ),
        (
            "Dr. Smith met the U.S. President on Jan. 5 in Washington. Talks went well.",
            ["Dr. Smith met the U.S. President on Jan. 5 in Washington.", "Talks went well."],
        ),
        (
            "Talks moved on. No. 10 said the answer was no. The vote is on Mar. 5 by the sea.",
            ["Talks moved on.", "No. 10 said the answer was no.",
             "The vote is on Mar. 5 by the sea."],
        ),
        (
            "Cars, buses etc. were banned from the centre. The city says it worked.",
            ["Cars, buses etc. were banned from the centre.", "The city says it worked."],
        ),
        (
            "Viele Städte, z. B. Berlin, planen Fahrverbote. Die Wahl ist am 3. Oktober. Dr. "
            "Meier schweigt.",
            ["Viele Städte, z. B. Berlin, planen Fahrverbote.", "Die Wahl ist am 3. Oktober.",
             "Dr. Meier schweigt."],
        ),
        (
            "M. Macron a parlé à Mme. Durand vers 10 h. Le débat reprend demain.",
            ["M. Macron a parlé à Mme. Durand vers 10 h.", "Le débat reprend demain."],
        ),
        (
            "El Sr. García y la Dra. López llegaron. ¿Qué pasó después? Nadie lo sabe.",
            ["El Sr. García y la Dra. López llegaron.", "¿Qué pasó después?", "Nadie lo sabe."],
        ),
        (
            "Il Dott. Rossi e il Prof. Bianchi hanno parlato. La seduta è tolta.",
            ["Il Dott. Rossi e il Prof. Bianchi hanno parlato.", "La seduta è tolta."],
        ),
        (
            "O Sr. Silva e a Dra. Costa chegaram às 9h. A reunião começou.",
            ["O Sr. Silva e a Dra. Costa chegaram às 9h.", "A reunião começou."],
        ),
    ],
)  # fmt: skip
def test_sentences_are_not_cut_at_abbreviations_or_times(text, expected):
    assert drafts.split_sentences(text) == expected


@pytest.mark.parametrize(
    "teaser",
    [
        "Here is what we know.", "Here's what we know so far about the storm.", "Read more",
        "Live updates: the storm hits the coast", "Lesen Sie auch: Sturm über Hamburg",
        "Lire aussi : la tempête", "Lee también: la tormenta en Valencia",
        "Leggi anche: la tempesta a Genova", "Leia mais: a tempestade no Porto",
        "This article has been updated with new figures.", "Here is what happened:",
    ],
)  # fmt: skip
def test_teasers_and_furniture_are_never_quotable(teaser):
    text = f"The storm reached the coast on Monday night. {teaser}"
    assert assist.sentences(text) == ["The storm reached the coast on Monday night."]


def _source(name, rights="summary", **kwargs):
    return Source.objects.create(
        name=name, feed_url=f"https://{name.lower()}.example/rss.xml", rights=rights, **kwargs
    )


def _item(source, n, title, summary, when, **kwargs):
    fields = {"url": f"https://{source.name.lower()}.example/{n}", **kwargs}
    return Item.objects.create(
        source=source, guid=str(n), guid_hash=str(n), title=title, summary=summary,
        text_hash=str(n), first_seen_at=when, published_at=when, language="en", **fields,
    )  # fmt: skip


def flood_event():
    """Two reports of a flood in Valbruna that differ on the toll (nine, then 21 five hours
    later), in one event with its digest: a draft of it gets the "Reports differ" note."""
    early = timezone.now() - timedelta(hours=6)
    first = _item(
        _source("Morning"), 1, "Floods hit Valbruna",
        "At least nine people died in the floods in Valbruna, officials said. "
        "Rescue teams searched flooded streets through the night.", early,
    )  # fmt: skip
    follow = _item(
        _source("Evening"), 2, "Valbruna flood toll rises",
        "The death toll from the floods in Valbruna has risen to 21, officials said. "
        "Schools across the region will stay closed until Friday.",
        early + timedelta(hours=5),
    )  # fmt: skip
    cluster = Cluster.objects.create(title="Floods", language="en")
    Item.objects.filter(pk__in=[first.pk, follow.pk]).update(cluster=cluster)
    assist.refresh_digest(cluster.pk)
    cluster.refresh_from_db()
    return cluster, first, follow


@pytest.mark.django_db
def test_a_follow_ups_newer_figure_wins_and_the_draft_says_reports_differ(editor):
    cluster, first, follow = flood_event()
    texts = [entry["text"] for entry in cluster.digest["sentences"]]
    assert "At least nine people died in the floods in Valbruna, officials said." not in texts
    assert any("risen to 21" in text for text in texts)
    article = drafts.make_draft(items=[first, follow], by=editor, digest=cluster.digest)
    story = f"{article.standfirst}\n{article.body}"
    assert "risen to 21" in story
    assert "**Reports differ:**" in article.body
    assert "newest report ([Evening](https://evening.example/2))" in article.body
    # The older figure appears only inside the note that names it as the earlier report.
    assert story.count("At least nine") == 1


@pytest.mark.django_db
@pytest.mark.parametrize("with_digest", [True, False])
def test_the_standfirst_is_not_repeated_in_the_body(editor, with_digest):
    now = timezone.now()
    items = [
        _item(_source("Wire", "full"), 1, "Bridge closed",
              "The old bridge was closed on Monday after engineers found cracks. "
              "Traffic is diverted through the tunnel. Repairs will take a month.", now,
              content="<p>The old bridge was closed on Monday after engineers found cracks.</p>"
                      "<p>Traffic is diverted through the tunnel.</p>"),
        _item(_source("Daily"), 2, "Cracks shut bridge",
              "Engineers found cracks in the old bridge, which was shut on Monday. "
              "The council expects repairs to last four weeks.", now + timedelta(minutes=5)),
    ]  # fmt: skip
    digest = None
    if with_digest:
        cluster = Cluster.objects.create(title="Bridge", language="en")
        Item.objects.filter(pk__in=[i.pk for i in items]).update(cluster=cluster)
        assist.refresh_digest(cluster.pk)
        cluster.refresh_from_db()
        digest = cluster.digest
    article = drafts.make_draft(items=items, by=editor, digest=digest)
    lead = article.standfirst.rsplit(" (", 1)[0]
    assert lead and lead in {s for i in items for s in drafts.split_sentences(i.summary)}
    assert lead not in article.body


@pytest.mark.django_db
def test_an_item_without_a_link_cites_its_sources_site_never_the_feed(client, editor):
    with_site = _source("Agency", site_url="https://agency.example/news/")
    without = _source("Bare")
    items = [
        _item(with_site, 1, "Port strike ends", "The port strike ended on Sunday night. "
              "Ships are being unloaded again.", timezone.now(), url=""),
        _item(without, 2, "Strike over", "Dockers returned to work after a deal on pay. "
              "The deal runs for two years.", timezone.now(), url=""),
    ]  # fmt: skip
    article = drafts.make_draft(items=items, by=editor)
    assert ".example/rss.xml" not in article.body + article.standfirst
    assert "[Agency](https://agency.example/news/)" in article.body
    assert "[Bare](https://bare.example/)" in article.body
    assert list(DraftSource.objects.values_list("url", flat=True)) == [
        "https://agency.example/news/", "https://bare.example/",
    ]  # fmt: skip
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED, published_at=timezone.now(), title="Dockers go back"
    )
    page = client.get(Article.objects.get().get_absolute_url()).content.decode()
    assert "rss.xml" not in page
    data = json.loads(re.search(r'application/ld\+json"[^>]*>(.*?)</script>', page, re.S)[1])
    assert [work["url"] for work in data["isBasedOn"]] == [
        "https://agency.example/news/", "https://bare.example/",
    ]  # fmt: skip


@pytest.mark.django_db
def test_the_migration_repoints_stored_citations_of_a_feed(editor):
    migration = importlib.import_module("newswire.migrations.0008_draftsource_cite_site")
    source = _source("Old", site_url="https://old.example/")
    item = _item(source, 1, "Story", "Text of it here.", timezone.now(), url="")
    article = drafts.make_draft(items=[item], by=editor)
    DraftSource.objects.update(url=source.feed_url)  # as drafts made before stored it
    migration.cite_site(apps, None)
    assert DraftSource.objects.get(article=article).url == "https://old.example/"
