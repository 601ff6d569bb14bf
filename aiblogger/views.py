"""Project-level views that belong to no app: robots.txt, health check, error pages."""

import logging
import sys
import time

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseRedirect, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.utils.cache import patch_cache_control
from django.utils.log import log_response
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .cache import cache_degraded
from .site import absolute_url

# Seconds a reader or editor is asked to wait while the database is unreachable.
DATABASE_RETRY_AFTER = 30
# MySQL/MariaDB codes meaning "the server cannot be reached or went away":
# can't connect (2002, 2003, 2005), gone away or lost (2006, 2013, 2055),
# handshake (2012), too many connections (1040), shutting down (1053),
# connection killed (1927), idle disconnect (4031).
CONNECTION_ERROR_CODES = frozenset(
    {1040, 1053, 1927, 2002, 2003, 2005, 2006, 2012, 2013, 2055, 4031}
)


def is_database_unavailable(error):
    """Whether an exception means the database is unreachable, not that a query is wrong."""
    if isinstance(error, InterfaceError):
        return True
    if isinstance(error, OperationalError):
        return bool(error.args) and error.args[0] in CONNECTION_ERROR_CODES
    return False


class DatabaseOutageLogFilter(logging.Filter):
    """Let one report of a database outage through per process, not one per request.

    A report passes when the last one is more than QUIET_SECONDS old, so a new
    outage is always logged; requests failing meanwhile are the same outage.
    """

    QUIET_SECONDS = 60

    def __init__(self):
        super().__init__()
        self.last = None

    def filter(self, record):
        if not (record.exc_info and is_database_unavailable(record.exc_info[1])):
            return True
        now, last = time.monotonic(), self.last
        self.last = now
        return last is None or now - last > self.QUIET_SECONDS


@require_safe
def robots_txt(request):
    if settings.SITE_INDEXABLE:
        lines = [
            "User-agent: *",
            "Disallow: /admin/",
            "Disallow: /accounts/",
            "Disallow: /preview/",
            "Disallow: /search/",
            "",
            f"Sitemap: {absolute_url('/sitemap.xml')}",
        ]
    else:
        # Staging and development hosts stay out of search engines entirely.
        lines = ["User-agent: *", "Disallow: /", "", f"Sitemap: {absolute_url('/sitemap.xml')}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


def bench_hello(request):
    """Answer without touching the database: Django's own floor in `make bench`."""
    return HttpResponse("hello\n", content_type="text/plain")


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links to; send the site's icon."""
    response = HttpResponseRedirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 otherwise; the body also reports the cache.

    Load balancers read the status: a failing cache leaves the site able to
    serve, so it keeps 200 and says "cache: degraded" for monitoring.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        response = HttpResponse("database unavailable\n", status=503, content_type="text/plain")
        # Reported with its cause, so DatabaseOutageLogFilter lets one report through
        # per outage, as for pages, instead of Django's bare line for every probe.
        log_response(
            "Service Unavailable: %s", request.path, response=response, request=request,
            exception=error,
        )  # fmt: skip
        return response
    from django.core.cache import cache

    cache.get("healthz:probe")  # notices an outage even when no page has tried yet
    state = "degraded" if cache_degraded() else "ok"
    return HttpResponse(f"ok\ncache: {state}\n", content_type="text/plain")


def bad_request(request, exception):
    """The 400 page in the site's design, saying what was wrong where we know it."""
    reason = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def database_unavailable(request):
    """503 with Retry-After, rendered without the database; says a form was not saved."""
    html = loader.get_template("503.html").render(
        {
            "site_name": settings.SITE_NAME,
            "not_saved": request.method not in ("GET", "HEAD", "OPTIONS"),
            "retry_after": DATABASE_RETRY_AFTER,
        }
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request):
    """The 500 page, or the 503 page when the database is what failed.

    Django calls this for any uncaught exception, in a view or in middleware
    (sessions, authentication), so every page and the admin answer the same.
    Rendered without the request: the database may be what failed.
    """
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable(request)
    html = loader.get_template("500.html").render({"site_name": settings.SITE_NAME})
    return HttpResponseServerError(html)
