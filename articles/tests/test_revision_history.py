"""The history logs only changes someone made: line endings are stored one way by
every writer, every story has a first version, and rows tell saves apart."""

import re

import pytest
import reversion
from django.core.management import call_command
from django.urls import reverse
from django.utils.timezone import localtime
from reversion.models import Version

from accounts.tests.factories import UserFactory
from articles.models import Article, Correction
from articles.publishing import article_unpublish
from articles.tests.admin_forms import article_form_data, change_url
from articles.tests.factories import ArticleFactory
from articles.tests.test_revision_compare import byline_rows, changed_fields, compare

pytestmark = pytest.mark.django_db

BODY = "First paragraph.\n\n## A heading\n\n- one\n- two\n"
CRLF = BODY.replace("\n", "\r\n")


def history_comments(article):
    return [v.revision.get_comment() for v in Version.objects.get_for_object(article)][::-1]


@pytest.mark.parametrize("endings", ["\r\n", "\r"])
def test_an_untouched_body_sent_back_with_browser_line_endings_is_not_a_change(
    client_for, editor, endings
):
    author = UserFactory(role="Author")
    article = ArticleFactory(published=True, authors=[author], body=BODY, standfirst="One.\nTwo.")
    with reversion.create_revision():
        article.save()
    client = client_for(editor)
    sent = {name: getattr(article, name).replace("\n", endings) for name in ("body", "standfirst")}
    edit = article_form_data(
        article, title="A new headline", **sent, **byline_rows(article, author)
    )
    assert client.post(change_url(article), edit).status_code == 302
    assert history_comments(article)[-1] == "Changed Title."
    assert changed_fields(compare(client, article)) == ["title"]
    article.refresh_from_db()
    assert article.body == BODY and article.standfirst == "One.\nTwo."


def test_a_correction_sent_back_with_browser_line_endings_is_not_a_change(client_for, editor):
    author = UserFactory(role="Author")
    article = ArticleFactory(published=True, authors=[author], body=BODY)
    correction = Correction.objects.create(article=article, note="Line one.\nLine two.")
    client = client_for(editor)
    edit = article_form_data(
        article,
        title="A new headline",
        **byline_rows(article, author),
        **{
            "corrections-TOTAL_FORMS": "1",
            "corrections-INITIAL_FORMS": "1",
            "corrections-0-id": str(correction.pk),
            "corrections-0-article": str(article.pk),
            "corrections-0-note": "Line one.\r\nLine two.",
            # The form sends the time back, and (a callable default) the time it showed.
            **{
                f"{prefix}corrections-0-noted_at_{n}": localtime(correction.noted_at).strftime(f)
                for prefix in ("", "initial-")
                for n, f in enumerate(("%Y-%m-%d", "%H:%M:%S"))
            },
        },
    )
    assert client.post(change_url(article), edit).status_code == 302
    assert history_comments(article)[-1] == "Changed Title."


def test_every_writer_stores_line_endings_as_newlines(editor):
    """Model saves (commands, imports, the newswire's drafts) and the publishing functions."""
    article = ArticleFactory(body=CRLF, standfirst="One.\r\nTwo.", title="Harbour\r")
    article.refresh_from_db()
    assert (article.body, article.standfirst, article.title) == (BODY, "One.\nTwo.", "Harbour\n")
    note = Correction.objects.create(article=article, note="A.\r\nB.\rC.")
    note.refresh_from_db()
    assert note.note == "A.\nB.\nC."


def test_a_demo_story_gets_a_first_version_when_it_is_first_edited(client_for, editor):
    call_command("seed_demo", articles=3, images=0, password="demo-password-long", verbosity=0)
    article = Article.objects.filter(status=Article.Status.PUBLISHED).with_bylines().first()
    original = article.title
    assert not Version.objects.get_for_object(article).exists()
    author = article.author_links.first().author
    client = client_for(editor)
    edit = article_form_data(
        article,
        title="A new headline",
        tag_choices=[str(pk) for pk in article.tags.values_list("pk", flat=True)],
        featured="on" if article.featured else None,
        **byline_rows(article, author),
    )
    assert client.post(change_url(article), edit).status_code == 302
    first, change = Version.objects.get_for_object(article)[::-1]
    assert first.field_dict["title"] == original
    assert "First version" in first.revision.get_comment()
    assert change.revision.get_comment() == "Changed Title."
    # It can be gone back to.
    revert = client.get(reverse("admin:articles_article_revision", args=[article.pk, first.pk]))
    assert revert.status_code == 200 and original in revert.content.decode()


def test_unpublishing_a_story_without_history_keeps_its_first_version(editor):
    article = ArticleFactory(published=True)
    article_unpublish(article=article, by=editor)
    first, change = Version.objects.get_for_object(article)[::-1]
    assert first.field_dict["status"] == Article.Status.PUBLISHED
    assert change.field_dict["status"] == Article.Status.DRAFT


def test_history_rows_show_the_time_to_the_second(client_for, editor):
    article = ArticleFactory(body=BODY)
    for title in ("One", "Two"):
        with reversion.create_revision():
            article.title = title
            article.save()
    history = client_for(editor).get(reverse("admin:articles_article_history", args=[article.pk]))
    times = re.findall(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d:\d\d", history.content.decode())
    assert len(times) == 2
