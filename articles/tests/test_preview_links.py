"""Creating a preview link is one action that always works, and shows the link to copy."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import PreviewLink
from articles.tests.admin_forms import article_form_data, change_url
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver/preview/[\w-]+/")


def test_ticking_create_a_preview_link_creates_one_and_shows_it(client, client_for, editor):
    article = ArticleFactory(title="Embargoed report")
    admin = client_for(editor)
    form = admin.get(change_url(article)).content.decode()
    assert "Create a preview link" in form
    response = admin.post(
        change_url(article), article_form_data(article, create_preview_link="on")
    )
    assert response.status_code == 302
    assert response["Location"] == change_url(article)  # back to the form, link in view
    link = PreviewLink.objects.get()
    assert (link.article, link.created_by) == (article, editor)
    assert timedelta(days=6, hours=23) < link.expires_at - timezone.now() <= timedelta(days=7)
    page = admin.get(response["Location"]).content.decode()
    url = f"http://testserver{link.get_absolute_url()}"
    assert "Preview link created; it works until" in page
    assert f'<a href="{url}">{url}</a>' in page
    client.logout()
    assert b"Embargoed report" in client.get(link.get_absolute_url()).content


def test_add_another_preview_link_then_save_with_the_default_expiry_creates_it(client_for, editor):
    """What the admin's "Add another preview link" row posts when nothing is edited."""
    article = ArticleFactory()
    default = timezone.localtime() + timedelta(days=7)
    day, time = default.strftime("%Y-%m-%d"), default.strftime("%H:%M:%S")
    data = article_form_data(
        article,
        **{
            "preview_links-TOTAL_FORMS": "1",
            "preview_links-0-expires_at_0": day,
            "preview_links-0-expires_at_1": time,
            "initial-preview_links-0-expires_at_0": day,
            "initial-preview_links-0-expires_at_1": time,
        },
    )
    response = client_for(editor).post(change_url(article), data)
    assert response.status_code == 302
    assert PreviewLink.objects.filter(article=article, created_by=editor).count() == 1


def test_saving_without_asking_for_a_link_creates_none(client_for, editor):
    article = ArticleFactory()
    response = client_for(editor).post(change_url(article), article_form_data(article))
    assert response.status_code == 302
    assert not PreviewLink.objects.exists()


@pytest.mark.parametrize("role", ["contributor", "author"])
def test_writers_cannot_create_preview_links_by_posting_the_field(client_for, request, role):
    user = request.getfixturevalue(role)
    article = ArticleFactory(authors=[user])
    form = client_for(user).get(change_url(article)).content.decode()
    assert "Create a preview link" not in form
    client_for(user).post(
        change_url(article), article_form_data(article, create_preview_link="on")
    )
    assert not PreviewLink.objects.exists()
