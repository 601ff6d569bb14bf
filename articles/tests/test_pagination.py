from datetime import timedelta

import pytest
from django.core.exceptions import BadRequest
from django.test import RequestFactory

from articles import listing
from articles.pagination import Paginator
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def page_of(query, stream=None):
    request = RequestFactory().get("/list/", query)
    paginator = Paginator(
        stream or listing.latest(), per_page=2, max_pages=2, params={"q": "tram line"}
    )
    return paginator.page(request)


def test_pages_are_numbered_then_keyed_and_keep_the_extra_parameters(settings):
    settings.SITE_URL = "https://news.example.com"
    stories = [ArticleFactory(published_ago=timedelta(minutes=n + 1)) for n in range(5)]
    first = page_of({})
    assert first.articles == stories[:2] and first.is_first
    assert (first.older_url, first.newer_url) == ("/list/?q=tram+line&page=2", None)
    assert first.canonical_url == "https://news.example.com/list/?q=tram+line"
    second = page_of({"page": "2"})
    assert second.articles == stories[2:4] and second.number == 2
    assert second.newer_url == "/list/?q=tram+line"
    cursor = listing.encode_cursor(stories[3])
    assert second.older_url == f"/list/?q=tram+line&before={cursor}"
    third = page_of({"before": cursor})
    assert third.articles == stories[4:]
    assert third.older_than == stories[3].published_at
    assert (third.older_url, third.newer_url) == (None, "/list/?q=tram+line")
    assert third.canonical_url == f"https://news.example.com/list/?q=tram+line&before={cursor}"


def test_a_list_without_positions_refuses_a_cursor():
    with pytest.raises(BadRequest):
        page_of({"before": "1700000000000000-1"}, stream=listing.search("tram"))
