"""Whole-page cache for anonymous readers, retired by the public cache generation.

A page is cached only for a request without a session or messages cookie (so
never for a logged-in member, a preview or a flash message) and only when the
response sets no cookie. Keys carry articles.cache.public_cache_generation(),
so any edit readers could see retires every cached page at once; the timeout,
settings.PUBLIC_CACHE_SECONDS, bounds staleness for what no save announces
(a scheduled article reaching its time).
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe

from .cache import public_cache_generation

# Stands for the request's CSP nonce in a stored page: a cached page must not
# hand every reader the same nonce.
NONCE_PLACEHOLDER = b"__aiblogger_csp_nonce__"
MESSAGES_COOKIE = "messages"


def _cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
    )


def _cacheable_response(request, response):
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "no-store" not in cache_control
        and "private" not in cache_control
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


def _cache_key(request):
    url = request.build_absolute_uri().encode("utf-8", "surrogateescape")
    return f"page:{public_cache_generation()}:{hashlib.sha256(url).hexdigest()}"


def _request_nonce(request, *, create):
    if create and hasattr(request, "csp_nonce"):
        return str(request.csp_nonce)
    nonce = getattr(request, "_csp_nonce", None)
    return nonce if isinstance(nonce, str) else None


def _answer(request, response):
    """Finish a 200 page: validators, a fresh nonce, and 304 when the reader has it."""
    if NONCE_PLACEHOLDER in response.content:
        nonce = _request_nonce(request, create=True) or ""
        response.content = response.content.replace(NONCE_PLACEHOLDER, nonce.encode())
    last_modified = parse_http_date_safe(response.get("Last-Modified", ""))
    return get_conditional_response(
        request, etag=response.get("ETag"), last_modified=last_modified, response=response
    )


def cache_public_page(view):
    """Serve anonymous GETs from the cache; answer conditional GETs with 304."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response = response.render()
            if response.status_code == 200 and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        key = _cache_key(request)
        stored = cache.get(key)
        if stored is not None:
            return _answer(request, stored)

        response = view(request, *args, **kwargs)
        if hasattr(response, "render"):
            response = response.render()
        if not _cacheable_response(request, response):
            return response
        nonce = _request_nonce(request, create=False)
        if nonce:
            response.content = response.content.replace(nonce.encode(), NONCE_PLACEHOLDER)
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        # Browsers revalidate every time; the ETag makes that a cheap 304.
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["Cookie"])
        cache.set(key, response, settings.PUBLIC_CACHE_SECONDS)
        return _answer(request, response)

    return wrapper
