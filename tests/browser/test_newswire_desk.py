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


def test_an_editor_splits_an_event_from_its_page_and_moves_an_item_into_another(
    browser, live_server
):
    from accounts.tests.factories import UserFactory
    from newswire.models import Cluster, Item, Source

    editor = UserFactory(role="Editor", username="desk-splitter")
    source = Source.objects.create(name="Wire", feed_url="https://wire.example/rss")
    mixed = Cluster.objects.create(title="Volcano erupts in Iceland", size=3)
    other = Cluster.objects.create(title="Ferry strike ends", size=1)
    items = {
        title: Item.objects.create(
            source=source, guid=title, guid_hash=title[:64], title=title, text_hash=title[:64],
            cluster=cluster,
        )  # fmt: skip
        for title, cluster in [
            ("Volcano erupts in Iceland", mixed), ("Lava reaches the sea", mixed),
            ("Ferry crews vote to return", mixed), ("Ferry strike ends", other),
        ]
    }  # fmt: skip

    page = browser.new_page()
    problems = PageProblems(page)
    problems.expected_status[f"{live_server.url}/favicon.ico"] = 404
    admin_sign_in(page, live_server.url, editor, f"/admin/newswire/cluster/{mixed.pk}/change/")
    page.click("text=This event's items on the desk")
    page.wait_for_url(f"**/admin/newswire/item/?cluster={mixed.pk}")
    assert "Ferry strike ends" not in page.content()
    ferry = items["Ferry crews vote to return"]
    page.check(f"input[name=_selected_action][value='{ferry.pk}']")
    page.select_option("select[name=action]", "move_to_event")
    page.fill("input[name=event]", f"{live_server.url}/admin/newswire/cluster/{other.pk}/change/")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert page.get_by_text("1 item(s) moved to the event").is_visible()
    assert Item.objects.get(pk=ferry.pk).cluster_id == other.pk

    lava = items["Lava reaches the sea"]
    page.check(f"input[name=_selected_action][value='{lava.pk}']")
    page.select_option("select[name=action]", "move_to_new_event")
    page.click("button[name=index]")
    page.wait_for_load_state()
    page.click("ul.messagelist >> text=“Lava reaches the sea”")
    page.wait_for_url("**/admin/newswire/cluster/*/change/")
    new = Item.objects.get(pk=lava.pk).cluster
    assert new.pk not in {mixed.pk, other.pk} and new.title == "Lava reaches the sea"
    assert page.url.endswith(f"/admin/newswire/cluster/{new.pk}/change/")
    assert Cluster.objects.get(pk=mixed.pk).size == 1
    [listed] = page.locator(".field-items_list li").all_inner_texts()
    assert listed.startswith("Wire — Lava reaches the sea") and "placed by an editor" in listed

    # The events list marks the events an editor placed reports in, and filters them.
    page.goto(f"{live_server.url}/admin/newswire/cluster/?items=all")
    page.click("#changelist-filter >> text=Yes")
    page.wait_for_url("**placed=yes**")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 2
    assert not any("Volcano erupts" in row for row in rows.all_inner_texts())
    assert sorted(page.locator(".event-placed").all_inner_texts()) == ["1 of 1", "1 of 2"]

    # Given back to the machine from the new event's items on the desk.
    page.goto(f"{live_server.url}/admin/newswire/item/?cluster={new.pk}")
    assert page.locator(".desk-placed").all_inner_texts() == ["placed by an editor"]
    page.check(f"input[name=_selected_action][value='{lava.pk}']")
    page.select_option("select[name=action]", "give_back")
    page.click("button[name=index]")
    page.wait_for_load_state()
    assert page.get_by_text("1 item(s) given back to the machine").is_visible()
    assert not Item.objects.get(pk=lava.pk).desk_placed
    assert problems.items == []
