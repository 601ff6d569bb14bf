"""The site and the admin have an icon; /favicon.ico answers instead of a 404."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

ICON = "/static/img/favicon.svg"


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == ICON
    assert "max-age=86400" in response["Cache-Control"]
    assert finders.find("img/favicon.svg")


def test_pages_link_the_icon(client, client_for, editor):
    pages = [client.get(reverse("admin:login")), client.get(reverse("articles:home"))]
    pages.append(client_for(editor).get(reverse("admin:index")))
    for page in pages:
        assert f'<link rel="icon" href="{ICON}" type="image/svg+xml">' in page.content.decode()
