"""Password reset and sign-up: throttled, mail sent off the request, no address revealed."""

import logging
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import SIGNUP, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(client, django_capture_on_commit_callbacks, deliver_mail):
    """POST like a browser, let the transaction commit, and run the mail queue."""

    def send(url, data, ip="203.0.113.5"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, data, REMOTE_ADDR=ip)
        deliver_mail()
        return response

    return send


def comparable(response):
    """What a client sees, minus what differs on every request anyway."""
    headers = {
        k: v for k, v in response.headers.items() if k not in ("Content-Length", "Set-Cookie")
    }
    return response.status_code, headers, response.content


def test_reset_answers_the_same_for_known_and_unknown_addresses(post):
    UserFactory(email="known@example.com")
    url = reverse("accounts:password_reset")
    known = post(url, {"email": "known@example.com"}, ip="203.0.113.1")
    unknown = post(url, {"email": "nobody@example.com"}, ip="203.0.113.2")
    assert comparable(known) == comparable(unknown)
    assert known.status_code == 302
    assert [m.to for m in mail.outbox] == [["known@example.com"]]


def test_reset_mail_is_sent_after_the_answer(client, deliver_mail):
    # Without a commit nothing is sent: the answer never waited for the mail.
    UserFactory(email="known@example.com")
    response = client.post(reverse("accounts:password_reset"), {"email": "known@example.com"})
    assert response.status_code == 302
    deliver_mail()
    assert mail.outbox == []


def test_eleventh_reset_from_one_address_is_refused(post):
    url = reverse("accounts:password_reset")
    for n in range(10):
        assert post(url, {"email": f"person{n}@example.com"}).status_code == 302
    refused = post(url, {"email": "person10@example.com"})
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    # Another reader elsewhere is not affected.
    assert post(url, {"email": "other@example.com"}, ip="198.51.100.9").status_code == 302


def test_resets_for_one_address_send_five_mails_then_answer_alike_without_one(post):
    UserFactory(email="victim@example.com")
    url = reverse("accounts:password_reset")
    answers = [post(url, {"email": "victim@example.com"}, ip=f"198.51.100.{n}") for n in range(5)]
    assert len(mail.outbox) == 5
    capped = post(url, {"email": "VICTIM@example.com"}, ip="198.51.100.77")
    assert comparable(capped) == comparable(answers[0]), "the page never says it was capped"
    assert len(mail.outbox) == 5, "the limit caps the mails sent"


def test_unknown_addresses_are_capped_alike(post):
    url = reverse("accounts:password_reset")
    known = UserFactory(email="known@example.com").email
    answers = {}
    for email in (known, "ghost@example.com"):
        for n in range(6):
            answers[email] = post(url, {"email": email}, ip=f"198.51.100.{n}")
    assert comparable(answers[known]) == comparable(answers["ghost@example.com"])


def test_the_owner_can_reset_while_a_stranger_keeps_asking(client, post):
    """The stranger's requests fill the owner's inbox up to the limit, no further; the
    owner's own request is answered as usual and any link in that inbox works."""
    UserFactory(username="owner", email="owner@example.com")
    url = reverse("accounts:password_reset")
    for n in range(20):
        post(url, {"email": "owner@example.com"}, ip=f"198.51.100.{n}")
    assert post(url, {"email": "owner@example.com"}, ip="203.0.113.80")["Location"] == reverse(
        "accounts:password_reset_done"
    )
    assert len(mail.outbox) == 5
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and "new_password1" in form_page.text
    new_password = "another-long-passphrase"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302
    assert User.objects.get(username="owner").check_password(new_password)


def test_signup_with_a_taken_address_answers_like_a_new_one_and_mails_the_owner(client, post):
    owner = UserFactory(username="owner", email="taken@example.com")
    new = post(reverse("accounts:signup"), SIGNUP, ip="203.0.113.1")
    client.logout()
    taken = post(
        reverse("accounts:signup"),
        {**SIGNUP, "username": "intruder", "email": "Taken@example.com"},
        ip="203.0.113.2",
    )
    assert comparable(new) == comparable(taken)
    assert new.status_code == 302 and new["Location"] == reverse("accounts:signup_done")
    assert not User.objects.filter(username="intruder").exists()
    assert User.objects.filter(email__iexact="taken@example.com").get() == owner
    welcome, warning = mail.outbox
    assert welcome.to == ["new@example.com"]
    assert "newwriter" in welcome.body
    assert warning.to == ["taken@example.com"]
    assert "tried to sign up" in warning.subject
    assert '"owner"' in warning.body
    page = client.get(new["Location"]).content.decode()
    assert "already" not in page


def test_eleventh_signup_from_one_address_is_refused(post):
    url = reverse("accounts:signup")
    for n in range(10):
        response = post(url, {**SIGNUP, "username": f"writer{n}", "email": f"w{n}@example.com"})
        assert response.status_code == 302
    refused = post(url, {**SIGNUP, "username": "writer10", "email": "w10@example.com"})
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert not User.objects.filter(username="writer10").exists()


def test_mistakes_do_not_use_up_the_signup_limit(post):
    url = reverse("accounts:signup")
    for n in range(12):
        assert post(url, {**SIGNUP, "password2": f"typo-{n}"}).status_code == 200
    assert post(url, SIGNUP).status_code == 302


def test_signups_for_one_address_from_many_ips_are_refused(post):
    url = reverse("accounts:signup")
    UserFactory(email="target@example.com")
    for n in range(5):
        data = {**SIGNUP, "username": f"writer{n}", "email": "target@example.com"}
        assert post(url, data, ip=f"198.51.100.{n}").status_code == 302
    data = {**SIGNUP, "username": "writer9", "email": "target@example.com"}
    assert post(url, data, ip="198.51.100.50").status_code == 429
    assert len(mail.outbox) == 5


def test_throttle_lets_requests_through_when_the_cache_is_down(post, settings, caplog):
    # A real Redis client pointed at a closed port: every cache call fails.
    # (Changing CACHES makes Django drop its cache connections.)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
        }
    }
    url = reverse("accounts:password_reset")
    with caplog.at_level(logging.WARNING, logger="aiblogger.throttle"):
        for n in range(12):
            assert post(url, {"email": f"p{n}@example.com"}).status_code == 302
    assert [r.message for r in caplog.records].count(
        "Throttle cache unavailable; password_reset_ip requests are not limited"
    ) == 1
    with pytest.raises(Exception, match="Connection refused|Error 111"):
        cache.get("anything")
