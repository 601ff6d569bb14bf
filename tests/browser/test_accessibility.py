"""axe-core in headless Chromium: no serious or critical violations, light or dark."""

import pytest

from .conftest import PageProblems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def violations(page, axe_source):
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_reader_pages_have_no_serious_accessibility_violations(
    browser, newsroom_site, axe_source, scheme, width
):
    base = newsroom_site["url"]
    pages = {
        "home": "/",
        "article": newsroom_site["stories"][0].get_absolute_url(),
        "section": newsroom_site["section"].get_absolute_url(),
        "search": "/search/?q=comet",
        "404": "/articles/no-such-story/",
    }
    # Injecting axe is an inline script, which the site's CSP rightly forbids.
    context = browser.new_context(
        bypass_csp=True, color_scheme=scheme, viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    problems = PageProblems(page)
    problems.expected_status[base + pages["404"]] = 404
    found = {}
    for name, path in pages.items():
        page.goto(base + path)
        assert page.evaluate("document.documentElement.lang") == "en"
        found[name] = violations(page, axe_source)
    context.close()
    assert found == {name: [] for name in pages}
    assert problems.items == []
