"""Login throttling: a user+IP pair is locked after five failures, nobody else is."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def attempt(client, url, password, ip):
    return client.post(url, {"username": "victim", "password": password}, REMOTE_ADDR=ip)


@pytest.mark.parametrize("url_name", ["accounts:login", "admin:login"])
def test_five_failures_lock_that_user_from_that_address(client, url_name):
    UserFactory(username="victim", password=PASSWORD, role="Author")
    url = reverse(url_name)
    for _ in range(5):
        response = attempt(client, url, "wrong-guess", "203.0.113.9")
        assert response.status_code in (200, 429)
    locked = attempt(client, url, PASSWORD, "203.0.113.9")
    assert locked.status_code == 429
    assert "Too many failed log-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_stranger_cannot_lock_the_user_out_from_elsewhere(client):
    UserFactory(username="victim", password=PASSWORD)
    url = reverse("accounts:login")
    for _ in range(6):
        attempt(client, url, "wrong-guess", "198.51.100.7")
    response = attempt(client, url, PASSWORD, "203.0.113.20")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")


def test_four_failures_then_success_is_not_locked(client):
    UserFactory(username="victim", password=PASSWORD)
    url = reverse("accounts:login")
    for _ in range(4):
        attempt(client, url, "wrong-guess", "192.0.2.1")
    assert attempt(client, url, PASSWORD, "192.0.2.1").status_code == 302
