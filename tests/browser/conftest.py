"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright."""

import importlib.util
import os
from datetime import timedelta
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
WIDTHS = (390, 1280)

# Playwright's sync API keeps an event loop in this thread; the ORM calls made
# by the tests themselves are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def require(condition, reason):
    """Skip when a browser tool is missing, but fail in CI, where it must be there."""
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: browser tests may not be skipped)")
    pytest.skip(reason)


@pytest.fixture
def browser(transactional_db):
    """Chromium for one test, started after the database is ready.

    Playwright's sync API runs an event loop in this thread; started before the
    test database is set up, it would hide the restored newsroom roles from the
    test (Django keeps connections per async context).
    """
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - requirements-dev.txt installs it
        require(False, "the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def axe_source():
    """The path of axe-core's axe.min.js, as shipped by the axe-playwright-python wheel.

    The one place the browser tests get axe from; the file is part of the
    installed package, so nothing is downloaded when a test injects it.
    """
    try:
        spec = importlib.util.find_spec("axe_playwright_python")
    except ImportError:  # pragma: no cover
        spec = None
    path = Path(spec.origin).parent / "axe.min.js" if spec and spec.origin else None
    require(
        path is not None and path.exists(),
        "axe-core is missing: pip install -r requirements-dev.txt (axe-playwright-python)",
    )
    return path


class PageProblems:
    """Console errors, uncaught exceptions and failed requests seen by a page."""

    def __init__(self, page):
        self.items = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.items.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        self.expected_status = {}

    def _console(self, message):
        if message.type != "error":
            return
        # Chromium also logs the error status of a page we asked for on purpose.
        expected = self.expected_status.get(message.location.get("url"))
        if expected and f"status of {expected}" in message.text:
            return
        self.items.append(f"console: {message.text}")

    def _failed(self, request):
        # The browser cancels what a page still loads (its favicon, say) when
        # the test navigates or reloads: that is not a fault of the site.
        # Error statuses arrive as responses and are caught in _response.
        if request.failure == "net::ERR_ABORTED":
            return
        self.items.append(f"failed: {request.url} {request.failure}")

    def _response(self, response):
        expected = self.expected_status.get(response.url)
        if response.status >= 400 and response.status != expected:
            self.items.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture
def newsroom_site(live_server):
    """A small live newsroom: two sections, tags, two authors, a dozen stories."""
    from accounts.tests.factories import UserFactory
    from articles.models import Correction
    from articles.tests.factories import ArticleFactory, SectionFactory, TagFactory

    politics = SectionFactory(name="Politics", slug="politics", position=1)
    science = SectionFactory(
        name="Science", slug="science", position=2, description="Discoveries and research."
    )
    budget, space = (
        TagFactory(name="Budget", slug="budget"),
        TagFactory(name="Space", slug="space"),
    )
    ada = UserFactory(role="Author", display_name="Ada Lovelace", bio="Science correspondent.")
    tom = UserFactory(role="Author", display_name="Tom Becker", bio="Covers the city council.")
    body = (
        "The council met on **Tuesday** to settle the plan.\n\n"
        "## What changes\n\nFares fall and trams run later.\n\n"
        "> It is a good day for the city, said the mayor.\n\n"
        "- More trams\n- Lower fares\n- New routes\n"
    )
    stories = []
    for n in range(12):
        science_story = n % 2 == 0
        article = ArticleFactory(
            published_ago=timedelta(hours=n + 1),
            title=f"{'Probe finds ice on comet' if science_story else 'Council approves budget'} "
            f"(part {n + 1})",
            standfirst="Officials confirmed the decision on Thursday after a long debate.",
            body=body,
            section=science if science_story else politics,
            tags=[space] if science_story else [budget],
            authors=[ada, tom] if n % 3 == 0 else [ada if science_story else tom],
            featured=n == 0,
        )
        stories.append(article)
    Correction.objects.create(article=stories[0], note="An earlier version gave the wrong date.")
    return {"url": live_server.url, "stories": stories, "section": science, "tag": space}


def admin_sign_in(page, base_url, user, next_path):
    """Sign in through the admin's own login form as a factory user; land on next_path."""
    from accounts.tests.factories import PASSWORD

    page.goto(f"{base_url}/admin/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_path}")


def screenshot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
