"""The section menu at phone width stays one line with 20 sections, and works without JS."""

import pytest

from .conftest import PageProblems, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def twenty_sections(live_server):
    from articles.tests.factories import ArticleFactory, SectionFactory

    sections = [
        SectionFactory(name=name, slug=f"s{n}", position=n)
        for n, name in enumerate(
            ["News", "Politics", "Business", "Science", "Culture", "Sport", "Health",
             "Education", "Technology", "Environment", "Opinion", "Travel", "Food",
             "Property", "Motoring", "Obituaries", "Letters", "Weather", "Puzzles",
             "Local government"]
        )
    ]  # fmt: skip
    ArticleFactory(published=True, title="Harbour reopens after the storm", section=sections[0])
    return sections


def test_twenty_sections_fold_into_one_line_on_a_phone(browser, live_server, twenty_sections):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(live_server.url + "/")
    nav = page.locator("nav.section-nav")
    assert nav.bounding_box()["height"] <= 48, "one line, however many sections"
    lead = page.locator(".card__title a").first
    assert lead.bounding_box()["y"] < 800, "the news starts on the first screen"
    menu = nav.locator("details")
    assert not nav.get_by_role("link", name="Weather").is_visible()
    menu.locator("summary").click()
    links = nav.get_by_role("link")
    visible = [link for link in links.all() if link.is_visible()]
    assert len(visible) == 20
    assert nav.bounding_box()["height"] <= 10 * 40 + 48, "two columns when open"
    screenshot(page, "section-menu-open")
    nav.get_by_role("link", name="Weather").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Weather"
    assert "Weather" in nav.locator("summary").inner_text()  # where you are, while folded
    context.close()
    assert problems.items == []


def test_wide_screens_show_the_sections_as_a_row(browser, live_server, twenty_sections):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(live_server.url + "/")
    nav = page.locator("nav.section-nav")
    assert nav.locator("details").is_hidden()
    assert nav.get_by_role("link", name="Politics").is_visible()
    context.close()
