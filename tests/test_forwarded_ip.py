"""Behind Nginx the reader's address comes from X-Forwarded-For, and cannot be forged."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.tests.factories import UserFactory
from aiblogger.middleware import ForwardedClientIPMiddleware


def seen_address(forwarded, proxies=1, remote="127.0.0.1"):
    seen = {}

    def view(request):
        seen["ip"] = request.META["REMOTE_ADDR"]
        return HttpResponse()

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "TRUSTED_PROXY_COUNT", proxies, raising=False)
        middleware = ForwardedClientIPMiddleware(view)
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    middleware(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))
    return seen["ip"]


def test_the_address_nginx_saw_becomes_remote_addr():
    assert seen_address("203.0.113.7") == "203.0.113.7"


def test_a_forged_leftmost_entry_is_ignored():
    # The client sent "1.2.3.4"; Nginx appended the address it really saw.
    assert seen_address("1.2.3.4, 203.0.113.7") == "203.0.113.7"


def test_two_trusted_proxies_take_the_second_entry_from_the_right():
    assert seen_address("1.2.3.4, 203.0.113.7, 10.0.0.2", proxies=2) == "203.0.113.7"


def test_without_trusted_proxies_the_header_is_ignored():
    assert seen_address("203.0.113.7", proxies=0) == "127.0.0.1"


def test_a_missing_header_leaves_the_socket_address():
    assert seen_address(None) == "127.0.0.1"


@pytest.mark.django_db
def test_throttling_locks_the_forwarded_address_and_a_forged_header_does_not_escape(
    client, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.MIDDLEWARE = [
        "aiblogger.middleware.ForwardedClientIPMiddleware",
        *settings.MIDDLEWARE,
    ]
    UserFactory(username="victim", password="correct-horse-battery")
    url = reverse("accounts:login")
    for n in range(5):
        client.post(
            url,
            {"username": "victim", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 198.51.100.4",  # forged left part varies
            REMOTE_ADDR="",
        )
    locked = client.post(
        url,
        {"username": "victim", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="8.8.8.8, 198.51.100.4",
        REMOTE_ADDR="",
    )
    assert locked.status_code == 429
    elsewhere = client.post(
        url,
        {"username": "victim", "password": "correct-horse-battery"},
        HTTP_X_FORWARDED_FOR="203.0.113.50",
        REMOTE_ADDR="",
    )
    assert elsewhere.status_code == 302
