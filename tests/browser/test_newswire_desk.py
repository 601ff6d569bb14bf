"""An editor makes a draft from the newswire desk in Chromium, rewrites the headline, publishes."""

import pytest

from tests.browser.conftest import PageProblems, admin_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_an_editor_makes_a_draft_from_the_desk_and_publishes_it(browser, live_server):
    from accounts.tests.factories import UserFactory
    from articles.models import Article
    from articles.tests.factories import SectionFactory
    from newswire.models import Item, Source

    editor = UserFactory(role="Editor", username="desk-editor")
    section = SectionFactory(name="World", slug="world")
    source = Source.objects.create(
        name="Summariser", feed_url="https://summariser.example/rss", rights="summary",
        section=section,
    )  # fmt: skip
    item = Item.objects.create(
        source=source, guid="1", guid_hash="1", title="Volcano erupts in Iceland",
        url="https://summariser.example/volcano", summary="Lava reached the sea overnight.",
        text_hash="1",
    )  # fmt: skip

    page = browser.new_page()
    problems = PageProblems(page)
    # Django's admin pages link no icon, so Chromium asks for /favicon.ico.
    problems.expected_status[f"{live_server.url}/favicon.ico"] = 404
    admin_sign_in(page, live_server.url, editor, "/admin/newswire/item/")
    assert page.get_by_text("Volcano erupts in Iceland").is_visible()

    page.check(f"input[name=_selected_action][value='{item.pk}']")
    page.select_option("select[name=action]", "make_draft")
    page.click("button[name=index]")
    page.wait_for_url("**/admin/articles/article/*/change/")
    assert page.get_by_text("The headline is still the headline of Summariser").is_visible()
    assert page.input_value("#id_title") == "Volcano erupts in Iceland"

    page.fill("#id_title", "Iceland's volcano reaches the sea")
    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    assert "The headline is still" not in page.content()

    article = Article.objects.get()
    assert article.is_published and list(article.authors.all()) == [editor]
    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    sources = page.locator(".story__sources a")
    assert sources.get_attribute("href") == "https://summariser.example/volcano"
    assert "Lava reached the sea overnight." in page.locator(".story__standfirst").inner_text()
    assert problems.items == []
