"""Sign-up never tells a stranger which user names exist: the address typed is told."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import SIGNUP, UserFactory
from accounts.tests.test_reset_and_signup import comparable, post  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["editor", "EDITOR", "Editor"])
def test_signup_with_a_taken_user_name_answers_like_a_new_one(client, post, typed):  # noqa: F811
    editor = UserFactory(username="editor", email="editor@example.com", role="Editor")
    url = reverse("accounts:signup")
    new = post(url, {**SIGNUP, "username": "brandnew", "email": "a@example.com"}, ip="192.0.2.1")
    client.logout()
    taken = post(url, {**SIGNUP, "username": typed, "email": "b@example.com"}, ip="192.0.2.2")
    assert comparable(new) == comparable(taken)
    assert taken.status_code == 302 and taken["Location"] == reverse("accounts:signup_done")
    assert User.objects.filter(username__iexact="editor").get() == editor
    assert not User.objects.filter(email="b@example.com").exists()
    welcome, note = mail.outbox
    assert welcome.to == ["a@example.com"]
    assert note.to == ["b@example.com"], "only the address typed learns the name is taken"
    assert f'"{typed}"' in note.body and "already taken" in note.body
    assert "editor@example.com" not in note.body
    assert editor.email not in {m.to[0] for m in mail.outbox}


def test_the_signup_form_shows_no_error_for_a_taken_user_name(client):
    UserFactory(username="editor")
    response = client.post(reverse("accounts:signup"), {**SIGNUP, "username": "editor"})
    assert response.status_code == 302
    assert "already exists" not in response.content.decode()


def test_a_taken_user_name_uses_up_the_throttle_like_a_new_one(post):  # noqa: F811
    UserFactory(username="editor")
    url = reverse("accounts:signup")
    for n in range(10):
        data = {**SIGNUP, "username": "editor", "email": f"probe{n}@example.com"}
        assert post(url, data).status_code == 302
    refused = post(url, {**SIGNUP, "username": "editor", "email": "probe10@example.com"})
    assert refused.status_code == 429
    assert len(mail.outbox) == 10


def test_a_name_taken_between_the_check_and_the_save_creates_nothing(client, monkeypatch):
    from accounts import views

    real_create = views._create

    def racing(form):
        UserFactory(username=form.cleaned_data["username"])  # the other sign-up commits
        monkeypatch.setattr(User.objects, "filter", User.objects.none().filter)
        return real_create(form)

    monkeypatch.setattr(views, "_create", racing)
    response = client.post(reverse("accounts:signup"), SIGNUP)
    monkeypatch.undo()
    assert response.status_code == 302
    assert User.objects.filter(username=SIGNUP["username"]).count() == 1
    assert not User.objects.filter(email=SIGNUP["email"]).exists()
