"""A cached page never outlives the release whose headers it was stored with.

A page is stored with its response headers (CSP, X-Frame-Options, Referrer-Policy,
Cross-Origin-Opener-Policy...). After a deploy or a changed environment that
changes any of them, the next reader must get the new headers, not the stored
ones for up to PUBLIC_CACHE_SECONDS.
"""

import copy

import pytest
from django.conf import settings as django_settings
from django.test import Client

from articles.pagecache import _page_key
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def _stricter_csp():
    policy = copy.deepcopy(django_settings.CONTENT_SECURITY_POLICY)
    policy["DIRECTIVES"]["img-src"] = ["'self'"]
    return policy


CHANGES = [
    ("X_FRAME_OPTIONS", "SAMEORIGIN", "X-Frame-Options", "SAMEORIGIN"),
    ("SECURE_REFERRER_POLICY", "no-referrer", "Referrer-Policy", "no-referrer"),
    ("SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin-allow-popups",
     "Cross-Origin-Opener-Policy", "same-origin-allow-popups"),
    ("CONTENT_SECURITY_POLICY", _stricter_csp, "Content-Security-Policy", "img-src 'self'"),
]  # fmt: skip


def _carries(header, value, expected):
    """A header's value carries the expected one: a whole directive, for a policy."""
    if header == "Content-Security-Policy":
        return expected in [directive.strip() for directive in value.split(";")]
    return expected in value


@pytest.mark.parametrize(("setting", "value", "header", "expected"), CHANGES)
def test_a_changed_header_setting_is_served_at_once(
    client, settings, django_assert_num_queries, setting, value, header, expected
):
    article = ArticleFactory(published=True)
    url = article.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):  # the page is in the cache
        assert not _carries(header, client.get(url).get(header, ""), expected)
    setattr(settings, setting, value() if callable(value) else value)
    # A new client builds its middleware afresh, as a restarted worker does.
    response = Client().get(url)
    assert response.status_code == 200
    assert _carries(header, response[header], expected)


def test_a_new_release_directory_is_a_new_key(rf, settings, tmp_path):
    request = rf.get("/articles/a-story/")
    before = _page_key(request)
    settings.BASE_DIR = tmp_path
    assert _page_key(request) != before
    settings.BASE_DIR = django_settings.BASE_DIR
