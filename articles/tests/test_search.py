"""Reader search: FULLTEXT on MariaDB/MySQL, a LIKE fallback on SQLite."""

import re

import pytest
from django.db import connection

from articles import listing
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
    sql, params = listing.search_queryset(["harbour"]).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = [dict(zip([c[0] for c in cursor.description], row, strict=True)) for row in cursor]
    assert any(step["key"] == "article_fulltext_idx" for step in plan), plan


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
