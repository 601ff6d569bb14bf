"""The public pages' cache generation: bumping it retires every cached page at once."""

import time

from django.core.cache import cache

GENERATION_KEY = "public-pages:generation"


def public_cache_generation():
    """The current generation number, part of every public page's cache key."""
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        # Seconds since the epoch, so a cache restart never reuses an old number.
        generation = int(time.time() * 1000)
        cache.add(GENERATION_KEY, generation, timeout=None)
        generation = cache.get(GENERATION_KEY, generation)
    return generation


def invalidate_public_pages():
    """Make every cached public page stale; called when anything readers see changes."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, int(time.time() * 1000), timeout=None)
