"""Every newsroom role's allowed and refused actions, through the admin over HTTP."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from articles.models import Article
from articles.tests.admin_forms import add_url, article_form_data, change_url, changelist_url
from articles.tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def run_action(client, action, articles):
    return client.post(
        changelist_url(),
        {"action": action, "_selected_action": [a.pk for a in articles], "index": 0},
    )


def test_contributor_creates_a_draft_with_their_own_byline(client_for, contributor):
    response = client_for(contributor).post(add_url(), article_form_data())
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert list(article.authors.all()) == [contributor]
    assert article.slug == "harbour-reopens-after-storm"


def test_contributor_cannot_publish_by_posting_the_status(client_for, contributor):
    response = client_for(contributor).post(add_url(), article_form_data(status="published"))
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_contributor_cannot_publish_own_draft_by_direct_post(client_for, contributor):
    article = ArticleFactory(authors=[contributor])
    response = client_for(contributor).post(
        change_url(article), article_form_data(article, status="published")
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()


def test_contributor_status_choices_exclude_published(client_for, contributor):
    article = ArticleFactory(authors=[contributor])
    response = client_for(contributor).get(change_url(article))
    assert response.status_code == 200
    choices = [value for value, _ in response.context["adminform"].form.fields["status"].choices]
    assert choices == ["draft", "review"]


def test_contributor_cannot_open_or_post_to_someone_elses_article(client_for, contributor):
    article = ArticleFactory(title="Someone else's scoop")
    client = client_for(contributor)
    assert client.get(change_url(article)).status_code == 404
    response = client.post(change_url(article), article_form_data(article, title="Defaced"))
    assert response.status_code == 404
    article.refresh_from_db()
    assert article.title == "Someone else's scoop"


def test_contributor_cannot_edit_own_article_once_published(client_for, contributor):
    article = ArticleFactory(authors=[contributor], published=True, title="Out already")
    response = client_for(contributor).post(
        change_url(article), article_form_data(article, title="Quietly changed")
    )
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.title == "Out already"


def test_contributor_list_shows_only_own_articles(client_for, contributor):
    ArticleFactory(authors=[contributor], title="Mine about the tram")
    ArticleFactory(title="Theirs about the bridge")
    response = client_for(contributor).get(changelist_url())
    assert b"Mine about the tram" in response.content
    assert b"Theirs about the bridge" not in response.content


def test_contributor_cannot_use_publish_or_feature_actions(client_for, contributor):
    article = ArticleFactory(authors=[contributor])
    client = client_for(contributor)
    for action in ("publish_now", "feature"):
        run_action(client, action, [article])
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.featured is False
    response = client.get(changelist_url())
    actions = [v for v, _ in response.context["action_form"].fields["action"].choices]
    assert "publish_now" not in actions
    assert "submit_for_review" in actions


def test_contributor_cannot_set_featured_or_time_by_direct_post(client_for, contributor):
    article = ArticleFactory(authors=[contributor])
    client_for(contributor).post(
        change_url(article),
        article_form_data(
            article, featured="on", published_at_0="2020-01-01", published_at_1="10:00:00"
        ),
    )
    article.refresh_from_db()
    assert article.featured is False
    assert article.published_at is None


def test_contributor_submits_own_draft_for_review(client_for, contributor):
    article = ArticleFactory(authors=[contributor])
    response = run_action(client_for(contributor), "submit_for_review", [article])
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.REVIEW


def test_contributor_cannot_delete_someone_elses_article(client_for, contributor):
    article = ArticleFactory()
    url = reverse("admin:articles_article_delete", args=[article.pk])
    response = client_for(contributor).post(url, {"post": "yes"})
    assert response.status_code == 404
    assert Article.objects.filter(pk=article.pk).exists()


def test_contributor_may_delete_own_draft(client_for, contributor):
    article = ArticleFactory(authors=[contributor])
    url = reverse("admin:articles_article_delete", args=[article.pk])
    response = client_for(contributor).post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not Article.objects.filter(pk=article.pk).exists()


def test_contributor_cannot_read_history_or_compare_of_others(client_for, contributor):
    article = ArticleFactory()
    client = client_for(contributor)
    history = reverse("admin:articles_article_history", args=[article.pk])
    assert client.get(history).status_code == 404
    compare = reverse("admin:articles_article_compare", args=[article.pk])
    assert client.get(compare, {"version_id1": 1, "version_id2": 2}).status_code == 404
    recover = reverse("admin:articles_article_recoverlist")
    assert client.get(recover).status_code == 403


def test_author_publishes_own_article(client_for, author):
    article = ArticleFactory(authors=[author])
    response = client_for(author).post(
        change_url(article), article_form_data(article, status="published")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_published
    assert article.first_published_at is not None


def test_author_unpublishes_own_article_with_the_action(client_for, author):
    article = ArticleFactory(authors=[author], published=True)
    run_action(client_for(author), "unpublish", [article])
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not Article.objects.published().exists()


def test_author_cannot_publish_someone_elses_article_by_action(client_for, author):
    article = ArticleFactory()
    run_action(client_for(author), "publish_now", [article])
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_author_cannot_open_someone_elses_article(client_for, author):
    article = ArticleFactory(published=True)
    client = client_for(author)
    assert client.get(change_url(article)).status_code == 404
    response = client.post(change_url(article), article_form_data(article, status="draft"))
    assert response.status_code == 404
    article.refresh_from_db()
    assert article.is_published


def test_author_schedules_an_article_for_later(client_for, author):
    article = ArticleFactory(authors=[author])
    response = client_for(author).post(
        change_url(article),
        article_form_data(
            article, status="published", published_at_0="2999-01-01", published_at_1="09:00:00"
        ),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.is_scheduled
    assert not Article.objects.published().exists()


def test_editor_publishes_and_features_anyones_article(client_for, editor):
    article = ArticleFactory()
    client = client_for(editor)
    run_action(client, "publish_now", [article])
    run_action(client, "feature", [article])
    article.refresh_from_db()
    assert article.is_published
    assert article.featured


def test_editor_edits_anyones_article_and_keeps_their_byline(client_for, editor):
    writer = UserFactory(role="Author")
    article = ArticleFactory(authors=[writer])
    response = client_for(editor).post(
        change_url(article), article_form_data(article, title="Sharper headline")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "Sharper headline"
    assert list(article.authors.all()) == [writer]


def test_reader_without_staff_status_cannot_enter_the_admin(client_for):
    reader = UserFactory()
    response = client_for(reader).get(add_url())
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_author_autocomplete_lists_newsroom_names_to_contributors(client_for, contributor):
    UserFactory(display_name="Reader Rita")  # not staff: never offered as a byline
    colleague = UserFactory(role="Author", display_name="Colleague Carla")
    response = client_for(contributor).get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "articleauthor", "field_name": "author"},
    )
    assert response.status_code == 200
    names = [r["text"] for r in response.json()["results"]]
    assert "Colleague Carla" in names
    assert "Reader Rita" not in names
    assert str(colleague.pk) in [r["id"] for r in response.json()["results"]]


def test_contributor_cannot_browse_the_user_list(client_for, contributor):
    response = client_for(contributor).get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 403


def test_article_list_shows_bylines_in_their_order(client_for, editor):
    lead = UserFactory(role="Author", username="zoe", display_name="Zoe Lead")
    second = UserFactory(role="Author", username="adam", display_name="Adam Second")
    ArticleFactory(authors=[lead, second])
    response = client_for(editor).get(changelist_url())
    assert "Zoe Lead, Adam Second" in response.content.decode()


def test_contributor_deleting_a_published_story_among_drafts_is_told_why(client_for, contributor):
    """Not Django's "would result in deleting related objects" page: nothing is deleted,
    and the message names the story that is out."""
    draft = ArticleFactory(authors=[contributor], title="Own draft")
    live = ArticleFactory(authors=[contributor], published=True, title="Own live story")
    response = run_action(client_for(contributor), "delete_selected", [draft, live])
    assert response.status_code == 302
    page = client_for(contributor).get(response.url).text
    assert "Nothing deleted: “Own live story” is published or scheduled" in page
    assert "related objects" not in page
    assert Article.objects.count() == 2
    # Their drafts alone: Django's confirmation, then deleted.
    response = run_action(client_for(contributor), "delete_selected", [draft])
    assert "Are you sure you want to delete the selected article?" in response.text
    client_for(contributor).post(
        changelist_url(),
        {"action": "delete_selected", "_selected_action": [draft.pk], "post": "yes"},
    )
    assert list(Article.objects.all()) == [live]


@pytest.mark.parametrize("role", ["contributor", "author", "editor"])
def test_recover_deleted_articles_is_offered_only_to_editors(client_for, request, role):
    client = client_for(request.getfixturevalue(role))
    page = client.get(changelist_url()).text
    recover = reverse("admin:articles_article_recoverlist")
    assert (recover in page) == (role == "editor")
    assert client.get(recover).status_code == (200 if role == "editor" else 403)


@pytest.mark.parametrize("role", ["contributor", "author"])
def test_a_writer_is_offered_no_delete_box_for_their_own_byline(client_for, request, role):
    """Saving puts a writer's own byline back, so the form offers no box that would not
    delete it; a co-author's byline keeps its box, and an editor gets every box."""
    writer, colleague = request.getfixturevalue(role), UserFactory(role="Author")
    article = ArticleFactory(authors=[writer, colleague])
    page = client_for(writer).get(change_url(article)).text
    assert 'type="checkbox" name="author_links-0-DELETE"' not in page
    assert 'type="checkbox" name="author_links-1-DELETE"' in page
    data = article_form_data(article, **{"author_links-0-DELETE": "on"})
    assert client_for(writer).post(change_url(article), data).status_code == 302
    assert list(article.authors.all()) == [writer, colleague]
    page = client_for(request.getfixturevalue("editor")).get(change_url(article)).text
    assert 'type="checkbox" name="author_links-0-DELETE"' in page
