"""axe-core over the admin pages editors use every day: no serious or critical violations."""

import pytest

from .conftest import PageProblems
from .test_admin_screens import staff_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def violations(page, axe_source):
    """Serious and critical axe violations. Without axe's stylesheet preload: beside a
    frame (the Markdown preview) it fetches admin/css/forms.css's @import relative to
    the page, not to the stylesheet, and the admin answers that address with a 404."""
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations'], preload: false})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def desk(newsroom_site):
    """The newsroom (its stories' bodies have a heading, a quote and a list), a story that
    fills every part of the change form, and a wire item."""
    from django.utils import timezone

    from articles.models import Correction, PreviewLink
    from newswire.models import Item, Source

    story = newsroom_site["stories"][0]
    Correction.objects.get_or_create(article=story, note="The date was wrong.")
    PreviewLink.objects.create(article=story, expires_at=timezone.now() + timezone.timedelta(1))
    source = Source.objects.create(
        name="Harbour wire", feed_url="https://wire.example/rss", rights="summary",
        section=newsroom_site["section"],
    )  # fmt: skip
    item = Item.objects.create(
        source=source, guid="1", guid_hash="1", title="Ferries return to the harbour",
        url="https://wire.example/ferries", summary="Services resume on Monday.", text_hash="1",
    )  # fmt: skip
    return {"story": story, "item": item}


# Both schemes and both widths, in two rounds rather than four (about 15 s each).
@pytest.mark.parametrize(("scheme", "width"), [("light", 1280), ("dark", 390)])
def test_editors_admin_pages_have_no_serious_accessibility_violations(
    browser, live_server, editor, desk, axe_source, scheme, width
):
    story, item = desk["story"], desk["item"]
    pages = {
        "article list": "/admin/articles/article/",
        "article form": f"/admin/articles/article/{story.pk}/change/",
        "new article": "/admin/articles/article/add/",
        "wire items": "/admin/newswire/item/",
        "wire item": f"/admin/newswire/item/{item.pk}/change/",
        "events": "/admin/newswire/cluster/",
        "sources": "/admin/newswire/source/",
        "profile": "/admin/accounts/user/profile/",
    }
    # Injecting axe is an inline script, which the admin's CSP rightly forbids.
    context = staff_context(
        browser, live_server, editor, width, bypass_csp=True, color_scheme=scheme
    )
    page = context.new_page()
    problems = PageProblems(page)
    problems.expected_status[f"{live_server.url}/favicon.ico"] = 404
    found = {}
    for name, path in pages.items():
        page.goto(live_server.url + path)
        if name == "article form":  # the live preview, blockquote included, is on the page
            frame = page.frame_locator(".markdown-preview__frame")
            frame.locator(".story__body blockquote").first.wait_for(timeout=5000)
        found[name] = violations(page, axe_source)
    context.close()
    assert found == {name: [] for name in pages}
    assert problems.items == [], "\n".join(problems.items)
