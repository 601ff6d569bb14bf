"""The WSGI application `make bench` serves: the site, plus a bare Django view.

`/bench/bare/` is answered by a Django handler with no middleware at all and a
URLconf of one path: the cost of Django itself under the same gunicorn, workers
and Nginx as the site, with nothing of the site's own (security headers,
sessions, CSP, metrics, throttles). Every other path goes to the site's own
application, as in production. The benchmark quotes each page against it as well
as against the site's hello view (`/bench/hello/`, which runs every middleware),
so that "× hello" cannot flatter: a slower hello would lift every ratio.

gunicorn loads it with GUNICORN_WSGI_APP=bench_wsgi:application and scripts/ on
PYTHONPATH (scripts/bench_run.py sets both); nothing else imports it.
"""

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpResponse
from django.urls import path

from aiblogger.wsgi import application as site  # production's entry point; sets Django up


def bare(request):
    """The same answer as the site's hello view."""
    return HttpResponse("hello\n", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare)]


class BareHandler(WSGIHandler):
    """Django's WSGI handler with an empty middleware chain and this module's URLconf."""

    def load_middleware(self, is_async=False):
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)

    def get_response(self, request):
        request.urlconf = __name__
        return super().get_response(request)


bare_handler = BareHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/bench/bare/":
        return bare_handler(environ, start_response)
    return site(environ, start_response)
