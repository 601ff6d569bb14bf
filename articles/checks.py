"""System checks for what the newsroom's settings must agree on (`manage.py check`;
`check --deploy --fail-level WARNING` runs them before every release)."""

from django.conf import settings
from django.core import checks
from django.db import connections


@checks.register(checks.Tags.compatibility)
def search_engine_known(app_configs, **kwargs):
    """SEARCH_URL names an engine this code speaks."""
    url = settings.SEARCH_URL
    if url and not url.startswith("sphinx://"):
        return [
            checks.Error(
                f"SEARCH_URL names an unknown engine: {url!r}.",
                hint="Use sphinx://host:port/articles, or leave it empty on SQLite.",
                id="articles.E001",
            )
        ]
    return []


@checks.register(checks.Tags.compatibility, deploy=True)
def search_engine_present(app_configs, **kwargs):
    """A server database has an engine: FTS5 lives in SQLite, so on MariaDB without
    SEARCH_URL every search answers 503 and nothing is indexed."""
    vendor = connections["default"].vendor
    if not settings.SEARCH_URL and vendor != "sqlite":
        return [
            checks.Warning(
                "SEARCH_URL is empty, so search uses SQLite's FTS5, which this "
                f"{vendor} database does not have: every search would answer 503 and "
                "no story would be indexed.",
                hint="Set SEARCH_URL=sphinx://host:9306/articles (README: Search).",
                id="articles.W001",
            )
        ]
    return []
