"""No lost work: every admin write of shared newsroom data checks the version it started from."""

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.forms import CheckboxInput, FileInput, MultiWidget
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Autosave, User
from accounts.tests.factories import UserFactory
from aiblogger.concurrency import ConcurrentAdmin, StaleEdit
from articles.models import Article, Correction, Section, Tag
from articles.publishing import article_publish
from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory
from newswire.models import Source

from .admin_forms import article_form_data, change_url, changelist_url

# Registered admins that edit nothing shared by editors, and why.
NOT_SHARED_EDITING = {
    "auth.Group": "roles are made by migrations; no editor edits them",
    "newswire.Item": "every field is read-only on the desk",
    "newswire.Cluster": "every field is read-only on the desk",
    "axes.AccessAttempt": "security log, written by django-axes",
    "axes.AccessLog": "security log, written by django-axes",
    "axes.AccessFailureLog": "security log, written by django-axes",
    "django_tasks_database.DBTaskResult": "task results, written by the worker",
}


def signed_in(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def form_data(response):
    """What a browser would post back from an admin change form as it was rendered."""
    data = {"_save": "Save"}
    forms = [response.context["adminform"].form]
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        forms.append(formset.management_form)
        forms.extend(formset.forms)
    for form in forms:
        for field in form:
            widget = field.field.widget
            value = field.value()
            if field.field.disabled or isinstance(widget, FileInput):
                continue
            if isinstance(widget, MultiWidget):
                parts = value if isinstance(value, list) else widget.decompress(value)
                for suffix, part in zip(widget.widgets_names, parts, strict=True):
                    data[field.html_name + suffix] = "" if part is None else str(part)
            elif isinstance(widget, CheckboxInput):
                if value:
                    data[field.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[field.html_name] = [str(v) for v in value]
            else:
                data[field.html_name] = "" if value is None else str(value)
    return data


def make_source():
    return Source.objects.create(name="Harbour Gazette", feed_url="https://harbour.example/rss")


def harbour_items(count=2):
    """Newswire items of one new source, seen now: what two editors draft from."""
    from newswire.models import Item

    source, now = make_source(), timezone.now()
    return [
        Item.objects.create(
            source=source, guid=f"g{n}", guid_hash=f"h{n}", url=f"https://harbour.example/{n}",
            title=f"Ferries {n}", summary="", text_hash=f"t{n}", first_seen_at=now,
        )
        for n in range(count)
    ]  # fmt: skip


# model label -> (make an object, a text field an editor changes)
SHARED = {
    "articles.Article": (lambda: ArticleFactory(title="Harbour reopens"), "title"),
    "articles.Section": (lambda: SectionFactory(name="Harbour"), "name"),
    "articles.Tag": (lambda: TagFactory(name="Ferries"), "name"),
    "newswire.Source": (make_source, "name"),
    "accounts.User": (lambda: UserFactory(role="Author", first_name="Rosa"), "first_name"),
}


def test_every_admin_that_edits_shared_data_checks_versions():
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        if label in NOT_SHARED_EDITING:
            continue
        assert isinstance(model_admin, ConcurrentAdmin), (
            f"{label}'s admin edits shared data without aiblogger.concurrency.ConcurrentAdmin"
        )
        assert label in SHARED, f"add {label} to SHARED so its stale save is tested"


@pytest.mark.parametrize("label", sorted(SHARED))
def test_a_stale_save_is_refused_with_the_input_kept_then_reapplied(label, db):
    make, field = SHARED[label]
    obj = make()
    model = type(obj)
    boss = UserFactory(is_superuser=True, is_staff=True, display_name="Boss")
    other = UserFactory(is_superuser=True, is_staff=True, display_name="Bea Other")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    mine, theirs = signed_in(boss), signed_in(other)
    my_form = form_data(mine.get(url))
    their_form = form_data(theirs.get(url))

    their_form[field] = "Their newer value"
    assert theirs.post(url, their_form).status_code == 302
    my_form[field] = "My typed value"
    refused = mine.post(url, my_form)

    page = refused.content.decode()
    assert refused.status_code == 200 and "Not saved" in page
    assert "My typed value" in page  # the typed input is kept
    assert "Bea Other" in page  # who changed it since
    assert getattr(model.objects.get(pk=obj.pk), field) == "Their newer value"
    reapply = re.search(r'name="_reapply" value="(\d+)"', page).group(1)
    assert mine.post(url, {**my_form, "_reapply": reapply}).status_code == 302
    assert getattr(model.objects.get(pk=obj.pk), field) == "My typed value"


def test_reapply_keeps_their_change_where_the_editor_changed_nothing(editor, db):
    article = ArticleFactory(title="Old title", body="First paragraph.")
    other = UserFactory(role="Editor", display_name="Bea Other")
    a, b = signed_in(editor), signed_in(other)
    opened = form_data(a.get(change_url(article)))  # A opens the form
    assert b.post(change_url(article), article_form_data(article, title="B's title")).status_code
    assert Article.objects.get(pk=article.pk).title == "B's title"

    typed = {**opened, "body": "First paragraph.\n\nA's new paragraph."}
    refused = a.post(change_url(article), typed)
    page = refused.content.decode()
    assert "Not saved" in page and "A&#x27;s new paragraph." in page
    assert "B&#x27;s title" in page  # what B changed, field by field
    current = Article.objects.get(pk=article.pk).version
    assert a.post(change_url(article), {**typed, "_reapply": current}).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert (saved.title, saved.body) == ("B's title", "First paragraph.\n\nA's new paragraph.")


def test_reapply_keeps_their_tags_where_the_editor_left_the_tags_alone(editor, db):
    weather, ferries = TagFactory(name="Weather"), TagFactory(name="Ferries")
    article = ArticleFactory(title="Old title", body="First paragraph.", tags=[weather])
    other = UserFactory(role="Editor", display_name="Bea Other")
    a, b = signed_in(editor), signed_in(other)
    opened = form_data(a.get(change_url(article)))  # A opens the form with [Weather]
    their = article_form_data(article, tag_choices=[weather.pk, ferries.pk])
    assert b.post(change_url(article), their).status_code == 302
    assert set(article.tags.all()) == {weather, ferries}

    typed = {**opened, "body": "First paragraph.\n\nA's new paragraph."}
    assert a.post(change_url(article), typed).status_code == 200  # refused: stale
    current = Article.objects.get(pk=article.pk).version
    assert a.post(change_url(article), {**typed, "_reapply": current}).status_code == 302
    saved = Article.objects.get(pk=article.pk)
    assert saved.body == "First paragraph.\n\nA's new paragraph."
    assert set(saved.tags.all()) == {weather, ferries}  # B's tag is not taken away


def test_a_refused_save_writes_nothing_not_even_inlines_or_tags(editor, db):
    article = ArticleFactory(title="Ferries", body="Text.")
    tag = TagFactory(name="Weather")
    opened = article_form_data(article)
    Article.objects.filter(pk=article.pk).update(version=article.version + 1)  # someone saved
    data = {
        **opened,
        "title": "Mine",
        "tag_choices": [tag.pk],
        "corrections-TOTAL_FORMS": "1",
        "corrections-0-note": "A correction typed by A.",
    }
    assert signed_in(editor).post(change_url(article), data).status_code == 200
    article.refresh_from_db()
    assert article.title == "Ferries"
    assert not article.tags.exists() and not Correction.objects.filter(article=article).exists()


def test_a_form_without_a_version_is_refused(editor, db):
    article = ArticleFactory(title="Ferries")
    data = article_form_data(article, title="Blind write")
    data.pop("concurrency_version")
    assert signed_in(editor).post(change_url(article), data).status_code == 200
    assert Article.objects.get(pk=article.pk).title == "Ferries"


def test_a_stale_instance_cannot_overwrite_a_newer_save(editor, db):
    article = ArticleFactory(title="Ferries")
    stale = Article.objects.get(pk=article.pk)
    fresh = Article.objects.get(pk=article.pk)
    fresh.title = "Corrected"
    fresh.save()
    with pytest.raises(StaleEdit):
        article_publish(article=stale, by=editor)  # a command or API holding an old copy
    saved = Article.objects.get(pk=article.pk)
    assert (saved.title, saved.status) == ("Corrected", Article.Status.DRAFT)


def test_a_log_in_or_a_feed_poll_is_not_an_edit(db):
    user = UserFactory(role="Author")
    version = user.version
    Client().force_login(user)  # writes last_login
    assert User.objects.get(pk=user.pk).version == version
    source = make_source()
    polled = Source.objects.get(pk=source.pk)  # the poller's copy
    edited = Source.objects.get(pk=source.pk)
    edited.name = "Harbour Gazette (renamed)"
    edited.save()
    polled.last_polled_at = timezone.now()
    polled.save(update_fields=Source.concurrency_exempt)  # no StaleEdit, no rename undone
    saved = Source.objects.get(pk=source.pk)
    assert (saved.name, saved.version) == ("Harbour Gazette (renamed)", edited.version)


def _shown_versions(page):
    return re.findall(r'name="_versions" value="([^"]+)"', page)


def test_list_actions_skip_rows_changed_since_the_list_was_shown(editor, db):
    kept = ArticleFactory(title="Untouched story")
    changed = ArticleFactory(title="Story edited meanwhile")
    client = signed_in(editor)
    shown = _shown_versions(client.get(changelist_url()).content.decode())
    assert f"{changed.pk}:{changed.version}" in shown
    meanwhile = Article.objects.get(pk=changed.pk)
    meanwhile.body = "Someone else's edit."
    meanwhile.save()

    response = client.post(
        changelist_url(),
        {"action": "publish_now", ACTION_CHECKBOX_NAME: [kept.pk, changed.pk], "_versions": shown},
        follow=True,
    )
    page = response.content.decode()
    assert "Skipped “Story edited meanwhile”" in page
    assert Article.objects.get(pk=kept.pk).is_published
    assert not Article.objects.get(pk=changed.pk).is_published


def test_featuring_from_the_list_is_an_edit_that_stales_open_forms(editor, db):
    article = ArticleFactory(title="Ferries")
    client = signed_in(editor)
    opened = article_form_data(article)
    shown = _shown_versions(client.get(changelist_url()).content.decode())
    client.post(
        changelist_url(),
        {"action": "feature", ACTION_CHECKBOX_NAME: [article.pk], "_versions": shown},
    )
    assert Article.objects.get(pk=article.pk).featured
    assert client.post(change_url(article), opened).status_code == 200  # refused
    assert Article.objects.get(pk=article.pk).featured


def test_list_editable_rows_changed_since_are_refused(db):
    boss = UserFactory(is_superuser=True, is_staff=True)
    section = SectionFactory(name="Harbour", position=1)
    client = signed_in(boss)
    url = reverse("admin:articles_section_changelist")
    shown = _shown_versions(client.get(url).content.decode())
    Section.objects.filter(pk=section.pk).update(position=5, version=section.version + 1)
    data = {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000", "form-0-id": section.pk, "form-0-position": "2",
        "_save": "Save", "_versions": shown,
    }  # fmt: skip
    assert client.post(url, data).status_code == 200
    assert Section.objects.get(pk=section.pk).position == 5


def test_accepting_a_suggestion_on_a_stale_form_is_refused(editor, db):
    from newswire.models import ArticleAssist

    article = ArticleFactory(title="Ferries")
    economy = TagFactory(name="Economy")
    ArticleAssist.objects.create(article=article, suggestions={"tags": [{"id": economy.pk}]})
    client = signed_in(editor)
    page = client.get(change_url(article)).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    meanwhile = Article.objects.get(pk=article.pk)
    meanwhile.title = "Ferries run again"
    meanwhile.save()

    accept = reverse("admin:newswire_accept_suggestion", args=[article.pk])
    response = client.post(accept, {"tag": economy.pk, "version": version}, follow=True)
    assert "Nothing accepted" in response.content.decode()
    assert not article.tags.exists()
    fresh = str(Article.objects.get(pk=article.pk).version)
    client.post(accept, {"tag": economy.pk, "version": fresh})
    assert list(article.tags.all()) == [economy]
    assert Article.objects.get(pk=article.pk).version > int(fresh)  # tags are content


def test_restoring_a_revision_over_a_newer_save_is_refused(editor, db):
    client = signed_in(editor)
    article = ArticleFactory(title="First headline", body="Version one.")
    client.get(change_url(article))  # opening the form keeps this version as a revision
    client.post(change_url(article), article_form_data(article, title="Second headline"))
    from reversion.models import Version

    first = Version.objects.get_for_object(article).order_by("pk").first()
    revert_url = reverse("admin:articles_article_revision", args=[article.pk, first.pk])
    opened = form_data(client.get(revert_url))
    assert opened["title"] == "First headline"
    client.post(change_url(article), article_form_data(article, title="Third headline"))

    refused = client.post(revert_url, opened)
    assert refused.status_code == 200 and "Not saved" in refused.content.decode()
    assert Article.objects.get(pk=article.pk).title == "Third headline"


def test_make_a_draft_twice_from_the_same_items_gives_one_draft(editor, db):
    from newswire.drafts import make_draft

    items = harbour_items()
    client = signed_in(editor)
    url = reverse("admin:newswire_item_changelist")
    post = {"action": "make_draft", ACTION_CHECKBOX_NAME: [i.pk for i in items]}
    first = client.post(url, post)
    second = client.post(url, post, follow=True)
    assert Article.objects.count() == 1
    draft = Article.objects.get()
    assert first["Location"] == change_url(draft)
    assert "These items were already drafted" in second.content.decode()
    assert make_draft(items=items, by=editor).pk == draft.pk


# --- presence and autosave over HTTP ------------------------------------------------
def test_an_open_form_shows_who_else_is_editing(editor, db):
    article = ArticleFactory(title="Ferries")
    other = UserFactory(role="Editor", display_name="Bea Other")
    signed_in(other).get(change_url(article))
    page = signed_in(editor).get(change_url(article)).content.decode()
    assert re.search(r"Bea Other is editing this since \d\d:\d\d", page)
    presence = reverse("admin:articles_article_presence", args=[article.pk])
    signed_in(other).post(presence, {"leave": "1"})
    assert "Bea Other" not in signed_in(editor).get(change_url(article)).content.decode()


def test_autosave_is_private_offered_with_a_diff_restored_and_gone_after_a_save(editor, db):
    article = ArticleFactory(title="Ferries", body="First paragraph.")
    client = signed_in(editor)
    autosave = reverse("admin:articles_article_autosave", args=[article.pk])
    typed = article_form_data(article, body="First paragraph.\n\nUnsaved second paragraph.")
    assert client.post(autosave, typed).status_code == 200
    assert Autosave.objects.filter(user=editor).count() == 1

    page = client.get(change_url(article)).content.decode()
    assert "You have unsaved changes from" in page and "Unsaved second paragraph." in page
    reader_view = signed_in(UserFactory(role="Editor")).get(change_url(article))
    assert "Unsaved second paragraph." not in reader_view.content.decode()
    assert (
        "Unsaved second paragraph."
        not in Client().get(article.get_absolute_url()).content.decode()
    )

    restored = client.get(change_url(article) + "?autosave=restore")
    assert restored.context["adminform"].form["body"].value().endswith("Unsaved second paragraph.")
    assert client.post(change_url(article), typed).status_code == 302
    assert not Autosave.objects.exists()


def test_old_autosaves_are_not_offered(editor, db):
    article = ArticleFactory(title="Ferries")
    client = signed_in(editor)
    autosave = reverse("admin:articles_article_autosave", args=[article.pk])
    client.post(autosave, article_form_data(article, title="Typed long ago"))
    Autosave.objects.update(saved_at=timezone.now() - timedelta(days=30))
    assert "Typed long ago" not in client.get(change_url(article)).content.decode()


def test_presence_and_autosave_need_change_permission(author, db):
    article = ArticleFactory(title="Someone else's draft")
    client = signed_in(author)
    for name in ("presence", "autosave"):
        url = reverse(f"admin:articles_article_{name}", args=[article.pk])
        assert client.post(url, {"title": "x"}).status_code in (403, 404)
    assert not Autosave.objects.exists()
    assert Tag.objects.count() == 0


def test_reapply_keeps_their_inline_edit_where_the_editor_left_the_row(editor, db):
    article = ArticleFactory(title="Ferries", body="Text.")
    Correction.objects.create(article=article, note="An earlier version gave the wrong day.")
    other = UserFactory(role="Editor", display_name="Bea Other")
    a, b = signed_in(editor), signed_in(other)
    mine = form_data(a.get(change_url(article)))
    theirs = form_data(b.get(change_url(article)))
    theirs["corrections-0-note"] = "An earlier version gave the wrong day and port."
    assert b.post(change_url(article), theirs).status_code == 302

    mine["body"] = "Text, with more."
    page = a.post(change_url(article), mine).content.decode()
    current = re.search(r'name="_reapply" value="(\d+)"', page).group(1)
    assert a.post(change_url(article), {**mine, "_reapply": current}).status_code == 302
    article.refresh_from_db()
    assert article.body == "Text, with more."
    assert article.corrections.get().note == "An earlier version gave the wrong day and port."


def test_the_refusal_shows_their_text_as_text(editor, db):
    article = ArticleFactory(title="Ferries")
    a, b = signed_in(editor), signed_in(UserFactory(role="Editor"))
    mine = form_data(a.get(change_url(article)))
    b.post(
        change_url(article),
        form_data(b.get(change_url(article))) | {"title": "<img src=x onerror=alert(1)>"},
    )
    page = a.post(change_url(article), mine | {"body": "Mine."}).content.decode()
    assert "Not saved" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_an_autosave_can_be_discarded_without_javascript(editor, db):
    article = ArticleFactory(title="Ferries")
    client = signed_in(editor)
    autosave = reverse("admin:articles_article_autosave", args=[article.pk])
    client.post(autosave, article_form_data(article, title="Typed, then regretted"))
    page = client.get(change_url(article)).content.decode()
    assert f'formaction="{autosave}"' in page and 'name="discard"' in page
    response = client.post(autosave, {**article_form_data(article), "discard": "1"})
    assert response.status_code == 302 and response["Location"] == change_url(article)
    assert not Autosave.objects.exists()


def test_a_stale_profile_save_is_refused_with_the_input_kept(db):
    me = UserFactory(role="Author", display_name="Rosa Marchetti", bio="Harbour.")
    editor = UserFactory(role="Editor")
    url = reverse("admin:accounts_user_my_profile")
    mine = signed_in(me)
    opened = mine.get(url).context["form"]["concurrency_version"].value()
    theirs = signed_in(editor)
    colleague = reverse("admin:accounts_user_profile", args=[me.pk])
    version = theirs.get(colleague).context["form"]["concurrency_version"].value()
    data = {"display_name": "Rosa Marchetti", "bio": "Covers the harbour and the ferries."}
    assert theirs.post(colleague, {**data, "concurrency_version": version}).status_code == 302

    mine_typed = {"display_name": "Rosa M.", "bio": "Harbour.", "concurrency_version": opened}
    page = mine.post(url, mine_typed).content.decode()
    assert "Not saved" in page and 'value="Rosa M."' in page
    assert User.objects.get(pk=me.pk).bio == "Covers the harbour and the ferries."
    current = re.search(r'name="_reapply" value="(\d+)"', page).group(1)
    assert mine.post(url, {**mine_typed, "_reapply": current}).status_code == 302
    saved = User.objects.get(pk=me.pk)
    assert (saved.display_name, saved.bio) == ("Rosa M.", "Covers the harbour and the ferries.")
