"""The newsroom behind the proxy: log-in, CSRF, client addresses, the admin in Chromium."""

import secrets
import time
from pathlib import Path

import pytest

from .conftest import HOST, post_login

pytestmark = pytest.mark.stack
CHROMIUM = Path("/usr/bin/chromium")


def test_admin_login_over_https_sets_secure_host_cookies(client, admin_session):
    attributes = admin_session[1].lower()
    for flag in ("secure", "httponly", "samesite=lax"):
        assert flag in attributes, f"session cookie lacks {flag}"
    admin = client.get("/admin/", headers={"Cookie": f"__Host-sessionid={admin_session[0]}"})
    assert admin.status == 200, f"/admin/ gave {admin.status} after login"
    assert "Log out" in admin.text, "the admin index does not show a logged-in user"


def test_post_with_a_foreign_origin_is_refused(client, password):
    r = post_login(client, "admin", password, origin="https://evil.test")
    assert r.status == 403, f"POST with Origin https://evil.test gave {r.status}"
    assert "__Host-sessionid" not in r.cookies(), "a session was started anyway"


def test_django_sees_the_client_address_from_x_forwarded_for(stack, client):
    # The reader comes from 127.0.0.7 and tries to pass a forged address.
    r = post_login(
        client,
        "editor",
        "wrong password",
        source="127.0.0.7",
        headers={"X-Forwarded-For": "6.6.6.6"},
    )
    assert r.status == 200, f"failed login gave {r.status}"
    seen = stack.shell_json(
        "import json\nfrom axes.models import AccessAttempt\n"
        "print(json.dumps(list(AccessAttempt.objects.filter(username='editor')"
        ".values_list('ip_address', flat=True))))"
    )
    assert seen == ["127.0.0.7"], "axes recorded the wrong address"
    time.sleep(0.2)
    lines = [
        line
        for line in stack.gunicorn_log.read_text().splitlines()
        if '"POST /admin/login/' in line
    ]
    assert lines and lines[-1].startswith("127.0.0.7 "), f"gunicorn logged {lines[-1:]}"


def _admin_walk(page, origin, password, article_id):
    page.goto(f"{origin}/admin/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{origin}/admin/")
    page.goto(f"{origin}/admin/articles/article/")
    assert page.locator("#action-toggle").count() == 1, "changelist without actions"
    change = f"{origin}/admin/articles/article/{article_id}/change/"
    page.goto(change)
    # django-autocomplete's select2 widgets exist only if the admin JS ran.
    widget = page.locator(".select2-container").first
    widget.wait_for()
    widget.click()
    page.locator(".select2-results__option").first.wait_for()
    page.keyboard.press("Escape")
    # Two saves make two revisions for django-reversion-compare to diff.
    for _ in range(2):
        page.goto(change)
        page.fill("#id_title", f"Revision {secrets.token_hex(3)}")
        with page.expect_navigation():
            page.click("input[name=_continue]")
        saved = page.locator(".messagelist .success").count() == 1
        assert saved, f"admin save failed: {page.locator('#content').inner_text()[:200]}"
    page.goto(f"{change[: -len('change/')]}history/")
    with page.expect_navigation():
        page.click("#change-history input[type=submit]")
    assert "compare" in page.url, f"no compare page, at {page.url}"
    assert page.locator("ins, del").count() > 0, "the compare page shows no diff"


def test_admin_works_in_chromium_under_the_csp(stack, urls, password):
    """The admin's own scripts, autocomplete and revision compare run under the CSP."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium"
    from playwright.sync_api import sync_playwright

    violations, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", f"--host-resolver-rules=MAP {HOST} 127.0.0.1"],
        )
        try:
            page = browser.new_context(ignore_https_errors=True).new_page()
            page.set_default_timeout(15000)
            page.on(
                "console",
                lambda m: "Content Security Policy" in m.text and violations.append(m.text[:160]),
            )
            page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
            # One without a featured image: saving one with an image is a separate matter.
            _admin_walk(page, stack.origin, password, urls["plain_id"])
        finally:
            browser.close()
    assert not violations
    assert not errors
