"""Fixed-window request counters in Django's cache, for forms that send mail.

A cache outage must not lock readers out, so any cache error lets the request
through (logged once per outage, not per request).
"""

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

log = logging.getLogger(__name__)
_cache_failing = False


def allow(scope, value):
    """Count one request for (scope, value); False once the scope's limit is used up."""
    global _cache_failing
    limit, window = settings.THROTTLE_LIMITS[scope]
    digest = hashlib.sha256(str(value).strip().lower().encode()).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}:{int(time.time() // window)}"
    try:
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:  # any backend's connection error: degrade, never 500
        if not _cache_failing:
            log.warning("Throttle cache unavailable; %s requests are not limited", scope)
        _cache_failing = True
        return True
    if _cache_failing:
        log.warning("Throttle cache is back")
        _cache_failing = False
    return count <= limit


def refused(request, scope, what):
    """The page for a refused request: 429, and when the scope's window ends."""
    window = settings.THROTTLE_LIMITS[scope][1]
    retry = int(window - time.time() % window) + 1
    response = render(
        request,
        "registration/throttled.html",
        {"what": what, "retry_minutes": -(-retry // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry)
    return response
