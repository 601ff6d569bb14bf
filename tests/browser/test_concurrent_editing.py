"""Two editors on one story in Chromium: nobody's work is lost (aiblogger/concurrency.py)."""

import pytest

from .conftest import PageProblems, screenshot
from .test_admin_screens import staff_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def story():
    from articles.tests.factories import ArticleFactory

    return ArticleFactory(
        published=True, title="Ferries return to the harbour", body="First paragraph."
    )


def test_a_stale_save_keeps_the_typed_text_shows_theirs_and_reapplies(
    browser, live_server, story, editor
):
    from accounts.tests.factories import UserFactory
    from articles.models import Article

    other = UserFactory(role="Editor", display_name="Bea Other")
    url = f"{live_server.url}/admin/articles/article/{story.pk}/change/"
    mine, theirs = (
        staff_context(browser, live_server, user, 1280).new_page() for user in (editor, other)
    )
    problems = PageProblems(mine)
    mine.goto(url)
    theirs.goto(url)
    theirs.locator(".concurrency-presence li").filter(has_text="is editing this since").wait_for(
        timeout=5000
    )  # presence: the first editor is shown to the second

    theirs.fill("#id_title", "Ferries return after the storm")
    theirs.click("input[name=_save]")
    theirs.wait_for_url("**/admin/articles/article/")

    typed = "First paragraph.\n\nA second paragraph typed by the first editor."
    mine.fill("#id_body", typed)
    mine.click("input[name=_save]")
    conflict = mine.locator(".concurrency-conflict")
    conflict.wait_for(timeout=5000)
    assert "Not saved" in conflict.inner_text()
    assert "Bea Other" in conflict.inner_text()
    assert "after the storm" in conflict.inner_text()  # their change, shown
    assert mine.input_value("#id_body") == typed  # the typed text, kept
    saved = Article.objects.get(pk=story.pk)
    assert (saved.title, saved.body) == ("Ferries return after the storm", "First paragraph.")
    screenshot(mine, "admin-stale-save-refused")

    mine.click("button[name=_reapply]")
    mine.wait_for_url("**/admin/articles/article/")
    saved = Article.objects.get(pk=story.pk)
    body = saved.body.replace("\r\n", "\n")  # browsers post CRLF; the line-ending fix is elsewhere
    assert (saved.title, body) == ("Ferries return after the storm", typed)
    assert problems.items == []  # a CSP refusal would show as a console error


def test_autosave_then_restore_after_the_tab_is_closed(
    browser, live_server, story, editor, settings
):
    from accounts.models import Autosave
    from articles.models import Article

    settings.AUTOSAVE_SECONDS = 1  # 30 in use

    url = f"{live_server.url}/admin/articles/article/{story.pk}/change/"
    context = staff_context(browser, live_server, editor, 1280)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(url)
    typed = "First paragraph.\n\nWritten just before the browser crashed."
    page.fill("#id_body", typed)
    page.locator(".concurrency-autosave-status", has_text="Autosaved at").wait_for(timeout=8000)
    assert problems.items == []
    context.close()  # the tab is gone; nothing was saved
    assert Article.objects.get(pk=story.pk).body == "First paragraph."
    assert Autosave.objects.filter(user=editor).count() == 1

    page = staff_context(browser, live_server, editor, 1280).new_page()
    page.goto(url)
    offer = page.locator(".concurrency-autosave")
    assert "Written just before the browser crashed." in offer.inner_text()  # the difference
    assert page.input_value("#id_body") == "First paragraph."  # nothing applied unasked
    screenshot(page, "admin-autosave-offer")
    page.click("text=Restore my unsaved changes")
    restored = page.input_value("#id_body")
    assert restored.replace("\r\n", "\n") == typed, repr(restored)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/article/")
    assert Article.objects.get(pk=story.pk).body.replace("\r\n", "\n") == typed
    assert not Autosave.objects.exists()


def test_without_javascript_the_form_still_saves(browser, live_server, story, editor):
    from articles.models import Article

    context = staff_context(browser, live_server, editor, 1280, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.fill("#id_title", "Saved without JavaScript")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/article/")
    assert Article.objects.get(pk=story.pk).title == "Saved without JavaScript"
