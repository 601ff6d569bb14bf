from django.conf import settings


def site(request):
    """Site-wide values every template may need."""
    return {
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL,
        "site_indexable": settings.SITE_INDEXABLE,
    }
