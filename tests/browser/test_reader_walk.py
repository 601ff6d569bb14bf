"""A reader's walk through the site in a real browser, at phone and desktop widths."""

import pytest

from .conftest import WIDTHS, PageProblems, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_walks_home_article_section_tag_author_search(browser, newsroom_site, width):
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = PageProblems(page)
    base = newsroom_site["url"]

    page.goto(base + "/")
    assert page.locator("h1").first.inner_text()
    lead = page.locator(".lead .card__title a")
    assert "Probe finds ice on comet (part 1)" in lead.inner_text()
    screenshot(page, "home")

    lead.click()
    page.wait_for_load_state()
    assert page.locator("h1.story__title").inner_text() == "Probe finds ice on comet (part 1)"
    assert page.locator(".story__byline a").count() == 2
    assert "wrong date" in page.locator(".corrections").inner_text()
    assert page.locator(".related .card").count() == 4
    screenshot(page, "article")

    page.locator(".story__kicker a").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Science"
    assert page.locator(".card").count() == 6
    screenshot(page, "section")

    page.go_back()
    page.locator(".tag-list a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Space"
    screenshot(page, "tag")

    page.locator(".card__byline a", has_text="Ada Lovelace").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Ada Lovelace"
    assert "Science correspondent." in page.locator(".page-header").inner_text()
    screenshot(page, "author")

    page.locator("#site-search").fill("comet")
    page.locator("#site-search").press("Enter")
    page.wait_for_load_state()
    assert "/search/?q=comet" in page.url
    assert page.locator(".card").count() == 6
    screenshot(page, "search")

    context.close()
    assert problems.items == []


def test_no_page_needs_javascript_or_breaks_the_csp(browser, newsroom_site):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 800}
    )
    page = context.new_page()
    problems = PageProblems(page)
    story = newsroom_site["stories"][1]
    page.goto(newsroom_site["url"] + story.get_absolute_url())
    assert page.locator("h1.story__title").inner_text() == story.title
    assert "Fares fall and trams run later." in page.locator(".story__body").inner_text()
    context.close()
    assert problems.items == []


def test_keyboard_users_get_a_visible_skip_link(browser, newsroom_site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(newsroom_site["url"] + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    box = page.locator(".skip-link").bounding_box()
    assert box["y"] >= 0, "the focused skip link is on screen"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    context.close()


def test_404_page_in_the_browser(browser, newsroom_site):
    context = browser.new_context(viewport={"width": 390, "height": 800})
    page = context.new_page()
    problems = PageProblems(page)
    url = newsroom_site["url"] + "/articles/no-such-story/"
    problems.expected_status[url] = 404
    response = page.goto(url)
    assert response.status == 404
    assert "find that page" in page.locator("h1").inner_text()
    screenshot(page, "404")
    context.close()
    assert problems.items == []
