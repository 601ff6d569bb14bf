"""The article change list at archive scale: what it reads does not grow with the archive.

Query counts stay the same from 3 to 30 stories for every way the list is opened
(default order, each filter, a date drill-down, a deep page, a search); the page
query reads no bodies; the count is bounded. Timings at 1M: README "Search".
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import admin as article_admin
from articles.models import Article
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

VIEWS = [
    {},
    {"status__exact": "published"},
    {"featured__exact": "1"},
    {"section__id__exact": "SECTION"},
    {"published_at__year": "YEAR"},
    {"p": "2"},
    {"q": "harbour"},
]


def _params(params, story):
    values = {"SECTION": str(story.section_id), "YEAR": str(story.published_at.year)}
    return {key: values.get(value, value) for key, value in params.items()}


def _queries(admin_client, params):
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/articles/article/", params)
    assert response.status_code == 200
    return [q["sql"] for q in queries]


@pytest.mark.parametrize("params", VIEWS)
def test_the_change_list_reads_the_same_queries_at_3_and_30_stories(
    admin_client, params, monkeypatch
):
    monkeypatch.setattr(article_admin.ArticleAdmin, "list_per_page", 2)
    story = ArticleFactory(published=True, title="Harbour story")
    for _ in range(2):
        ArticleFactory(published=True, title="Harbour news", section=story.section)
    small = _queries(admin_client, _params(params, story))
    for _ in range(27):
        ArticleFactory(published=True, title="Harbour update", section=story.section)
    large = _queries(admin_client, _params(params, story))
    assert len(large) == len(small)
    page = [
        sql
        for sql in large
        if "FROM `articles_article`" in sql or 'FROM "articles_article"' in sql
    ]
    assert page and not any("body_html" in sql for sql in page), "the list reads the bodies"


def test_no_view_but_a_search_scans_the_bodies(admin_client):
    ArticleFactory(published=True)
    for params in VIEWS:
        sql = " ".join(_queries(admin_client, _params(params, Article.objects.get())))
        assert "LIKE" not in sql.upper() or "q" in params, params


def test_the_count_is_bounded(admin_client, monkeypatch):
    monkeypatch.setattr(article_admin.BoundedCountPaginator, "BOUND", 3)
    for _ in range(6):
        ArticleFactory(published=True)
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get("/admin/articles/article/")
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and all("LIMIT 4" in sql for sql in counts if "articles_article" in sql), counts
