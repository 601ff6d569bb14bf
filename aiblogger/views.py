"""Project-level views that belong to no app."""

from django.http import HttpResponse


def bench_hello(request):
    """Answer without touching the database: Django's own floor in `make bench`."""
    return HttpResponse("hello\n", content_type="text/plain")
