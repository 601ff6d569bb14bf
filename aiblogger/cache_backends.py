"""Django's own cache backends, counting gets, hits, misses and failures.

django-prometheus ships such wrappers, but its Redis one needs django-redis and
its local-memory one turns a cached falsy value (0, "") into a miss; these keep
Django's semantics and use django-prometheus's metric names
(django_cache_get_total, django_cache_get_hits_total, ...), so its dashboards
and ours read the same series.
"""

from django.core.cache.backends import locmem
from django_prometheus.cache.metrics import (
    django_cache_get_fail_total,
    django_cache_get_total,
    django_cache_hits_total,
    django_cache_misses_total,
)

from .cache import FailSoftRedisCache

_MISSING = object()


class _CountingGet:
    metrics_backend = ""

    def get(self, key, default=None, version=None):
        django_cache_get_total.labels(backend=self.metrics_backend).inc()
        try:
            value = super().get(key, _MISSING, version=version)
        except Exception:
            django_cache_get_fail_total.labels(backend=self.metrics_backend).inc()
            raise
        if value is _MISSING:
            django_cache_misses_total.labels(backend=self.metrics_backend).inc()
            return default
        django_cache_hits_total.labels(backend=self.metrics_backend).inc()
        return value


class LocMemCache(_CountingGet, locmem.LocMemCache):
    metrics_backend = "locmem"


class RedisCache(_CountingGet, FailSoftRedisCache):
    """Counts gets; an outage counts as misses (FailSoftRedisCache answers it as one)."""

    metrics_backend = "redis"
