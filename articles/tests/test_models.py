from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleAuthor, ArticleTag
from articles.tests.factories import ArticleFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_published_shows_only_live_articles():
    live = ArticleFactory(published=True)
    ArticleFactory()  # draft
    ArticleFactory(status=Article.Status.REVIEW)
    ArticleFactory(scheduled=True)
    assert list(Article.objects.published()) == [live]


def test_scheduled_article_goes_live_when_its_time_passes_without_any_job():
    article = ArticleFactory(scheduled=True)
    assert not Article.objects.published().exists()
    Article.objects.filter(pk=article.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert list(Article.objects.published()) == [article]


def test_publishing_without_a_time_means_now():
    article = ArticleFactory()
    article.status = Article.Status.PUBLISHED
    article.save()
    assert article.published_at <= timezone.now()
    assert article.is_published


def test_draft_and_scheduled_articles_are_not_found_by_readers(client):
    for article in (ArticleFactory(), ArticleFactory(scheduled=True)):
        assert client.get(article.get_absolute_url()).status_code == 404


def test_slug_comes_from_the_title_and_gets_numbered_suffixes():
    first = ArticleFactory(title="Storm closes the harbour")
    second = ArticleFactory(title="Storm closes the harbour")
    third = ArticleFactory(title="Storm closes the harbour!")
    assert [first.slug, second.slug, third.slug] == [
        "storm-closes-the-harbour",
        "storm-closes-the-harbour-2",
        "storm-closes-the-harbour-3",
    ]


def test_a_title_without_latin_letters_still_gets_a_slug():
    assert ArticleFactory(title="🎉🎉").slug == "article"


def test_draft_slug_follows_the_title_and_keeps_the_old_one():
    article = ArticleFactory(title="Council to vote")
    article.title = "Council votes yes"
    article.save()
    assert article.slug == "council-votes-yes"
    assert list(article.old_slugs.values_list("slug", flat=True)) == ["council-to-vote"]


def test_slug_is_frozen_once_published():
    article = ArticleFactory(title="Bridge reopens", published=True)
    article.title = "Bridge reopens after two years of repairs"
    article.save()
    assert article.slug == "bridge-reopens"


def test_a_numbered_variant_is_not_mistaken_for_a_longer_title():
    article = ArticleFactory(title="Election results")
    article.title = "Election"
    article.save()
    assert article.slug == "election"


def test_old_slug_redirects_permanently_to_the_current_url(client):
    article = ArticleFactory(title="Mayor resigns")
    article.title = "Mayor resigns after inquiry"
    article.save()
    article.status = Article.Status.PUBLISHED
    article.save()
    response = client.get("/articles/mayor-resigns/")
    assert response.status_code == 301
    assert response["Location"] == article.get_absolute_url()


def test_old_slugs_are_never_reused_by_another_article():
    article = ArticleFactory(title="Flood warning")
    article.title = "Flood warning lifted"
    article.save()
    newcomer = ArticleFactory(title="Flood warning")
    assert newcomer.slug == "flood-warning-2"


def test_emoji_round_trip_through_the_database():
    title = "Launch day 🚀 for the city’s first tram 🚋"
    body = "Crowds cheered 🎉 as the tram left the depot. 日本語も大丈夫。"
    article = ArticleFactory(title=title, body=body, standfirst="Finally 🙌")
    fresh = Article.objects.get(pk=article.pk)
    assert (fresh.title, fresh.body, fresh.standfirst) == (title, body, "Finally 🙌")
    assert "🎉" in fresh.body_html


@pytest.mark.skipif(connection.vendor != "mysql", reason="utf8mb4 is a MySQL/MariaDB concern")
def test_mysql_tables_use_utf8mb4():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_collation FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = 'articles_article'"
        )
        (collation,) = cursor.fetchone()
        cursor.execute("SELECT @@character_set_connection, @@sql_mode")
        charset, sql_mode = cursor.fetchone()
    assert collation.startswith("utf8mb4")
    assert charset == "utf8mb4"
    assert "STRICT_TRANS_TABLES" in sql_mode


def test_link_tables_follow_the_articles_public_time():
    tag = TagFactory()
    article = ArticleFactory(tags=[tag])
    assert ArticleTag.objects.get(article=article).public_since is None
    article.status = Article.Status.PUBLISHED
    article.save()
    assert ArticleTag.objects.get(article=article).public_since == article.published_at
    assert ArticleAuthor.objects.get(article=article).public_since == article.published_at
    article.status = Article.Status.DRAFT
    article.save()
    assert ArticleTag.objects.get(article=article).public_since is None


def test_reading_time_is_at_least_a_minute():
    assert ArticleFactory(body="Short.").reading_time == 1
    assert ArticleFactory(body="word " * 1000).reading_time == 5


def test_prepublish_warnings_name_the_problems():
    article = ArticleFactory(standfirst="", section=None, meta_title="x" * 80)
    warnings = " ".join(article.prepublish_warnings())
    assert "no standfirst" in warnings
    assert "No section" in warnings
    assert "80 characters" in warnings
    assert ArticleFactory(meta_title="").prepublish_warnings() == []


def test_invisible_control_characters_are_removed_on_save():
    article = ArticleFactory(title="Budget\x08 agreed\x00", body="Line one\x1b.\n\nLine two.")
    article.refresh_from_db()
    assert article.title == "Budget agreed"
    assert article.body == "Line one.\n\nLine two."


def test_a_lost_image_file_never_breaks_the_pages(client):
    article = ArticleFactory(published=True, title="Picture gone")
    Article.objects.filter(pk=article.pk).update(
        featured_image="articles/2020/01/vanished.jpg",
        featured_image_width=None,
        featured_image_height=None,
    )
    loaded = Article.objects.get(pk=article.pk)  # must not open the file
    assert loaded.renditions() == []
    assert client.get("/").status_code == 200
    assert client.get(article.get_absolute_url()).status_code == 200
