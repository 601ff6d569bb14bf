"""The newsroom admin in Chromium: the Markdown preview, the article list at two widths."""

import pytest
from django.conf import settings
from django.test import Client

from .conftest import PageProblems, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def staff_context(browser, live_server, user, width, **options):
    """A browser context logged in as `user` (the session made by Django's test client)."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context(viewport={"width": width, "height": 900}, **options)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    return context


def test_markdown_preview_shows_the_body_as_readers_will_see_it(browser, live_server, author):
    context = staff_context(browser, live_server, author, 1280)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(live_server.url + "/admin/articles/article/add/")
    preview = page.frame_locator(".markdown-preview__frame").locator(".story__body")
    page.locator("#id_body").fill(
        "## Tide tables\n\nFerries **return** on *Monday*.\n\n<script>alert(1)</script>"
    )
    preview.locator("h2", has_text="Tide tables").wait_for(timeout=5000)
    assert preview.locator("strong").inner_text() == "return"
    assert preview.locator("em").inner_text() == "Monday"
    assert preview.locator("script").count() == 0
    frame = page.locator(".markdown-preview__frame")
    box, editor = frame.bounding_box(), page.locator("#id_body").bounding_box()
    assert box["y"] >= editor["y"] + editor["height"] - 1, "the preview sits under the editor"
    page.locator("#id_body").fill("Now a *second* draft.")
    preview.locator("em", has_text="second").wait_for(timeout=5000)
    assert page.url.endswith("/admin/articles/article/add/"), "never leaves the form"
    screenshot(page, "admin-markdown-preview")
    context.close()
    assert problems.items == []  # a CSP refusal would show here as a console error


# What makes a heading and a list look as they do.
STYLE_PROPERTIES = (
    "font-family", "font-size", "font-weight", "font-style", "line-height", "color",
    "margin-top", "margin-bottom", "padding-left", "list-style-type", "display",
    "background-color", "border-left-width",
)  # fmt: skip
COMPUTED = """(elements) => elements.map((element) => {
    const style = getComputedStyle(element);
    return Object.fromEntries(PROPS.map((name) => [name, style.getPropertyValue(name)]));
})""".replace("PROPS", repr(list(STYLE_PROPERTIES)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_preview_looks_as_the_published_story_does(browser, live_server, editor, scheme):
    """A ## heading, a quote and a bullet list: the same computed styles in the admin's
    preview as on the public page (not the admin's blue module bar, no lost bullets)."""
    from articles.tests.factories import ArticleFactory

    body = "Intro.\n\n## Tide tables\n\n> Said the harbour master.\n\n- Ferries\n- Buses\n"
    article = ArticleFactory(published=True, body=body)
    context = staff_context(browser, live_server, editor, 1280, color_scheme=scheme)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(live_server.url + article.get_absolute_url())
    selectors = (
        ".story__body h2",
        ".story__body blockquote",
        ".story__body ul",
        ".story__body li",
    )
    published = {s: page.locator(s).evaluate_all(COMPUTED) for s in selectors}
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    preview = page.frame_locator(".markdown-preview__frame")
    preview.locator(".story__body li", has_text="Buses").wait_for(timeout=5000)
    previewed = {s: preview.locator(s).evaluate_all(COMPUTED) for s in selectors}
    context.close()
    assert published[".story__body li"][0]["display"] == "list-item"
    assert published[".story__body ul"][0]["list-style-type"] == "disc"
    assert previewed == published
    assert problems.items == []


def test_without_javascript_the_form_links_the_staff_preview(browser, live_server, author):
    from articles.tests.factories import ArticleFactory

    article = ArticleFactory(authors=[author], title="Draft about tides")
    context = staff_context(browser, live_server, author, 1280, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    assert page.locator(".markdown-preview").is_hidden()
    link = page.locator(".markdown-preview__fallback a")
    assert link.get_attribute("href") == article.get_absolute_url()
    page.goto(live_server.url + link.get_attribute("href"))
    assert "Draft about tides" in page.locator("h1").inner_text()
    context.close()


CHANGELIST_COLUMNS = {
    1280: ["title", "status_badge", "section", "byline", "published"],
    390: ["title", "status_badge", "published"],
}


@pytest.fixture
def busy_newsroom():
    """Stories with long headlines, long section names and two bylines each."""
    from datetime import timedelta

    from django.utils import timezone

    from accounts.tests.factories import UserFactory
    from articles.tests.factories import ArticleFactory, SectionFactory

    section = SectionFactory(name="Environment and climate", slug="environment")
    writers = [
        UserFactory(role="Author", display_name="Alexandra Featherstonehaugh"),
        UserFactory(role="Author", display_name="Bartholomew Okonkwo-Lindqvist"),
    ]
    for n in range(6):
        ArticleFactory(
            title=f"Regional water board approves an extended flood defence plan, part {n}",
            section=section,
            authors=writers,
            published=n % 2 == 0,
            scheduled=n == 1,
            featured=n == 0,
        )
    ArticleFactory(published=True, published_at=timezone.now() - timedelta(days=3))


@pytest.mark.parametrize("width", [1280, 390])
def test_article_list_columns_are_visible_and_not_clipped(
    browser, live_server, editor, busy_newsroom, width
):
    context = staff_context(browser, live_server, editor, width)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(live_server.url + "/admin/articles/article/")
    sidebar = page.locator("#nav-sidebar")
    assert sidebar.is_visible() == (width >= 1024), "open when wide, collapsed when narrow"
    viewport = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport, "no sideways page"
    for column in CHANGELIST_COLUMNS[width]:
        header = page.locator(f"#result_list thead th.column-{column}")
        assert header.is_visible(), f"{column} column is shown"
        cells = page.locator(f"#result_list tbody .field-{column}")
        for box in [header.bounding_box()] + [c.bounding_box() for c in cells.all()]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport + 0.5, (
                f"{column} is clipped at {width} px: {box}"
            )
    # The title links to the story and is readable, not squeezed to a sliver.
    title = page.locator("#result_list tbody .field-title").first.bounding_box()
    assert title["width"] >= (140 if width == 390 else 220)
    screenshot(page, "admin-article-list")
    context.close()
    assert problems.items == []


def test_on_a_phone_the_article_list_has_its_filters_near_the_top_and_dates_with_years(
    browser, live_server, editor
):
    """Forty stories from three years: the filters come before the rows, folded to
    their headings, and every date says its year."""
    from datetime import timedelta

    from django.utils import timezone

    from articles.tests.factories import ArticleFactory, SectionFactory

    sections = [SectionFactory(name=f"Section {n}") for n in range(6)]
    for n in range(40):
        ArticleFactory(
            published_ago=timedelta(days=27 * n), section=sections[n % 6], title=f"Story {n}"
        )
    context = staff_context(browser, live_server, editor, 390)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(live_server.url + "/admin/articles/article/")
    filters = page.locator("#changelist-filter")
    first_row = page.locator("#result_list tbody tr").first
    assert filters.bounding_box()["y"] < 400, "the filters are within the first screen"
    assert first_row.bounding_box()["y"] < 900, "and so are the first rows"
    status = page.locator("#changelist-filter details", has_text="By status")
    assert status.get_attribute("open") is None, "folded on a phone"
    status.locator("summary").click()
    status.get_by_role("link", name="Published").click()
    page.wait_for_url("**status__exact=published**")
    assert (
        page.locator("#changelist-filter details", has_text="By status").get_attribute("open")
        is not None
    ), "a filter in use stays open"
    dates = page.locator("#result_list tbody .field-published time").all_inner_texts()
    assert len(dates) == 40
    years = {int(text.split()[2]) for text in dates}
    this_year = timezone.localtime().year
    assert this_year in years and this_year - 2 in years
    screenshot(page, "admin-article-list-phone")
    context.close()
    assert problems.items == []
