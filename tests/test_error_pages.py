"""Error pages share errors/base.html; the 500 page needs no request, database or URLconf."""

from pathlib import Path

from django.template import loader

urlpatterns = []  # the URLconf of a site whose URLs fail to load


def test_the_500_page_renders_without_request_database_or_urls(settings):
    settings.ROOT_URLCONF = __name__
    html = loader.get_template("500.html").render({"site_name": "The Harbour Gazette"})
    assert "Something went wrong on our side" in html
    assert '<a class="site-title" href="/">The Harbour Gazette</a>' in html
    assert html.count('<meta name="robots"') == 1


def test_every_error_page_extends_the_shared_base():
    for code in (400, 403, 404, 500):
        source = Path(loader.get_template(f"{code}.html").origin.name).read_text()
        assert source.startswith('{% extends "errors/base.html" %}'), code
