"""Every public form and the admin login answer hostile input with a page, never a 500."""

from urllib.parse import quote_from_bytes

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def utf8(text):
    return text.encode("utf-8")


# Raw bytes, percent-encoded into the body as they are: not every one is UTF-8.
PAYLOADS = {
    "255 chars": b"x" * 255,
    "256 chars": b"x" * 256,
    "300 chars": b"x" * 300,
    "5000 chars": b"y" * 5000,
    "200 KB": b"z" * 200_000,
    "NUL": b"admin\x00",
    "control bytes": b"\x01\x02\x1b[31m\x7f",
    "every byte": bytes(range(256)),
    "invalid UTF-8": b"\xff\xfe\xfd",
    "overlong slash": b"\xc0\xaf",
    "lone surrogate": b"\xed\xa0\x80",
    "truncated sequence": b"abc\xe2\x82",
    "RTL override": utf8("\u202egnp.exe\u202c"),
    "4-byte emoji": utf8("\U0001f600" * 40),
    "4-byte emoji, 300": utf8("\U0001f4a9" * 300),
    "combining marks": utf8("a" + "\u0301" * 500),
    "zero-width and BOM": utf8("\u200b\ufeffadmin\u200d"),
    "full-width": utf8("\uff41\uff44\uff4d\uff49\uff4e"),
    "dotless i and sharp s": utf8("\u0131\u00df\u0130"),
    "private use and noncharacter": utf8("\ue000\ufffe\U0010ffff"),
    "e-mail with unicode": utf8("\u202e@example.com"),
    "e-mail 300": b"a" * 290 + b"@example.com",
}


def signup_setup(client):
    return reverse("accounts:signup")


def reset_confirm_setup(client):
    user = UserFactory(email="forgetful@example.com", password=PASSWORD)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = reverse("accounts:password_reset_confirm", args=[uid, token])
    return client.get(link, follow=True).redirect_chain[-1][0]


def password_change_setup(client):
    user = UserFactory(password=PASSWORD)
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return reverse("accounts:password_change")


def plain(name):
    return lambda client: reverse(name)


VALID = {
    "username": b"reader",
    "password": utf8(PASSWORD),
    "display_name": b"A Reader",
    "email": b"reader@example.com",
    "password1": b"a-long-enough-passphrase",
    "password2": b"a-long-enough-passphrase",
    "old_password": utf8(PASSWORD),
    "new_password1": b"brand-new-passphrase",
    "new_password2": b"brand-new-passphrase",
}

FORMS = {
    "login": (plain("accounts:login"), ["username", "password"]),
    "admin login": (plain("admin:login"), ["username", "password"]),
    "sign-up": (
        signup_setup,
        ["username", "display_name", "email", "password1", "password2"],
    ),
    "password reset": (plain("accounts:password_reset"), ["email"]),
    "set new password": (reset_confirm_setup, ["new_password1", "new_password2"]),
    "password change": (
        password_change_setup,
        ["old_password", "new_password1", "new_password2"],
    ),
}


def encode(fields):
    return "&".join(
        f"{quote_from_bytes(name.encode())}={quote_from_bytes(value)}"
        for name, value in fields.items()
    )


def assert_designed_answer(response):
    assert response.status_code < 500, response.status_code
    text = response.content.decode("utf-8", "replace")
    assert "Traceback" not in text


CASES = [
    pytest.param(form, field, payload, id=f"{form}-{field or 'every field'}-{payload}")
    for form, (_, fields) in FORMS.items()
    for field in [None, *fields]
    for payload in PAYLOADS
]


@pytest.mark.parametrize(("form", "field", "payload"), CASES)
def test_hostile_form_input_gets_a_page_not_a_500(client, form, field, payload):
    UserFactory(username="reader", email="reader@example.com", password=PASSWORD)
    setup, fields = FORMS[form]
    url = setup(client)
    users_before = User.objects.count()
    value = PAYLOADS[payload]
    data = {name: value if field in (None, name) else VALID[name] for name in fields}
    response = client.post(url, encode(data), content_type="application/x-www-form-urlencoded")
    assert_designed_answer(response)
    # Whatever got stored fits its columns (MariaDB is strict: it would have raised).
    assert User.objects.count() - users_before in (0, 1)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_multipart_login_gets_a_page_not_a_500(client, payload):
    boundary = "fuzzboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="username"\r\n\r\n'.encode()
        + PAYLOADS[payload]
        + f'\r\n--{boundary}\r\nContent-Disposition: form-data; name="password"\r\n\r\n'.encode()
        + PAYLOADS[payload]
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        reverse("accounts:login"),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert_designed_answer(response)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_search_gets_a_page_not_a_500(client, payload):
    response = client.get(f"/search/?q={quote_from_bytes(PAYLOADS[payload])}")
    assert_designed_answer(response)


@pytest.mark.parametrize("url_name", ["accounts:login", "admin:login"])
def test_an_over_long_username_is_a_form_error(client, url_name):
    response = client.post(reverse(url_name), {"username": "x" * 256, "password": "whatever"})
    assert response.status_code == 200
    assert "at most 150 characters" in response.content.decode()


@pytest.mark.parametrize("url_name", ["accounts:login", "admin:login"])
def test_login_fields_state_their_limits(client, url_name):
    text = client.get(reverse(url_name)).content.decode()
    assert 'maxlength="150"' in text
    assert 'maxlength="4096"' in text
