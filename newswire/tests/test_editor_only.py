"""A newswire draft's editor-only scaffolding (the headline candidates, the "Reports differ"
note) never goes out: the rewrite confirmation overrides the copy guard and the
source-headline warning, not these. And an author drafting an event or items someone else
already drafted stays on the desk, told whose draft it is, linked only when they may open it."""

from datetime import timedelta

import pytest
import reversion.models
from django.urls import reverse
from django.utils import timezone

from articles import publishing
from articles.models import Article
from articles.tests.admin_forms import article_form_data, change_url, changelist_url
from newswire import drafts
from newswire.tests.test_drafts import flood_event

pytestmark = pytest.mark.django_db

EVENTS = "/admin/newswire/cluster/"
DESK = "/admin/newswire/item/"
CANDIDATES = "still has the editor-only section “Headline candidates"
DIFFER = "still has the editor-only note “Reports differ"


@pytest.fixture
def event(db):
    """Two reports of a flood that differ on the toll: a draft gets both kinds of scaffolding."""
    cluster, first, follow = flood_event()
    return {"cluster": cluster, "items": [first, follow]}


def _draft(event, by):
    cluster = event["cluster"]
    return drafts.make_draft(items=event["items"], by=by, digest=cluster.digest)


def _without_candidates(body):
    return body.split(drafts.CANDIDATES_HEADING)[0].strip()


def _without_notes(body):
    return "\n\n".join(p for p in body.split("\n\n") if drafts.DIFFER_LEAD not in p)


def _rewritten(article, **extra):
    """The form's data with a headline and standfirst of our own, published over the box."""
    fields = {
        "title": "Valbruna mourns as the flood toll climbs",
        "standfirst": "Officials now count 21 dead; schools stay shut.",
        "status": "published", "published_at_0": "2026-01-05", "published_at_1": "10:00:00",
        "rewrite_acknowledged": "on",
    }  # fmt: skip
    return article_form_data(article, **{**fields, **extra})


def test_the_drafter_writes_the_markers_the_check_reads(editor, event):
    article = _draft(event, editor)
    for part in drafts.EDITOR_ONLY:
        assert part.written in article.body
        assert part.pattern.search(part.written)
    assert drafts.editor_only_left(article) == [part.refusal for part in drafts.EDITOR_ONLY]
    # Found after light editing too; ordinary prose is not.
    assert drafts.editor_only_left(Article(body="### Headline Candidates\n\n- One"))
    assert drafts.editor_only_left(Article(body="Reports differ: nine or 21."))
    assert not drafts.editor_only_left(Article(body="The reports differed on the toll."))


@pytest.mark.parametrize("role", ["author", "editor"])
def test_the_box_does_not_publish_the_scaffolding(client_for, request, role, event):
    user = request.getfixturevalue(role)
    article = _draft(event, user)
    client = client_for(user)
    response = client.post(change_url(article), _rewritten(article))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not published: The body" in page and CANDIDATES in page and DIFFER in page
    assert "delete that heading and the source headlines listed under it" in page
    assert Article.objects.get().status == Article.Status.DRAFT

    body = _without_candidates(article.body)  # one left: still refused, naming that one
    page = client.post(change_url(article), _rewritten(article, body=body)).content.decode()
    assert CANDIDATES not in page and DIFFER in page
    assert Article.objects.get().status == Article.Status.DRAFT

    response = client.post(change_url(article), _rewritten(article, body=_without_notes(body)))
    assert response.status_code == 302
    assert Article.objects.get().status == Article.Status.PUBLISHED


def test_scheduling_is_refused_the_same(client_for, author, event):
    article = _draft(event, author)
    future = timezone.localtime() + timedelta(days=3)
    data = _rewritten(article, published_at_0=future.strftime("%Y-%m-%d"))
    response = client_for(author).post(change_url(article), data)
    assert response.status_code == 200 and CANDIDATES in response.content.decode()
    assert Article.objects.get().status == Article.Status.DRAFT


def test_a_published_story_cannot_take_the_scaffolding_back(client_for, editor, event):
    article = _draft(event, editor)
    body = _without_notes(_without_candidates(article.body))
    client = client_for(editor)
    assert client.post(change_url(article), _rewritten(article, body=body)).status_code == 302
    article.refresh_from_db()
    data = article_form_data(article, body=body + "\n\n" + drafts.CANDIDATES_HEADING + "\n\n- X")
    response = client.post(change_url(article), data)
    assert response.status_code == 200 and CANDIDATES in response.content.decode()
    assert drafts.CANDIDATES_HEADING not in Article.objects.get().body


def test_the_list_action_refuses_and_says_what_to_delete(client_for, editor, event):
    article = _draft(event, editor)
    Article.objects.filter(pk=article.pk).update(title="Valbruna mourns")
    response = client_for(editor).post(
        changelist_url(),
        {"action": "publish_now", "_selected_action": [article.pk], "index": 0},
        follow=True,
    )
    page = response.content.decode()
    assert "was not published: " in page and CANDIDATES in page and DIFFER in page
    assert "Open it and delete that text first." in page and "0 article(s) published" in page
    assert Article.objects.get().status == Article.Status.DRAFT


def test_publishing_in_code_is_refused_with_no_confirmation_offered(editor, event):
    article = _draft(event, editor)
    with pytest.raises(publishing.PublishRefused) as refused:
        publishing.article_publish(article=article, by=editor)
    assert not refused.value.confirmable
    assert Article.objects.get().status == Article.Status.DRAFT


def _act(client, url, action, selected):
    data = {"action": action, "_selected_action": selected, "index": 0}
    return client.post(url, data)


def test_an_author_drafting_an_editors_event_stays_on_the_list(client_for, author, editor, event):
    cluster = event["cluster"]
    response = _act(client_for(editor), EVENTS, "make_draft", [cluster.pk])
    draft = Article.objects.get()
    assert response["Location"] == change_url(draft)

    client = client_for(author)
    response = _act(client, EVENTS, "make_draft", [cluster.pk])
    assert response.status_code == 302 and response["Location"].startswith(EVENTS)
    page = client.get(response["Location"]).content.decode()
    assert f"“Floods” was already drafted: “{draft.title}” by {editor}" in page
    assert "not yours to open: ask them" in page
    assert change_url(draft) not in page
    assert Article.objects.count() == 1

    # The editor, who may open it, is taken to it.
    response = _act(client_for(editor), EVENTS, "make_draft", [cluster.pk])
    assert response["Location"] == change_url(draft)
    assert change_url(draft) in client.get(EVENTS).content.decode()


def test_the_items_desk_says_the_same(client_for, author, editor, event):
    first, follow = event["items"]
    response = _act(client_for(editor), DESK, "make_draft", [first.pk, follow.pk])
    draft = Article.objects.get()
    assert response["Location"] == change_url(draft)

    client = client_for(author)
    response = _act(client, DESK, "make_draft", [first.pk, follow.pk])  # the same items
    assert response.status_code == 302 and response["Location"].startswith(DESK)
    page = client.get(response["Location"]).content.decode()
    assert f"These items were already drafted: “{draft.title}” by {editor}" in page
    assert "No second made." in page and change_url(draft) not in page
    assert Article.objects.count() == 1

    # Another selection is another story, made, with the overlap named.
    response = _act(client, DESK, "make_draft", [follow.pk])
    new = Article.objects.exclude(pk=draft.pk).get()
    assert response["Location"] == change_url(new)
    page = client.get(response["Location"]).content.decode()
    assert f"Some of these items are also in “{draft.title}” by {editor}" in page
    assert change_url(draft) not in page


def test_a_revision_restore_cannot_bring_the_scaffolding_out(client_for, editor, event):
    article = _draft(event, editor)
    body = _without_notes(_without_candidates(article.body))
    client = client_for(editor)
    assert client.post(change_url(article), _rewritten(article, body=body)).status_code == 302
    first = reversion.models.Version.objects.get_for_object(article).last()  # the draft as made
    assert drafts.CANDIDATES_HEADING in first.field_dict["body"]
    restore_url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    data = _rewritten(article, body=first.field_dict["body"])
    response = client.post(restore_url, data)
    assert response.status_code == 200 and CANDIDATES in response.content.decode()
    assert drafts.CANDIDATES_HEADING not in Article.objects.get().body  # rolled back


@pytest.fixture
def old_stories(editor, event):
    """Published before the check: one with both kinds of scaffolding, one lightly edited
    (another heading level), a clean one, and a draft that still has it (not out)."""
    from articles.tests.factories import ArticleFactory

    body = _draft(event, editor).body
    return {
        "both": ArticleFactory(published=True, title="Flood toll climbs", body=body),
        "edited": ArticleFactory(
            published=True, title="Bridge reopens", body="Text.\n\n### headline candidates\n- A"
        ),
        "clean": ArticleFactory(
            published=True, title="Reports differed", body="The reports differed on the toll."
        ),
    }


def test_a_command_lists_published_stories_that_still_carry_it(old_stories):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("editor_only_left", stdout=out)
    lines = out.getvalue().splitlines()
    both, edited = old_stories["both"], old_stories["edited"]
    assert lines == [
        f"{change_url(both)}  “Flood toll climbs”: the “Headline candidates” section, "
        "a “Reports differ” note",
        f"{change_url(edited)}  “Bridge reopens”: the “Headline candidates” section",
        "2 published or scheduled story(ies) still carry editor-only text: open each, "
        "delete it, save.",
    ]
    Article.objects.filter(status=Article.Status.PUBLISHED).update(body="Clean now.")
    out = StringIO()
    call_command("editor_only_left", stdout=out)
    assert out.getvalue() == "No published or scheduled story carries editor-only text.\n"
