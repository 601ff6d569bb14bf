"""The newswire desk's lists in Chromium at 1280 px: every column on screen, the headline
readable (the fresh-eyes review found Event and Link off screen, headlines at 136 px)."""

import pytest

from .conftest import PageProblems, screenshot
from .test_admin_screens import staff_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

DESK_COLUMNS = ["headline", "source", "status", "published", "first_seen_at",
                "event_link", "link_out"]  # fmt: skip
EVENT_COLUMNS = ["title", "size", "first_item_at", "last_item_at"]


@pytest.fixture
def busy_desk():
    from newswire.models import Cluster, Item
    from newswire.tests.test_assist import make_item, make_source

    summary = "Officials said the measures would stay in place until further notice. " * 4
    items = [
        make_item(make_source(f"International Wire Service {n}"),
                  (f"Regional water board approves an extended flood defence plan {n}", summary),
                  minutes=n, published_guessed=n % 2 == 0)
        for n in range(6)
    ]  # fmt: skip
    cluster = Cluster.objects.create(title=items[0].title, language="en")
    Item.objects.filter(pk__in=[i.pk for i in items]).update(cluster=cluster, desk_placed=True)
    Cluster.objects.recount()


@pytest.mark.parametrize(("url", "columns", "first"), [
    ("/admin/newswire/item/", DESK_COLUMNS, "headline"),
    ("/admin/newswire/cluster/", EVENT_COLUMNS, "title"),
])  # fmt: skip
def test_the_desk_lists_fit_1280_px(browser, live_server, editor, busy_desk, url, columns, first):
    context = staff_context(browser, live_server, editor, 1280)
    page = context.new_page()
    problems = PageProblems(page)
    page.goto(live_server.url + url)
    results = page.locator("#changelist .results").bounding_box()
    right = min(
        page.evaluate("document.documentElement.clientWidth"), results["x"] + results["width"]
    )
    screenshot(page, "admin-" + url.strip("/").replace("/", "-"))
    widths = {}
    for column in columns:
        header = page.locator(f"#result_list thead th.column-{column}")
        assert header.is_visible(), f"{column} column is shown"
        cells = page.locator(f"#result_list tbody .field-{column}")
        widths[column] = header.bounding_box()
        for box in [header.bounding_box()] + [c.bounding_box() for c in cells.all()]:
            assert box["x"] >= 0 and box["x"] + box["width"] <= right + 0.5, (
                f"{column} is clipped at 1280 px: {box}, right edge {right}, {widths}"
            )
    width = page.locator(f"#result_list tbody .field-{first}").first.bounding_box()["width"]
    assert width >= 176, width  # was 136 px with every column squeezed
    context.close()
    assert problems.items == []
