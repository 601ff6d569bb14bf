"""Chromium: an editor drafts from an event, sees attributed text and the copy guard,
rewrites, accepts a suggested tag and publishes; readers see sources and related stories."""

from datetime import timedelta

import pytest

from tests.browser.conftest import PageProblems, admin_sign_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Three reports of one decision, as wires write them: the same bank, governor, day and figure.
REPORTS = [
    (
        "Wire",
        "full",
        "Bank of Norland raises interest rates to 4.5%",
        "The Bank of Norland lifted its main interest rate by half a point to 4.5% on Tuesday. "
        "Governor Ada Lind said inflation had stayed too high for too long.",
    ),
    (
        "Daily",
        "summary",
        "Borrowing costs climb as Bank of Norland lifts rates to 4.5%",
        "Mortgage holders face higher repayments after the Bank of Norland raised interest "
        "rates to 4.5% on Tuesday. Governor Ada Lind called it the biggest rise in twenty years.",
    ),
    (
        "Headliner",
        "headline",
        "Bank of Norland rate rise to 4.5%: what it means for your mortgage",
        "Subscribers only: a private analysis of mortgage interest rates and the central bank.",
    ),
]
PUBLISHED = [
    (
        "Central bank holds interest rates steady",
        "The central bank kept interest rates unchanged, saying inflation was falling slowly.",
    ),
    (
        "Mortgage rates climb to a ten-year high",
        "Lenders raised mortgage rates after the "
        "central bank signalled that interest rates would stay high.",
    ),
    ("Local team reaches the cup final", "The club beat its rivals 2-0 to reach the cup final."),
]


def _run_worker():
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")


def test_an_editor_drafts_from_an_event_and_publishes(browser, live_server):
    from django.utils import timezone

    from accounts.tests.factories import UserFactory
    from articles.models import Article, Section, Tag
    from articles.tests.factories import ArticleFactory
    from newswire.models import Cluster, Item, Source

    editor = UserFactory(role="Editor", username="event-editor")
    business = Section.objects.create(name="Business", slug="business")
    economy = Tag.objects.create(name="Economy", slug="economy")
    sport = Tag.objects.create(name="Sport", slug="sport")
    now = timezone.now()
    for n, (title, text) in enumerate(PUBLISHED):
        article = ArticleFactory(
            title=title, standfirst=text, body=text, section=business, published=True,
            published_at=now - timedelta(days=2, minutes=n),
        )  # fmt: skip
        article.set_tags([sport] if "cup" in title else [economy])
    for n, (name, rights, title, text) in enumerate(REPORTS):
        source = Source.objects.create(
            name=name, feed_url=f"https://{name.lower()}.example/rss", rights=rights,
            section=business,
        )  # fmt: skip
        Item.objects.create(
            source=source, guid=str(n), guid_hash=str(n), title=title,
            url=f"https://{name.lower()}.example/rates", summary=text,
            content=f"<p>{text}</p>" if rights == "full" else "", text_hash=str(n),
            first_seen_at=now - timedelta(minutes=30 - n), published_at=now,
        )  # fmt: skip
    from newswire.tasks import assist_items_task

    assist_items_task.enqueue()
    _run_worker()  # the task worker: embeddings, events, extracts, article embeddings
    cluster = Cluster.objects.get(items__source__name="Wire")
    assert cluster.size == 3

    page = browser.new_page()
    problems = PageProblems(page)
    problems.expected_status[f"{live_server.url}/favicon.ico"] = 404
    admin_sign_in(page, live_server.url, editor, "/admin/newswire/cluster/")
    assert page.get_by_text("Wire, Daily, Headliner").is_visible()

    page.check(f"input[name=_selected_action][value='{cluster.pk}']")
    page.select_option("select[name=action]", "make_draft")
    page.click("button[name=index]")
    page.wait_for_url("**/admin/articles/article/*/change/")
    body = page.input_value("#id_body")
    assert "([Wire](https://wire.example/rates))" in body
    assert "Subscribers only" not in body  # headline-only: a link, never text
    warnings = page.locator(".prepublish-warnings").inner_text()
    assert "of its 8-word phrases with its sources" in warnings
    assert "Overlapping passages:" in warnings

    page.fill("#id_title", "Rate rise piles pressure on borrowers")
    page.fill("#id_standfirst", "Households with loans will pay more after the latest rise.")
    page.fill(
        "#id_body",
        "Borrowers will feel the latest rise in their monthly bills, and the bank hinted that "
        "more may come if prices keep climbing.\n\n## Sources\n\n"
        "- [Wire report](https://wire.example/rates), Wire",
    )
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    article = Article.objects.get(title="Rate rise piles pressure on borrowers")
    _run_worker()  # the saved draft's suggestions
    page.reload()
    assert "8-word phrases" not in page.content()
    page.get_by_role("button", name="Add tag “Economy”").click()
    page.wait_for_load_state()
    assert page.get_by_text("Tag “Economy” added.").is_visible()
    assert list(article.tags.values_list("name", flat=True)) == ["Economy"]

    page.select_option("#id_status", "published")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    article.refresh_from_db()
    assert article.is_published
    _run_worker()  # related stories for the published story

    page.goto(f"{live_server.url}{article.get_absolute_url()}")
    sources = page.locator(".story__sources a")
    assert sources.first.get_attribute("href") == "https://wire.example/rates"
    # The sources line up with the story's column, not with the page's edge.
    body, block = page.locator(".story__body").bounding_box(), page.locator(".story__sources")
    assert abs(block.bounding_box()["x"] - body["x"]) < 1
    related = page.locator(".related").inner_text()
    assert "Mortgage rates climb to a ten-year high" in related
    assert "Central bank holds interest rates steady" in related
    assert problems.items == []
