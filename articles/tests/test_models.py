from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
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


def test_link_tables_list_exactly_what_published_lets_readers_see():
    tag, writer = TagFactory(), UserFactory(role="Author")
    for state in ({}, {"status": Article.Status.REVIEW}, {"scheduled": True}, {"published": True}):
        ArticleFactory(tags=[tag], authors=[writer], **state)
    withdrawn = ArticleFactory(published=True, tags=[tag], authors=[writer])
    withdrawn.status = Article.Status.DRAFT
    withdrawn.save()
    public = set(Article.objects.published().values_list("pk", flat=True))
    assert len(public) == 1
    for links in (ArticleTag.objects, ArticleAuthor.objects):
        assert set(links.published().values_list("article_id", flat=True)) == public


def test_tags_and_bylines_changed_through_the_article_carry_its_public_time():
    first, second = UserFactory(role="Author"), UserFactory(role="Author")
    article = ArticleFactory(published=True, authors=[first])
    article.set_tags([TagFactory(), TagFactory()])
    article.add_byline(second)
    assert [link.author for link in article.author_links.all()] == [first, second]
    article.set_bylines([second, first])
    assert [link.author for link in article.author_links.all()] == [second, first]
    links = [*ArticleTag.objects.filter(article=article), *article.author_links.all()]
    assert len(links) == 4
    assert {link.public_since for link in links} == {article.published_at}


def test_adding_tags_or_bylines_behind_the_articles_back_is_refused():
    article = ArticleFactory(published=True)
    tag, writer = TagFactory(), UserFactory(role="Author")
    attempts = [
        lambda: article.tags.add(tag),
        lambda: tag.articles.add(article),
        lambda: article.authors.add(writer),
        lambda: writer.articles.add(article),
        lambda: article.tags.set([tag]),
    ]
    for attempt in attempts:
        with pytest.raises(ValueError, match="set_tags"), transaction.atomic():
            attempt()
    assert not ArticleTag.objects.filter(tag=tag).exists()
    assert not ArticleAuthor.objects.filter(author=writer).exists()


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
