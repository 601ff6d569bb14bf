"""Reader search through articles.search, on the real engine of the run: SQLite's FTS5,
or on MariaDB the session's own searchd (conftest.py)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from articles import listing, search
from articles.tests.factories import ArticleFactory, SectionFactory

# The production engine is written after the commit, so these tests commit;
# serialized_rollback restores the newsroom roles the flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def titles_of(response):
    assert response.status_code == 200
    return [
        unescape(title)
        for title in re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', response.text)
    ]


def found(client, query, **params):
    return titles_of(client.get("/search/", {"q": query, **params}))


def other_stories(count=3):
    for n in range(count):
        ArticleFactory(published=True, title=f"Council budget {n}", body="Rates and roads.")


def test_search_finds_words_in_title_standfirst_and_body(client):
    ArticleFactory(published=True, title="Zeppelin returns to the skies")
    ArticleFactory(published=True, title="Airship news", standfirst="A zeppelin was seen.")
    ArticleFactory(published=True, title="Quiet harbour", body="Nobody mentioned a zeppelin.")
    ArticleFactory(published=True, title="Unrelated budget story", body="Council budget.")
    results = found(client, "zeppelin")
    assert sorted(results) == ["Airship news", "Quiet harbour", "Zeppelin returns to the skies"]
    # The headline weighs most.
    assert results[0] == "Zeppelin returns to the skies"


def test_a_story_without_a_section_is_indexed_and_found(client):
    """Sphinx's real-time index takes no NULL: a story outside every section is still found."""
    ArticleFactory(published=True, title="Sectionless quokka census", section=None)
    assert found(client, "quokka") == ["Sectionless quokka census"]


def test_search_never_shows_unpublished_stories(client):
    ArticleFactory(published=True, title="Published glacier report")
    ArticleFactory(title="Draft glacier report")
    ArticleFactory(scheduled=True, title="Scheduled glacier report")
    assert found(client, "glacier") == ["Published glacier report"]


def test_a_scheduled_story_is_found_once_it_is_due(client, monkeypatch):
    other_stories()
    ArticleFactory(scheduled=True, title="Observatory opens")
    assert found(client, "observatory") == []
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert found(client, "observatory opens") == ["Observatory opens"]


def test_every_word_is_required_and_a_quoted_phrase_is_a_phrase(client):
    ArticleFactory(published=True, title="Harbour board approves fees")
    ArticleFactory(published=True, title="Fees for the board of the harbour")
    ArticleFactory(published=True, title="Harbour reopens")
    assert sorted(found(client, "harbour fees")) == [
        "Fees for the board of the harbour",
        "Harbour board approves fees",
    ]
    assert found(client, '"harbour board"') == ["Harbour board approves fees"]
    assert found(client, '"board harbour"') == []


def test_the_exact_headline_finds_an_old_story_among_many_newer_mentions(client):
    other_stories(20)  # as in an archive, the words are in some stories, not all
    ArticleFactory(published_ago=timedelta(days=900), title="Lighthouse restoration appeal")
    for n in range(15):
        ArticleFactory(
            published_ago=timedelta(hours=n + 1),
            title=f"Coastal news {n}",
            body="The lighthouse appeal for restoration of the pier continues.",
        )
    assert found(client, "Lighthouse restoration appeal")[0] == "Lighthouse restoration appeal"


def test_a_fresh_story_beats_an_old_one_of_similar_relevance(client):
    other_stories()
    ArticleFactory(
        published_ago=timedelta(days=400), title="Ferry timetable", body="The harbour again."
    )
    ArticleFactory(
        published_ago=timedelta(hours=2), title="Ferry strike", body="The harbour again."
    )
    assert found(client, "harbour") == ["Ferry strike", "Ferry timetable"]


def test_newest_first_is_an_order_a_link_away(client):
    other_stories(10)  # as in an archive, the word is in some stories, not most
    old = ArticleFactory(
        published_ago=timedelta(days=10),
        title="Tram line extended",
        standfirst="The tram line reaches the harbour.",
        body="Tram drivers welcomed the tram.",
    )
    ArticleFactory(published_ago=timedelta(days=2), title="Roadworks", body="A tram passed.")
    ArticleFactory(published_ago=timedelta(days=1), title="Buses", body="Not the tram.")
    response = client.get("/search/", {"q": "tram"})
    assert titles_of(response)[0] == old.title
    assert 'href="?q=tram&amp;order=newest"' in response.text
    assert found(client, "tram", order="newest") == ["Buses", "Roadworks", old.title]


def test_filters_by_section_author_and_dates_are_plain_links(client):
    sport, culture = SectionFactory(name="Sport", slug="sport"), SectionFactory(name="Culture")
    writer = UserFactory(role="Author", username="aokafor7", display_name="Amara Okafor")
    ArticleFactory(published_ago=timedelta(days=3), title="Stadium opens", section=sport)
    ArticleFactory(
        published_ago=timedelta(days=40),
        title="Stadium concert",
        section=culture,
        authors=[writer],
    )
    ArticleFactory(published_ago=timedelta(days=400), title="Stadium plans", section=sport)
    response = client.get("/search/", {"q": "stadium"})
    assert sorted(titles_of(response)) == ["Stadium concert", "Stadium opens", "Stadium plans"]
    for link in (
        "?q=stadium&amp;section=sport",
        "?q=stadium&amp;author=amara-okafor",
        "?q=stadium&amp;period=month",
        "?q=stadium&amp;period=year",
    ):
        assert f'href="{link}"' in response.text, link
    assert sorted(found(client, "stadium", section="sport")) == ["Stadium opens", "Stadium plans"]
    assert found(client, "stadium", author="amara-okafor") == ["Stadium concert"]
    # The login name is not the filter, and never appears on the page.
    assert client.get("/search/", {"q": "stadium", "author": "aokafor7"}).status_code == 400
    assert "aokafor7" not in response.text
    assert found(client, "stadium", period="month") == ["Stadium opens"]
    assert sorted(found(client, "stadium", period="year")) == ["Stadium concert", "Stadium opens"]
    day = (timezone.now() - timedelta(days=40)).date().isoformat()
    assert found(client, "stadium", **{"from": day, "to": day}) == ["Stadium concert"]
    # A filter in force offers its way back; the query and other filters stay.
    filtered = client.get("/search/", {"q": "stadium", "section": "sport", "order": "newest"})
    assert 'href="?q=stadium&amp;order=newest"' in filtered.text


@pytest.mark.parametrize(
    "params",
    [{"section": "nope"}, {"author": "nobody"}, {"from": "31/12/2024"}, {"period": "decade"},
     {"order": "random"}, {"to": "2024-02-30"}],
)  # fmt: skip
def test_a_bad_filter_is_a_400_not_a_500(client, params):
    assert client.get("/search/", {"q": "stadium", **params}).status_code == 400


def test_results_show_a_highlighted_snippet_escaped(client):
    ArticleFactory(
        published=True,
        title="Harbour works",
        standfirst="Fees <b>rise</b> & fall.",
        body="Divers found the <script>alert(1)</script> wreck beside the harbour wall.",
    )
    text = client.get("/search/", {"q": "wreck"}).text
    snippet = re.search(r'<p class="search-snippet">(.*?)</p>', text, re.S)[1]
    assert "<mark>wreck</mark>" in snippet
    assert "&lt;script&gt;alert" in snippet and "<script>" not in snippet
    # The card shows the standfirst (escaped); the snippet does not repeat it.
    assert "fall" not in snippet
    assert '<p class="card__standfirst">Fees &lt;b&gt;rise&lt;/b&gt; &amp; fall.</p>' in text


def test_snippet_marks_only_the_terms_and_escapes_everything_else():
    html = search.snippet('A "quoted" <i>word</i> & Harbour\'s harbour.', ["harbour", "word"])
    assert html == (
        "A &quot;quoted&quot; &lt;i&gt;<mark>word</mark>&lt;/i&gt; &amp; "
        "<mark>Harbour</mark>&#x27;s <mark>harbour</mark>."
    )


def test_the_number_found_is_shown(client):
    for n in range(3):
        ArticleFactory(published=True, title=f"Marathon route {n}")
    assert "3 stories found." in client.get("/search/", {"q": "marathon"}).text


def test_search_results_are_paginated_and_stop_at_the_bound(client, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(search, "MAX_MATCHES", 4)
    other_stories()
    for n in range(6):
        ArticleFactory(published_ago=timedelta(days=n + 1), title=f"Tram works phase {n}")
    first = client.get("/search/", {"q": "tram", "order": "newest"})
    second = client.get("/search/", {"q": "tram", "order": "newest", "page": 2})
    assert titles_of(first) == ["Tram works phase 0", "Tram works phase 1"]
    assert titles_of(second) == ["Tram works phase 2", "Tram works phase 3"]
    assert "More than 4 stories found." in first.text
    assert 'rel="next"' not in second.text
    assert client.get("/search/", {"q": "tram", "page": 3}).status_code == 404


def test_query_is_echoed_safely(client):
    response = client.get("/search/", {"q": '<script>alert("x")</script>'})
    assert response.status_code == 200
    assert "<script>alert" not in response.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.text


def test_search_pages_are_noindex(client):
    response = client.get("/search/", {"q": "anything"})
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.text


def test_empty_search_shows_the_form_only(client):
    text = client.get("/search/").text
    assert 'id="search-page-q"' in text
    assert "No stories match" not in text


def test_no_results_says_so(client):
    assert "No stories match “xylophonist”" in client.get("/search/", {"q": "xylophonist"}).text


@pytest.mark.parametrize(
    "query",
    ["+harbour", "-harbour", "harbour*", '"harbour', '"harbour fees"', "~harbour", "<harbour",
     ">harbour", "harbour (fees", "@harbour", '+-*"~<>()@ harbour', "harbour's", "HARBOUR",
     "harbour NEAR/3", "harbour | fees", "harbour AND", "harbour OR", "harbour NOT",
     "MAYBE harbour", "harbour^2", "title:harbour", "@title harbour", "harbour\\"],
)  # fmt: skip
def test_operators_of_any_engine_are_just_text(client, query):
    other_stories()
    ArticleFactory(published=True, title="Harbour fees rise", body="near and or not maybe")
    assert found(client, query) in (["Harbour fees rise"], []), query


@pytest.mark.parametrize("query", ["+-*", '"~<>"', "()@", "   "])
def test_a_search_without_words_to_find_answers_calmly(client, query):
    other_stories()
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert 'class="card__title"' not in response.text


def test_a_search_too_long_to_be_typed_is_refused(client):
    assert client.get("/search/", {"q": "harbour " * 40}).status_code == 400


def test_only_the_first_words_are_searched():
    query = search.parse("harbour " + " ".join(f"w{n}" for n in range(30)))
    assert len(query.terms) == search.MAX_TERMS


def test_changes_reach_the_index_unpublished_corrected_deleted(client):
    story = ArticleFactory(published=True, title="Pier collapses", body="Old words.")
    other = ArticleFactory(published=True, title="Pier repaired")
    assert sorted(found(client, "pier")) == ["Pier collapses", "Pier repaired"]
    story.title, story.body = "Jetty collapses", "A correction: the jetty, not the pier."
    story.save()
    assert found(client, "collapses") == ["Jetty collapses"]
    snippet = client.get("/search/", {"q": "correction"}).text
    assert "A <mark>correction</mark>" in snippet
    story.status = story.Status.DRAFT
    story.save()
    assert found(client, "jetty") == []
    other.delete()
    assert found(client, "pier") == []
    assert search.search("pier", filters=search.Filters(public=False)).ids == [story.pk]


def test_reconcile_repairs_drift_and_says_what_it_repaired():
    kept = ArticleFactory(published=True, title="Kept story")
    lost = ArticleFactory(published=True, title="Lost story")
    stale = ArticleFactory(published=True, title="Stale story")
    engine = search.backend()
    search.update([kept.pk, lost.pk, stale.pk])
    # Drift: a write the index missed, one it never heard of, one it kept too long.
    from articles.models import Article

    Article.objects.filter(pk=stale.pk).update(
        title="Fresh story", updated_at=timezone.now() + timedelta(seconds=5)
    )
    engine._delete(search.ARTICLES, [lost.pk])
    missing, changed, extra = search.reconcile()
    assert lost.pk in missing
    if not engine.transactional:  # FTS5 rows carry no time of change
        assert changed == [stale.pk]
        assert search.search("fresh").ids == [stale.pk]
    assert extra == []
    assert search.reconcile() == ([], [], [])
    assert search.search("lost").ids == [lost.pk]


def test_words_in_most_stories_rank_the_newest_matches_and_say_so(client, monkeypatch):
    """The engine stops after the newest matches when every word is very common (Sphinx:
    OPTION cutoff over ids that count down); a rarer word searches the whole archive."""
    from articles.search import sphinx

    if search.backend().transactional:
        pytest.skip("SQLite's FTS5 ranks every match; only the server engine stops early")
    monkeypatch.setattr(sphinx, "COMMON_MATCHES", 3)
    monkeypatch.setattr(sphinx, "NEWEST_MATCHES", 4)
    now = timezone.now()
    oldest = ArticleFactory(published=True, title="Harbour tram plan",
                            published_at=now - timedelta(days=900))  # fmt: skip
    stories = [oldest] + [
        ArticleFactory(
            published=True, title=f"Harbour news {n}", published_at=now - timedelta(days=800 - n)
        )  # fmt: skip
        for n in range(7)
    ]
    result = search.search("harbour")
    assert result.newest == 4
    assert set(result.ids) <= {story.pk for story in stories[-4:]}
    assert result.ids
    page = client.get("/search/", {"q": "harbour"}).text
    assert "the best matches among the 4 most recent" in page
    # "tram" is in one story: the whole archive is ranked, and the old story found.
    tram = search.search("harbour tram")
    assert (tram.ids, tram.newest) == ([oldest.pk], None)
    assert search.search("harbour", order="newest").ids[0] == stories[-1].pk


def test_a_minus_leaves_out_and_or_takes_either(client):
    plain = {"published": True, "standfirst": "News.", "body": "A quiet year."}
    ArticleFactory(title="Harbour authority raises fees", **plain)
    ArticleFactory(title="Harbour swim race", **plain)
    ArticleFactory(title="Solar farm approved", **plain)
    ArticleFactory(title="Harbour board of the authority", **plain)
    other_stories()
    assert found(client, "harbour -authority") == ["Harbour swim race"]
    assert found(client, "harbour --authority") == ["Harbour swim race"]
    assert sorted(found(client, 'harbour -"authority raises"')) == [
        "Harbour board of the authority",
        "Harbour swim race",
    ]
    assert sorted(found(client, "harbour OR solar")) == [
        "Harbour authority raises fees",
        "Harbour board of the authority",
        "Harbour swim race",
        "Solar farm approved",
    ]
    assert sorted(found(client, 'swim OR "solar farm" -race')) == ["Solar farm approved"]
    # "or" in lower case, and a minus inside a word, are words as before.
    assert found(client, "harbour or") == []
    assert found(client, "harbour-swim") == ["Harbour swim race"]
    # Quoted phrases still work; the page says what syntax it takes.
    assert found(client, '"harbour swim"') == ["Harbour swim race"]
    text = client.get("/search/").text
    assert "minus before a word" in text and "OR between words" in text


@pytest.mark.parametrize(
    "query",
    ["-", "--x", '"', "OR", '-"a b"', "- -", "-OR", "OR OR", 'harbour -"', "harbour -",
     "harbour OR", "OR harbour", "harbour OR -fees", '"OR"', "-harbour OR fees", "a-", "(-x)",
     'harbour "-fees"', "harbour NOT fees", "harbour | -fees", "-*", "harbour -fees*"],
)  # fmt: skip
def test_odd_queries_never_fail_and_inject_nothing(client, query):
    other_stories()
    ArticleFactory(published=True, title="Harbour fees rise", standfirst="", body="A windy week.")
    assert found(client, query) in (["Harbour fees rise"], []), query


def test_only_words_to_leave_out_search_nothing(client):
    ArticleFactory(published=True, title="Harbour fees rise")
    response = client.get("/search/", {"q": "-harbour"})
    assert titles_of(response) == []
    assert "a search needs one word to find" in response.text


def test_parse_reads_minus_or_and_phrases():
    query = search.parse('tram OR "light rail" depot -strike -"bus lane" well-known')
    assert query.groups == (
        (("tram",), ("light", "rail")),
        (("depot",),),
        (("well",),),
        (("known",),),
    )
    assert query.excluded == (("strike",), ("bus", "lane"))
    assert query.terms == ("tram", "light", "rail", "depot", "well", "known")
    assert not search.parse('-harbour -"a b"')


def test_reversed_dates_are_a_form_error_that_keeps_the_input(client):
    ArticleFactory(published_ago=timedelta(days=3), title="Stadium opens")
    params = {"q": "stadium", "from": "2025-06-30", "to": "2025-06-01"}
    response = client.get("/search/", params)
    assert response.status_code == 200
    assert titles_of(response) == []
    assert "No stories match" not in response.text
    assert "The From date (2025-06-30) is after the To date (2025-06-01)" in response.text
    assert 'name="from" value="2025-06-30" aria-invalid="true"' in response.text
    assert 'name="to" value="2025-06-01" aria-invalid="true"' in response.text
    assert 'value="stadium"' in response.text
    # One day, from and to the same, is a range.
    day = (timezone.now() - timedelta(days=3)).date().isoformat()
    assert found(client, "stadium", **{"from": day, "to": day}) == ["Stadium opens"]


def test_no_public_page_shows_a_login_name(client):
    """Bylines, author links, search filters, feeds, JSON-LD and sitemaps name authors by
    their byline and their author page's slug, never by the name they log in with."""
    sport = SectionFactory(name="Sport", slug="sport")
    people = [
        UserFactory(role="Author", username="zq_editor", display_name="Elena Ortiz"),
        UserFactory(
            role="Contributor",
            username="zq_author2",
            display_name="",
            first_name="Sam",
            last_name="Lee",
        ),
        # Neither a display nor a full name: a neutral byline and address, not the login.
        UserFactory(role="Author", username="zq_nameless", display_name=""),
    ]
    nameless = people[2].slug
    story = ArticleFactory(published=True, title="Stadium roof", section=sport, authors=people)
    ArticleFactory(published=True, title="Stadium seats", section=sport, authors=people[:1])
    pages = [
        "/", story.get_absolute_url(), "/section/sport/", "/author/elena-ortiz/",
        "/author/sam-lee/", "/search/?q=stadium", "/search/?q=stadium&author=elena-ortiz",
        "/feeds/latest.rss", "/feeds/latest.atom", "/feeds/section/sport.atom",
        "/feeds/author/elena-ortiz.rss", "/feeds/author/sam-lee.atom", "/sitemap.xml",
        "/sitemap-news.xml", "/sitemap-articles.xml", "/sitemap-authors.xml",
        f"/author/{nameless}/", f"/feeds/author/{nameless}.rss",
        f"/feeds/author/{nameless}.atom", f"/search/?q=stadium&author={nameless}",
    ]  # fmt: skip
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        assert "Elena Ortiz" in text or "sitemap" in path, path
        for person in people:
            assert person.username not in text, (path, person.username)
    assert nameless == "author"
    assert "Staff" in client.get(story.get_absolute_url()).text
