"""The reader site's template helpers give the same answers as the models they stand in for."""

import pytest
from django.urls import set_script_prefix

from accounts.tests.factories import UserFactory
from aiblogger.jinja2 import page_url
from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_page_url_is_every_public_models_own_address():
    objects = [ArticleFactory(), SectionFactory(), TagFactory(), UserFactory()]
    for obj in objects:
        assert page_url(obj) == obj.get_absolute_url(), obj._meta.label


def test_page_url_follows_the_script_prefix_of_the_request():
    article = ArticleFactory()
    set_script_prefix("/news/")
    try:
        assert page_url(article) == article.get_absolute_url()
        assert page_url(article).startswith("/news/articles/")
    finally:
        set_script_prefix("/")
