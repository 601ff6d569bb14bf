"""The body's live preview: staff-only, CSRF-protected, rendered exactly as readers get it."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from articles.markdown import render_markdown
from articles.models import BODY_MAX_CHARS
from articles.tests.admin_forms import add_url, change_url
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

URL = reverse("admin:articles_article_markdown_preview")
BODY = "## Harbour\n\nShips **return** [home](https://example.com).\n\n<script>alert(1)</script>"


@pytest.mark.parametrize("role", ["contributor", "author", "editor"])
def test_staff_get_the_body_as_readers_will_see_it(client_for, request, role):
    response = client_for(request.getfixturevalue(role)).post(URL, {"body": BODY})
    assert response.status_code == 200
    html = json.loads(response.content)["html"]
    assert html == render_markdown(BODY)
    assert "<strong>return</strong>" in html
    assert "<script" not in html


def test_article_as_published_renders_the_same_html(client_for, author):
    article = ArticleFactory(body=BODY, authors=[author])
    response = client_for(author).post(URL, {"body": article.body})
    assert json.loads(response.content)["html"] == article.body_html


def test_readers_and_strangers_cannot_use_the_preview(client, client_for):
    assert client.post(URL, {"body": BODY}).status_code == 302  # to the admin log-in
    assert client_for(UserFactory()).post(URL, {"body": BODY}).status_code == 302


def test_preview_needs_post_and_a_csrf_token(author):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(author, backend="django.contrib.auth.backends.ModelBackend")
    assert strict.get(URL).status_code == 405
    assert strict.post(URL, {"body": BODY}).status_code == 403


def test_an_overlong_body_is_a_clear_400(client_for, author):
    response = client_for(author).post(URL, {"body": "x" * (BODY_MAX_CHARS + 1)})
    assert response.status_code == 400
    assert "characters" in json.loads(response.content)["error"]


def test_change_form_has_the_preview_and_the_no_javascript_link(client_for, author):
    article = ArticleFactory(authors=[author])
    client = client_for(author)
    form = client.get(change_url(article)).content.decode()
    assert f'data-preview-url="{URL}"' in form
    assert "js/markdown-preview.js" in form
    assert f'<a href="{article.get_absolute_url()}" target="_blank"' in form
    new = client.get(add_url()).content.decode()
    assert "Save the draft to preview it" in new
