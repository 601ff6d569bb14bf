"""Revision compare lists only what really changed, under a clean breadcrumb."""

import re
from datetime import timedelta
from html import unescape

import pytest
import reversion
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from accounts.tests.factories import UserFactory
from articles.models import Article
from articles.tests.admin_forms import add_url, article_form_data, change_url
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def byline_rows(article, *authors):
    links = list(article.author_links.order_by("position"))
    data = {
        "author_links-TOTAL_FORMS": str(len(authors)),
        "author_links-INITIAL_FORMS": str(len(links)),
    }
    for n, author in enumerate(authors):
        if n < len(links):
            data[f"author_links-{n}-id"] = str(links[n].pk)
        data[f"author_links-{n}-article"] = str(article.pk)
        data[f"author_links-{n}-author"] = str(author.pk)
        data[f"author_links-{n}-position"] = str(n)
    return data


def compare(client, article):
    old, new = sorted(Version.objects.get_for_object(article).values_list("pk", flat=True))[-2:]
    response = client.get(
        reverse("admin:articles_article_compare", args=[article.pk]),
        {"version_id1": old, "version_id2": new},
    )
    assert response.status_code == 200
    return response


def changed_fields(response):
    return [d["field"].name for d in response.context["compare_data"]]


def test_editing_the_body_of_a_published_story_changes_only_the_body(client_for, editor):
    client = client_for(editor)
    # Published now, no section: the time is the server's, the byline added for the editor.
    client.post(add_url(), article_form_data(title="Harbour", body="One.", status="published"))
    article = Article.objects.get()
    edit = article_form_data(article, body="Two.", **byline_rows(article, editor))
    assert client.post(change_url(article), edit).status_code == 302
    response = compare(client, article)
    assert changed_fields(response) == ["body"]
    article.refresh_from_db()
    assert article.published_at.microsecond == 0  # the form sends back what it shows


def test_revisions_saved_with_microseconds_do_not_show_a_moved_time(client_for, editor):
    author = UserFactory(role="Author")
    article = ArticleFactory(published=True, authors=[author], body="One.")
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now().replace(microsecond=123456) - timedelta(hours=2)
    )
    article.refresh_from_db()
    with reversion.create_revision():
        article.save()
    client = client_for(editor)
    edit = article_form_data(article, body="Two.", **byline_rows(article, author))
    assert client.post(change_url(article), edit).status_code == 302
    assert changed_fields(compare(client, article)) == ["body"]


def test_real_changes_to_time_section_and_byline_are_shown(client_for, editor):
    author, second = UserFactory(role="Author"), UserFactory(role="Author")
    client = client_for(editor)
    client.post(add_url(), article_form_data(title="Harbour", body="One.", status="published"))
    article = Article.objects.get()
    client.post(change_url(article), article_form_data(article, **byline_rows(article, author)))
    article.refresh_from_db()
    later = article.published_at - timedelta(hours=1)
    edit = article_form_data(
        article,
        published_at_0=timezone.localtime(later).strftime("%Y-%m-%d"),
        published_at_1=timezone.localtime(later).strftime("%H:%M:%S"),
        section=ArticleFactory().section_id,
        **byline_rows(article, author, second),
    )
    assert client.post(change_url(article), edit).status_code == 302
    fields = changed_fields(compare(client, article))
    assert set(fields) == {"section", "published_at", "author_links"}


def test_compare_breadcrumb_reads_cleanly(client_for, editor):
    client = client_for(editor)
    client.post(add_url(), article_form_data(title="Harbour reopens", body="One."))
    article = Article.objects.get()
    client.post(change_url(article), article_form_data(article, body="Two."))
    html = compare(client, article).content.decode()
    crumbs = html.split('<div class="breadcrumbs">', 1)[1].split("</div>", 1)[0]
    text = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", crumbs))).strip()
    assert text == "Home › Newsroom › Articles › Harbour reopens › History › Compare revisions"
