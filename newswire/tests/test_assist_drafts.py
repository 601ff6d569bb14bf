"""Events on the desk, drafts from a whole event with attributed central sentences, copy guard."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import Article, Section
from newswire import assist, drafts
from newswire.models import Cluster, DraftSource, Item, Source

pytestmark = pytest.mark.django_db

EVENTS = "/admin/newswire/cluster/"

QUAKE = [
    (
        "Wire",
        "full",
        "Strong earthquake shakes coastal city overnight",
        "A magnitude 6.4 earthquake struck the coastal city of Portmere shortly after midnight. "
        "Residents ran into the streets as buildings swayed for almost a minute. "
        "The regional government said two people were injured by falling glass.",
    ),
    (
        "Daily",
        "summary",
        "Quake of magnitude 6.4 hits Portmere, two hurt",
        "An earthquake of magnitude 6.4 hit Portmere overnight and injured two people. "
        "Engineers are inspecting the old harbour bridge, which was closed to traffic. "
        "Schools in the city will stay shut on Monday.",
    ),
    (
        "Headliner",
        "headline",
        "Portmere earthquake: harbour bridge closed after 6.4 tremor",
        "The harbour bridge in Portmere was closed after the 6.4 earthquake, and a secret "
        "bridge report had warned of cracks.",
    ),
]


@pytest.fixture
def event():
    """Three reports of one earthquake, processed by the assistance as the worker would."""
    section = Section.objects.create(name="World", slug="world")
    now = timezone.now() - timedelta(hours=1)
    items = []
    for n, (name, rights, title, text) in enumerate(QUAKE):
        source = Source.objects.create(
            name=name, feed_url=f"https://{name.lower()}.example/rss", rights=rights,
            section=section,
        )  # fmt: skip
        items.append(
            Item.objects.create(
                source=source, guid=str(n), guid_hash=str(n), title=title,
                url=f"https://{name.lower()}.example/quake", summary=text,
                content=f"<p>{text}</p>" if rights == "full" else "",
                text_hash=str(n), first_seen_at=now + timedelta(minutes=n), published_at=now,
            )
        )  # fmt: skip
    other = Source.objects.create(name="Sport", feed_url="https://sport.example/rss")
    Item.objects.create(
        source=other, guid="s", guid_hash="s", title="Local team wins the cup final on penalties",
        summary="The home side beat their rivals on penalties after a goalless draw.",
        text_hash="s", first_seen_at=now + timedelta(minutes=30), published_at=now,
    )  # fmt: skip
    assist.process_items()
    cluster = Cluster.objects.get(items=items[0])
    return {"cluster": cluster, "items": items, "section": section}


def _make_draft(client, cluster):
    return client.post(
        EVENTS, {"action": "make_draft", "_selected_action": [cluster.pk], "index": 0}
    )


def test_events_desk_by_role(client_for, contributor, author, event):
    assert client_for(contributor).get(EVENTS).status_code == 403
    page = client_for(author).get(EVENTS).content.decode()
    assert "Strong earthquake shakes coastal city overnight" in page
    assert "Wire, Daily, Headliner" in page  # its sources, in order of arrival
    assert "Local team wins the cup final" not in page  # an event of one item: hidden
    everything = client_for(author).get(f"{EVENTS}?items=all").content.decode()
    assert "Local team wins the cup final" in everything
    single = client_for(author).get(f"{EVENTS}?items=single").content.decode()
    assert "Local team wins" in single and "Strong earthquake shakes" not in single


def test_events_told_by_several_sources_come_first(client_for, editor, event):
    page = client_for(editor).get(f"{EVENTS}?items=all").content.decode()
    # The single-source event is newer, but the three-source earthquake leads.
    assert page.index("Strong earthquake shakes") < page.index("Local team wins")
    assert event["cluster"].size == 3


def test_the_worker_picks_central_sentences_only_from_quotable_sources(event):
    sentences = event["cluster"].digest["sentences"]
    assert sentences and len(sentences) <= 6
    headline_item = event["items"][2]
    assert all(entry["item"] != headline_item.pk for entry in sentences)
    texts = [entry["text"] for entry in sentences]
    assert len(set(texts)) == len(texts)


def test_a_draft_from_a_whole_event_attributes_every_sentence(client_for, editor, event):
    response = _make_draft(client_for(editor), event["cluster"])
    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/admin/articles/article/{article.pk}/change/")
    wire, daily, headliner = event["items"]
    # Every sentence of the body before the candidates carries its source's link.
    extract = article.body.split(drafts.CANDIDATES_HEADING)[0].strip().split("\n\n")
    assert extract
    for line in extract:
        assert "([Wire](https://wire.example/quake))" in line or (
            "([Daily](https://daily.example/quake))" in line
        )
    # Headline-only sources contribute a link, never text.
    assert "secret bridge report" not in article.body
    assert "## Sources" not in article.body  # the page lists them once, from provenance
    assert article.standfirst and article.standfirst.endswith(")")
    lead = article.standfirst.rsplit(" (", 1)[0]
    assert lead not in article.body  # the standfirst is not repeated
    assert article.section == event["section"]
    assert drafts.CANDIDATES_HEADING in article.body
    assert headliner.title.replace(":", ":") in article.body  # a headline candidate
    assert set(DraftSource.objects.filter(article=article).values_list("item", flat=True)) == {
        wire.pk, daily.pk, headliner.pk,
    }  # fmt: skip


def test_the_copy_guard_warns_with_passages_until_the_text_is_rewritten(client_for, editor, event):
    client = client_for(editor)
    _make_draft(client, event["cluster"])
    article = Article.objects.get()
    url = f"/admin/articles/article/{article.pk}/change/"
    page = client.get(url).content.decode()
    assert "of its 8-word phrases with its sources" in page
    assert "Overlapping passages:" in page
    assert "still has the editor-only section “Headline candidates" in page
    article.title = "Portmere counts the cost of a night-time quake"
    article.standfirst = "Two people hurt, a bridge shut and schools closed after the tremor."
    article.body = (
        "Portmere woke to cracked windows and a closed harbour bridge after the strongest "
        "tremor in years, and officials say two residents needed hospital care.\n\n"
        "## Sources\n\n- [Strong earthquake](https://wire.example/quake), Wire"
    )
    article.save()
    page = client.get(url).content.decode()
    assert "8-word phrases" not in page
    assert "editor-only section" not in page


def test_copied_passages_measures_the_share_and_returns_the_overlap():
    source = "one two three four five six seven eight nine ten eleven twelve"
    share, passages = drafts.copied_passages(
        "Fresh words here. One two three four five six seven eight nine! And more new text.",
        [source],
    )
    assert passages == ["one two three four five six seven eight nine"]
    assert 0 < share < 1
    assert drafts.copied_passages("short text", [source]) == (0.0, [])


def test_a_draft_skips_sentences_whose_rights_were_withdrawn(client_for, editor, event):
    Source.objects.filter(name="Daily").update(rights=Source.Rights.HEADLINE)
    _make_draft(client_for(editor), event["cluster"])
    article = Article.objects.get()
    assert "([Daily]" not in article.body
    assert "harbour bridge, which was closed" not in article.body


def test_mmr_prefers_central_and_avoids_repeats():
    import numpy as np

    vectors = np.array([[1.0, 0.0], [0.99, 0.141], [0.0, 1.0], [0.7, 0.714]], dtype=np.float32)
    chosen = assist.mmr(vectors, 2)
    assert len(chosen) == 2 and len(set(chosen)) == 2
    assert not {0, 1} <= set(chosen)  # two near-identical rows are never both picked first


def test_a_big_event_extracts_from_a_bounded_pool_with_every_reports_lead(monkeypatch):
    """Every pair of pool sentences is compared: 10,000 full texts once took 2.4 GB."""
    source = Source.objects.create(name="Wire", feed_url="https://wire.example/rss", rights="full")
    now = timezone.now() - timedelta(hours=1)
    items = []
    for n in range(80):
        text = " ".join(
            f"Report {n} sentence {k} tells of the flood in Riverton and its {k} victims."
            for k in range(60)
        )
        items.append(
            Item.objects.create(
                source=source, guid=str(n), guid_hash=str(n), title=f"Flood report {n}",
                url=f"https://wire.example/{n}", summary=text, content=f"<p>{text}</p>",
                text_hash=str(n), first_seen_at=now + timedelta(minutes=n), published_at=now,
            )
        )  # fmt: skip
    embedded = []
    real_embed = assist.embed

    def recording_embed(texts):
        embedded.append(list(texts))
        return real_embed(texts)

    monkeypatch.setattr(assist, "embed", recording_embed)
    chosen, _ = assist.extract(items)
    assert chosen
    [pool] = embedded
    assert len(pool) == assist.EXTRACT_POOL  # not 80 reports x 60 sentences
    # Round-robin from the leads: every report's first sentence is in the pool.
    for n in range(80):
        assert any(text.startswith(f"Report {n} sentence 0 ") for text in pool)
