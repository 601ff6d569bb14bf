"""The admin refuses an oversized image in the browser, before anything is uploaded."""

import io

import pytest
from django.test import Client
from PIL import Image

from accounts.tests.factories import UserFactory

from .conftest import PageProblems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LIMIT = 300_000  # the test's limit, so no 10 MB buffer crosses into the browser


def jpeg(size):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def logged_in_page(browser, live_server, user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    context = browser.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    problems = PageProblems(page)
    # The admin's pages link no icon, so Chromium asks for /favicon.ico.
    problems.expected_status[f"{live_server.url}/favicon.ico"] = 404
    return page, problems


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/admin/articles/article/add/", "featured_image"),
        ("/admin/articles/article/add/", "social_image"),
        ("/admin/accounts/user/{pk}/change/", "avatar"),
    ],
)
def test_an_image_over_the_limit_is_refused_before_upload(
    browser, live_server, settings, path, field
):
    settings.FEATURED_IMAGE_MAX_BYTES = LIMIT
    editor = UserFactory(role="Editor", is_superuser=True)
    page, problems = logged_in_page(browser, live_server, editor)
    page.goto(live_server.url + path.format(pk=editor.pk))
    file_input = page.locator(f"input[type=file][name={field}]")
    if not file_input.is_visible():  # "Social & SEO" starts collapsed
        page.locator(f"details:has(#id_{field}) summary").click()
    assert file_input.get_attribute("data-max-bytes") == str(LIMIT)

    big = b"\xff\xd8\xff" + b"\0" * (LIMIT + 1000)
    file_input.set_input_files({"name": "huge.jpg", "mimeType": "image/jpeg", "buffer": big})
    alert = page.locator(f"#id_{field}-size-error")
    assert alert.get_attribute("role") == "alert"
    assert "“huge.jpg” is 0.3 MB; images may be up to 0.3 MB" in alert.inner_text()
    assert page.evaluate(f"document.getElementById('id_{field}').files.length") == 0

    small = jpeg((400, 300))
    file_input.set_input_files({"name": "fine.jpg", "mimeType": "image/jpeg", "buffer": small})
    assert alert.count() == 0
    assert page.evaluate(f"document.getElementById('id_{field}').files.length") == 1
    assert problems.items == [], "the script ran without CSP or console errors"


@pytest.mark.django_db
def test_image_fields_state_the_limit(client):
    editor = UserFactory(role="Editor", is_superuser=True)
    client.force_login(editor, backend="django.contrib.auth.backends.ModelBackend")
    article = client.get("/admin/articles/article/add/").content.decode()
    user = client.get(f"/admin/accounts/user/{editor.pk}/change/").content.decode()
    assert article.count('data-max-bytes="10485760"') == 2
    assert "up to 10 MB" in article and "works everywhere. Up to 10 MB." in article
    assert 'data-max-bytes="10485760"' in user and "Up to 10 MB." in user
    assert 'src="/static/js/upload-limit.js"' in article
