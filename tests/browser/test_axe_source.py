"""axe-core comes from the axe-playwright-python wheel and runs with no network at all."""

import re

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_axe_is_the_wheels_copy_and_runs_offline(browser, axe_source):
    assert "site-packages" in str(axe_source) and "node_modules" not in str(axe_source)
    header = axe_source.read_text()[:200]
    assert re.match(r"/\*! axe v4\.\d+\.\d+", header), header
    page = browser.new_page()
    requests = []
    page.route("**/*", lambda route: (requests.append(route.request.url), route.abort()))
    page.set_content("<!doctype html><html lang=en><title>t</title><main><h1>Offline</h1></main>")
    page.add_script_tag(path=str(axe_source))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core"
    assert result["violations"] == []
    assert requests == [], f"axe or the page asked the network: {requests}"
    page.close()
