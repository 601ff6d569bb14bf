"""The worker's related-story updates reach readers of cached pages at once."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.tests.factories import ArticleFactory
from newswire import assist
from newswire.models import ArticleAssist

pytestmark = pytest.mark.django_db

FIRST = (
    "Central bank lifts interest rates again",
    "The central bank raised its main interest rate by a quarter point to fight inflation.",
)
LATER = (
    "Mortgage costs rise after rate decision",
    "Banks passed on the central bank's interest rate rise to borrowers within a day.",
)


def story(title, text, hours):
    return ArticleFactory(
        title=title, standfirst=text, body=text, published=True,
        published_at=timezone.now() - timedelta(hours=hours),
    )  # fmt: skip


def related_section(client, article):
    page = client.get(article.get_absolute_url()).content.decode()
    return page.split('id="related-heading"')[1] if 'id="related-heading"' in page else ""


@pytest.mark.parametrize("worker", ["process_article", "refresh_articles"])
def test_a_new_related_story_shows_on_the_cached_page_at_once(
    client, django_capture_on_commit_callbacks, django_assert_num_queries, worker
):
    first = story(*FIRST, hours=5)
    assist.process_article(first.pk)
    related_section(client, first)
    with django_assert_num_queries(0):  # the page is cached now
        assert "Mortgage costs rise" not in related_section(client, first)
    with django_capture_on_commit_callbacks(execute=True):
        later = story(*LATER, hours=1)  # publishing it retires the pages
    assist.process_article(later.pk)
    related_section(client, first)
    with django_assert_num_queries(0):  # cached again, before the worker's update
        assert "Mortgage costs rise" not in related_section(client, first)
    with django_capture_on_commit_callbacks(execute=True):
        if worker == "process_article":
            assist.process_article(first.pk)
        else:
            assist.refresh_articles()
    assert later.pk in ArticleAssist.objects.get(article=first).related
    assert "Mortgage costs rise" in related_section(client, first)
