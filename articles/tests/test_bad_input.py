"""Garbage in the address bar gets a 400 or 404 page in the site's design, never a 500."""

import pytest

from articles.tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db

LONG_QUERY = "news " * 2000  # 10,000 characters

BAD_REQUESTS = [
    ("/?page=abc", 400),
    ("/?page=-1", 400),
    ("/?page=1.5", 400),
    ("/?page=%EF%BC%91", 400),  # a full-width digit one
    ("/?page=0", 404),
    ("/?page=999999", 404),
    ("/?page=99999999999999999999999", 400),
    ("/?before=garbage", 400),
    ("/?before=-5-1", 400),
    ("/?before=1700000000000000--1", 400),
    ("/?before=99999999999999999999-1", 400),
    ("/?before=9999999999999999-1", 400),  # the year 2286: no story is that new
    ("/?before=1700000000000000-99999999999999999999", 400),
    ("/?before=0-0", 404),
    ("/?before=1700000000000000-1&page=2", 400),
    ("/section/politics/?page=abc", 400),
    ("/tag/budget/?before=%00", 400),
    (f"/search/?q={LONG_QUERY}", 400),
    ("/search/?q=%00%01%02", 400),
    ("/search/?q=%FF%FE%FD", 400),
    ("/search/?q=council&page=abc", 400),
    ("/search/?q=council&page=999999", 404),
    ("/search/?q=council&before=1-1", 400),
    ("/articles/no-such-story/", 404),
    ("/section/no-such-section/", 404),
    ("/tag/no-such-tag/", 404),
    ("/author/no-such-author/", 404),
    ("/preview/not-a-real-token/", 404),
    ("/articles/%E2%98%83/", 404),
    ("/articles/some-story/trailing/junk/", 404),
    ("/section/politics/extra", 404),
    ("/healthz/junk", 404),
    ("/robots.txt/junk", 404),
    ("/search/junk/", 404),
]


@pytest.mark.parametrize(("url", "status"), BAD_REQUESTS)
def test_bad_input_gets_a_designed_error_page(client, url, status):
    ArticleFactory(
        published=True,
        title="Council approves budget",
        section__slug="politics",
        tags=[TagFactory(slug="budget")],
    )
    response = client.get(url, follow=True)
    assert response.status_code == status
    text = response.content.decode()
    assert 'class="error-page"' in text, "the error page uses the site's design"
    assert f'<p class="error-page__code">{status}</p>' in text
    assert "Traceback" not in text


def test_search_error_says_what_was_wrong(client):
    text = client.get("/search/", {"q": "x" * 5000}).content.decode()
    assert "limited to 200 characters" in text


def test_error_pages_are_not_indexed(client):
    text = client.get("/tag/no-such-tag/").content.decode()
    assert '<meta name="robots" content="noindex">' in text
    assert 'rel="canonical"' not in text


def test_server_error_page_needs_no_database(client, settings, monkeypatch):
    from django.db import OperationalError, connection

    def broken():
        raise OperationalError("server has gone away")

    monkeypatch.setattr(connection, "cursor", broken)
    client.raise_request_exception = False
    response = client.get("/")
    assert response.status_code == 500
    text = response.content.decode()
    assert "Something went wrong on our side" in text
    assert "site.css" in text


def test_forbidden_page_uses_the_site_design(rf):
    from django.contrib.auth.models import AnonymousUser
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    text = response.content.decode()
    assert response.status_code == 403
    assert '<p class="error-page__code">403</p>' in text
    assert "site.css" in text
