import re

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import SIGNUP, UserFactory

pytestmark = pytest.mark.django_db


def test_signup_creates_an_account_without_newsroom_access(client):
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302
    user = User.objects.get(username="newwriter")
    assert not user.is_staff
    assert user.slug == "new-writer"
    admin = client.get(reverse("admin:articles_article_add"))
    assert admin.status_code == 302 and "/admin/login/" in admin["Location"]


def test_signup_refuses_short_common_and_mismatched_passwords(client):
    for p1, p2, message in [
        ("short-pw", "short-pw", "at least 12 characters"),
        ("password1234", "password1234", "too common"),
        ("a-long-enough-passphrase", "another-long-passphrase", "didn’t match"),
    ]:
        response = client.post(
            reverse("accounts:signup"), {**SIGNUP, "password1": p1, "password2": p2}
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not User.objects.filter(username="newwriter").exists()


def test_signup_with_a_duplicate_email_creates_no_second_account(client):
    # The answer no longer says so (test_reset_and_signup.py): the owner gets a mail.
    UserFactory(email="new@example.com")
    response = client.post(reverse("accounts:signup"), SIGNUP)
    assert response.status_code == 302
    assert User.objects.filter(email="new@example.com").count() == 1


def test_editor_approves_a_signup_into_the_contributor_role(client, client_for, editor):
    client.post(reverse("accounts:signup"), SIGNUP)
    client.logout()
    pending = User.objects.get(username="newwriter")
    response = client_for(editor).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.is_staff
    assert pending.approved_at is not None
    assert list(pending.groups.values_list("name", flat=True)) == ["Contributor"]
    client.force_login(pending)
    assert client.get(reverse("admin:articles_article_add")).status_code == 200


def test_contributor_cannot_approve_signups(client_for, contributor):
    pending = UserFactory()
    client_for(contributor).post(
        reverse("admin:accounts_user_changelist"),
        {"action": "approve", "_selected_action": [pending.pk]},
    )
    pending.refresh_from_db()
    assert not pending.is_staff


def test_login_and_logout(client):
    UserFactory(username="reader", password="correct-horse-battery")
    response = client.post(
        reverse("accounts:login"), {"username": "reader", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id")
    client.post(reverse("accounts:logout"))
    assert not client.session.get("_auth_user_id")


def test_password_reset_by_email_then_login_with_the_new_password(
    client, django_capture_on_commit_callbacks, deliver_mail
):
    UserFactory(username="forgetful", email="forgetful@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:password_reset"), {"email": "forgetful@example.com"})
    deliver_mail()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "brand-new-passphrase", "new_password2": "brand-new-passphrase"},
    )
    assert response.status_code == 302
    login = client.post(
        reverse("accounts:login"), {"username": "forgetful", "password": "brand-new-passphrase"}
    )
    assert login.status_code == 302
    assert client.session.get("_auth_user_id")


def test_password_change_requires_the_old_password(client, client_for):
    user = UserFactory(password="correct-horse-battery")
    client = client_for(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": "wrong",
            "new_password1": "brand-new-passphrase",
            "new_password2": "brand-new-passphrase",
        },
    )
    assert response.status_code == 200
    assert "incorrectly" in response.content.decode()


def test_production_hashes_passwords_with_argon2():
    from aiblogger.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hasher = Argon2PasswordHasher()
    encoded = hasher.encode("a-long-enough-passphrase", hasher.salt())
    assert encoded.startswith("argon2$argon2id$")
    assert hasher.verify("a-long-enough-passphrase", encoded)


def test_password_validators_require_twelve_characters():
    from aiblogger.settings import base

    minimum = [v for v in base.AUTH_PASSWORD_VALIDATORS if "MinimumLength" in v["NAME"]][0]
    assert minimum["OPTIONS"]["min_length"] == 12
    assert settings.AUTH_PASSWORD_VALIDATORS == base.AUTH_PASSWORD_VALIDATORS
