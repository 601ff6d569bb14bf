"""Reader search: FULLTEXT on MariaDB/MySQL, a LIKE fallback on SQLite."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import listing
from articles.models import SearchWindow
from articles.tests.factories import ArticleFactory

# InnoDB's FULLTEXT index only sees committed rows, so these tests commit;
# serialized_rollback restores the newsroom roles the flush removes.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def found(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', response.text)


def test_search_finds_words_in_title_standfirst_and_body(client):
    ArticleFactory(published=True, title="Zeppelin returns to the skies")
    ArticleFactory(published=True, title="Airship news", standfirst="A zeppelin was seen.")
    ArticleFactory(published=True, title="Quiet harbour", body="Nobody mentioned a zeppelin.")
    ArticleFactory(published=True, title="Unrelated budget story", body="Council budget.")
    results = found(client, "zeppelin")
    assert sorted(results) == ["Airship news", "Quiet harbour", "Zeppelin returns to the skies"]


def test_search_never_shows_unpublished_stories(client):
    ArticleFactory(published=True, title="Published glacier report")
    ArticleFactory(title="Draft glacier report")
    ArticleFactory(scheduled=True, title="Scheduled glacier report")
    assert found(client, "glacier") == ["Published glacier report"]


def test_search_ranks_the_best_match_first_on_mysql(client):
    if connection.vendor != "mysql":
        pytest.skip("relevance ranking needs the FULLTEXT index")
    ArticleFactory(published=True, title="Weather", body="A short mention of volcanoes.")
    ArticleFactory(
        published=True,
        title="Volcano erupts near volcano observatory",
        standfirst="Volcano experts watch the volcano.",
    )
    assert found(client, "volcano volcanoes")[0].startswith("Volcano erupts")


def test_search_uses_the_fulltext_index_on_mysql():
    if connection.vendor != "mysql":
        pytest.skip("FULLTEXT exists on MySQL/MariaDB only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW INDEX FROM articles_article WHERE Index_type = 'FULLTEXT'")
        columns = {row[4] for row in cursor.fetchall()}
    assert columns == {"title", "standfirst", "body"}
    window = listing.window_matches(["harbour", "fees"], timezone.now())
    for queryset, index in [
        (listing.archive_matches(["harbour"]), "article_fulltext_idx"),
        (window, "searchwindow_fulltext_idx"),
    ]:
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = [dict(zip([c[0] for c in cursor.description], r, strict=True)) for r in cursor]
        assert any(step["key"] == index for step in plan), plan


def test_query_is_echoed_safely(client):
    response = client.get("/search/", {"q": '<script>alert("x")</script>'})
    text = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_operators_and_punctuation_are_just_text(client):
    ArticleFactory(published=True, title="Harbour fees rise")
    for query in ['+harbour -"fees', "harbour*", "@@@", "(harbour))", "~<>"]:
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query


def test_search_pages_are_noindex(client):
    response = client.get("/search/", {"q": "anything"})
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_search_results_are_paginated(client, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    for n in range(5):
        ArticleFactory(published=True, title=f"Lighthouse keeper story {n}")
    pages, url = [], "/search/?q=lighthouse"
    while url:
        response = client.get(url)
        pages.append(re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', response.text))
        older = re.search(r'href="([^"]+)" rel="next"', response.text)
        url = older[1].replace("&amp;", "&") if older else None
    assert [len(page) for page in pages] == [2, 2, 1]
    assert len({title for page in pages for title in page}) == 5


def test_empty_search_shows_the_form_only(client):
    text = client.get("/search/").content.decode()
    assert 'id="search-page-q"' in text
    assert "No stories match" not in text


def test_no_results_says_so(client):
    text = client.get("/search/", {"q": "xylophonist"}).content.decode()
    assert "No stories match “xylophonist”" in text


def mysql_only():
    if connection.vendor != "mysql":
        pytest.skip("relevance ranking needs the FULLTEXT index")


def other_stories(count=3):
    # InnoDB gives a word found in every article no weight at all.
    for n in range(count):
        ArticleFactory(published=True, title=f"Council budget {n}", body="Rates and roads.")


def test_a_fresh_story_beats_an_old_one_of_similar_relevance(client):
    mysql_only()
    other_stories()
    ArticleFactory(
        published_ago=timedelta(days=400),
        title="Ferry timetable",
        body="The harbour, the harbour and the harbour again.",
    )
    ArticleFactory(
        published_ago=timedelta(hours=2),
        title="Ferry strike",
        body="The harbour and the harbour again.",
    )
    assert found(client, "harbour") == ["Ferry strike", "Ferry timetable"]


def test_an_old_exact_headline_is_found_among_many_fresh_mentions(client, monkeypatch):
    mysql_only()
    monkeypatch.setattr(listing, "SEARCH_CANDIDATES", 5)
    monkeypatch.setattr(SearchWindow, "SIZE", 5)
    other_stories()
    ArticleFactory(
        published_ago=timedelta(days=900),
        title="Lighthouse restoration appeal",
        body="The lighthouse restoration appeal raised its target.",
    )
    for n in range(12):
        ArticleFactory(published_ago=timedelta(hours=n + 1), body=f"A lighthouse, story {n}.")
    assert found(client, "lighthouse restoration appeal")[0] == "Lighthouse restoration appeal"


def test_search_pages_stop_at_the_ranked_results(client, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    monkeypatch.setattr(listing, "SEARCH_CANDIDATES", 4)
    other_stories()
    for n in range(6):
        ArticleFactory(published_ago=timedelta(days=n + 1), title=f"Tram works phase {n}")
    first = client.get("/search/", {"q": "tram"})
    second = client.get("/search/", {"q": "tram", "page": 2})
    assert titles_of(first) == ["Tram works phase 0", "Tram works phase 1"]
    assert titles_of(second) == ["Tram works phase 2", "Tram works phase 3"]
    assert 'rel="next"' not in second.text
    assert client.get("/search/", {"q": "tram", "page": 3}).status_code == 404


def titles_of(response):
    assert response.status_code == 200
    return re.findall(r'class="card__title"><a href="[^"]+">([^<]+)</a>', response.text)


@pytest.mark.parametrize(
    "query",
    [
        "+harbour",
        "-harbour",
        "harbour*",
        '"harbour',
        '"harbour fees"',
        "~harbour",
        "<harbour",
        ">harbour",
        "harbour (fees",
        "@harbour",
        "harbour @3",
        '+-*"~<>()@ harbour',
        "harbour's",
    ],
)
def test_search_operators_are_ignored_and_the_words_still_found(client, query):
    other_stories()
    ArticleFactory(published=True, title="Harbour fees rise")
    assert found(client, query) == ["Harbour fees rise"]


@pytest.mark.parametrize("query", ["+-*", '"~<>"', "()@", "   "])
def test_a_search_without_words_to_find_answers_calmly(client, query):
    other_stories()
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert 'class="card__title"' not in response.text


def test_a_search_too_long_to_be_typed_is_refused(client):
    response = client.get("/search/", {"q": "harbour " * 40})
    assert response.status_code == 400


def test_many_words_are_searched_by_the_first_few(client):
    other_stories()
    ArticleFactory(published=True, title="Harbour fees rise")
    query = "harbour " + " ".join(f"w{n}" for n in range(30))
    assert found(client, query) == ["Harbour fees rise"]


# --- The window of the newest stories ----------------------------------------------


def window_ids():
    return list(SearchWindow.objects.order_by("-public_since").values_list("article", flat=True))


def test_the_window_holds_the_newest_published_stories_and_follows_every_change(monkeypatch):
    monkeypatch.setattr(SearchWindow, "SIZE", 3)
    stories = [ArticleFactory(published_ago=timedelta(days=n + 1)) for n in range(5)]
    draft = ArticleFactory(title="Draft")
    scheduled = ArticleFactory(scheduled=True)
    # The scheduled story counts among the newest; search skips it until it is due.
    assert window_ids() == [scheduled.pk, stories[0].pk, stories[1].pk]
    assert draft.pk not in window_ids()

    stories[0].title = "Corrected headline"
    stories[0].save()
    assert SearchWindow.objects.get(article=stories[0]).title == "Corrected headline"

    stories[1].status = stories[1].Status.DRAFT  # unpublished: its words go at once
    stories[1].save()
    assert stories[1].pk not in window_ids()
    stories[0].delete()
    assert window_ids() == [scheduled.pk]

    SearchWindow.rebuild()  # refilled: the newest published, up to SIZE
    assert window_ids() == [scheduled.pk, stories[2].pk, stories[3].pk]


def test_an_edited_old_story_does_not_push_a_newer_one_out(monkeypatch):
    monkeypatch.setattr(SearchWindow, "SIZE", 2)
    old = ArticleFactory(published_ago=timedelta(days=30))
    newer = [ArticleFactory(published_ago=timedelta(days=n + 1)) for n in range(2)]
    old.standfirst = "An update to an old story."
    old.save()
    assert window_ids() == [newer[0].pk, newer[1].pk]


def test_a_scheduled_story_is_found_once_it_is_due(client, monkeypatch):
    other_stories()
    ArticleFactory(scheduled=True, title="Observatory opens")
    assert found(client, "observatory") == []
    later = timezone.now() + timedelta(days=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert found(client, "observatory opens") == ["Observatory opens"]


def archive_queries(queries):
    """The queries that read the whole archive's FULLTEXT index."""
    return [q["sql"] for q in queries if "MATCH (articles_article.title" in q["sql"]]


def test_a_window_with_a_page_of_matches_never_reads_the_archive_index(client, monkeypatch):
    mysql_only()
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    other_stories()
    for n in range(3):
        ArticleFactory(published_ago=timedelta(hours=n + 1), title=f"Marathon route {n}")
    with CaptureQueriesContext(connection) as queries:
        assert found(client, "marathon") == ["Marathon route 0", "Marathon route 1"]
    assert archive_queries(queries) == []


def test_rare_words_are_looked_for_in_the_whole_archive(client, monkeypatch):
    mysql_only()
    monkeypatch.setattr(SearchWindow, "SIZE", 3)
    other_stories()  # the window: three budget stories
    ArticleFactory(published_ago=timedelta(days=800), title="Zeppelin hangar listed")
    with CaptureQueriesContext(connection) as queries:
        assert found(client, "zeppelin hangar") == ["Zeppelin hangar listed"]
    assert len(archive_queries(queries)) == 1
    assert "Only the newest stories were searched" not in client.get("/search/?q=zeppelin").text


def test_words_too_common_in_the_archive_leave_it_unsearched_and_say_so(client, monkeypatch):
    mysql_only()
    monkeypatch.setattr(SearchWindow, "SIZE", 4)
    monkeypatch.setattr(listing, "SEARCH_ARCHIVE_POSTINGS", 2)
    ArticleFactory(published_ago=timedelta(days=800), title="Harbour ferry fares")
    for n in range(3):
        ArticleFactory(published_ago=timedelta(days=n + 10), title=f"Council budget {n}")
    ArticleFactory(published_ago=timedelta(minutes=30), title="Tram timetable")
    for n in range(3):
        ArticleFactory(published_ago=timedelta(hours=n + 1), title=f"Harbour works {n}")
    # The window holds the tram story and the three harbour works. "harbour" is in
    # three of its four stories, so the archive's index would read about three
    # quarters of the archive's entries for it: more than allowed here.
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/search/", {"q": "harbour ferry"})
    assert archive_queries(queries) == []
    assert titles_of(response) == ["Harbour works 0", "Harbour works 1", "Harbour works 2"]
    assert "Only the newest stories were searched" in response.text
