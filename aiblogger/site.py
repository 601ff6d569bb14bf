"""The public site's identity: its origin (SITE_URL) and what every template knows of it."""

from django.conf import settings


def absolute_url(url):
    """url on the public origin, whatever host the request used; absolute ones pass through."""
    if not url:
        return ""
    url = str(url)
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


def context(request):
    """Site-wide values every template may need (a context processor)."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_indexable": settings.SITE_INDEXABLE,
    }
