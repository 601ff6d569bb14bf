"""Only changes readers can see retire the cached public pages."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from articles.cache import public_cache_generation

pytestmark = pytest.mark.django_db


def test_logging_in_does_not_empty_the_readers_cache(client, django_capture_on_commit_callbacks):
    UserFactory(username="editor1", password="correct-horse-battery", role="Editor")
    before = public_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:login"), {"username": "editor1", "password": "correct-horse-battery"}
        )
    assert response.status_code == 302
    assert public_cache_generation() == before


def test_changing_a_byline_name_retires_the_cached_pages(django_capture_on_commit_callbacks):
    author = UserFactory(role="Author")
    before = public_cache_generation()
    with django_capture_on_commit_callbacks(execute=True):
        author.display_name = "A. New Name"
        author.save()
    assert public_cache_generation() != before
