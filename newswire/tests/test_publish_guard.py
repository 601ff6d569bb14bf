"""The copy guard and the source-headline warning stop a plain Publish on every path; the
editor may publish over them only by confirming the rewrite, and the history records it."""

import pytest
import reversion.models
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from articles.models import Article
from articles.tests.admin_forms import article_form_data, change_url, changelist_url
from newswire.drafts import make_draft
from newswire.models import Item, Source

pytestmark = pytest.mark.django_db

COPIED = (
    "The harbour authority said the northern pier will stay closed for repairs until the "
    "end of March after storm damage. Ferries will use the southern terminal meanwhile, and "
    "passengers should allow an extra thirty minutes for the walk from the station."
)


@pytest.fixture
def draft(editor):
    source = Source.objects.create(
        name="Coast Wire", feed_url="https://coast.example/rss", rights="full"
    )
    item = Item.objects.create(
        source=source, guid="1", guid_hash="1", title="Northern pier closed until March",
        url="https://coast.example/pier", summary=COPIED, content=f"<p>{COPIED}</p>",
        text_hash="1",
    )  # fmt: skip
    return make_draft(items=[item], by=editor)


def _publish(client, article, **extra):
    data = article_form_data(
        article, status="published", published_at_0="2026-01-05", published_at_1="10:00:00",
        **extra,
    )  # fmt: skip
    return client.post(change_url(article), data)


def test_the_change_form_refuses_a_plain_publish_with_the_reason(client_for, editor, draft):
    client = client_for(editor)
    page = client.get(change_url(draft)).content.decode()
    assert "I have rewritten this story in the newsroom&#x27;s own words" in page
    response = _publish(client, draft)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not published:" in page and "The headline is still the headline of Coast Wire" in page
    assert "8-word phrases" in page
    assert Article.objects.get().status == Article.Status.DRAFT


def test_publishing_over_the_warnings_needs_the_box_and_is_in_the_history(
    client_for, editor, draft
):
    response = _publish(client_for(editor), draft, rewrite_acknowledged="on")
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.PUBLISHED
    entry = LogEntry.objects.filter(object_id=str(draft.pk)).latest("action_time")
    message = entry.get_change_message()
    assert "I have rewritten this story in the newsroom's own words" in message
    assert "The headline is still the headline of Coast Wire" in message
    comment = reversion.models.Version.objects.get_for_object(draft).first().revision.comment
    assert "I have rewritten this story" in comment


def test_the_list_action_refuses_with_the_reason(client_for, editor, draft):
    client = client_for(editor)
    response = client.post(
        changelist_url(),
        {"action": "publish_now", "_selected_action": [draft.pk], "index": 0},
        follow=True,
    )
    page = response.content.decode()
    assert "was not published: " in page and "headline of Coast Wire" in page
    assert "0 article(s) published" in page
    assert Article.objects.get().status == Article.Status.DRAFT


def test_a_rewritten_draft_publishes_plainly(client_for, editor, draft):
    response = _publish(
        client_for(editor), draft,
        title="Ferry passengers face a longer walk this winter",
        standfirst="Storm repairs move sailings to the south side.",
        body="Repairs to the storm-hit pier move every sailing to the southern terminal "
        "until spring, the port says.",
    )  # fmt: skip
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.PUBLISHED


def test_stories_without_newswire_sources_publish_as_before(client_for, editor):
    from articles.tests.factories import ArticleFactory

    article = ArticleFactory(status=Article.Status.DRAFT)
    client = client_for(editor)
    assert "I have rewritten" not in client.get(change_url(article)).content.decode()
    response = client.post(
        changelist_url(), {"action": "publish_now", "_selected_action": [article.pk], "index": 0}
    )
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.PUBLISHED


def test_restoring_a_published_revision_of_a_draft_needs_the_box_too(client_for, editor, draft):
    """django-reversion reverts the row before the form is cleaned, so the restore looked
    like an edit of a story already out and published it over the warnings."""
    client = client_for(editor)
    assert _publish(client, draft, rewrite_acknowledged="on").status_code == 302
    published = reversion.models.Version.objects.get_for_object(draft).first()
    draft.refresh_from_db()
    data = article_form_data(draft, status="draft")
    assert client.post(change_url(draft), data).status_code == 302
    assert Article.objects.get().status == Article.Status.DRAFT

    restore_url = reverse("admin:articles_article_revision", args=[draft.pk, published.pk])
    draft.refresh_from_db()
    restore = article_form_data(
        draft, status="published", published_at_0="2026-01-05", published_at_1="10:00:00"
    )
    response = client.post(restore_url, restore)
    assert response.status_code == 200
    assert "Not published:" in response.content.decode()
    assert Article.objects.get().status == Article.Status.DRAFT  # rolled back, nothing saved

    response = client.post(restore_url, {**restore, "rewrite_acknowledged": "on"})
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.PUBLISHED
