"""What log-in pages say: the publication's name, never the host; durations in words."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


@pytest.fixture
def gazette(settings):
    settings.SITE_NAME = "Harbour Gazette"
    settings.ALLOWED_HOSTS = ["news.test"]


@pytest.mark.parametrize("url_name", ["accounts:login", "admin:login"])
def test_login_pages_are_titled_with_the_site_name_not_the_host(client, gazette, url_name):
    response = client.get(reverse(url_name), HTTP_HOST="news.test:28443")
    html = response.content.decode()
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "Harbour Gazette" in title
    assert "news.test" not in title
    assert "aiblogger" not in title


def test_admin_header_names_the_site(client_for, editor, gazette):
    response = client_for(editor).get(reverse("admin:index"), HTTP_HOST="news.test")
    assert "Harbour Gazette newsroom" in response.content.decode()


def test_password_reset_email_names_the_site(
    client, mailoutbox, gazette, django_capture_on_commit_callbacks, deliver_mail
):
    UserFactory(username="reader", email="reader@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:password_reset"),
            {"email": "reader@example.com"},
            HTTP_HOST="news.test",
        )
    deliver_mail()  # sent by the task worker (aiblogger.mail)
    assert "your Harbour Gazette account" in mailoutbox[0].body


def test_lockout_says_how_long_in_words(client, settings):
    settings.AXES_COOLOFF_TIME = 0.25  # hours
    UserFactory(username="victim", password=PASSWORD, role="Author")
    url = reverse("accounts:login")
    for _ in range(6):
        response = client.post(url, {"username": "victim", "password": "wrong-guess"})
    assert response.status_code == 429
    html = response.content.decode().replace("\xa0", " ")  # Django joins "15 minutes" so
    assert "paused for 15 minutes" in html
    assert "PT15M" not in html
