"""A Redis cache that fails soft: an outage makes the site slower, never broken.

The cache is an optimisation, never a dependency (DESIGN.md). When Redis is
down or hangs, every operation answers as if the key were missing (get gives
the default, add and set store nothing, incr raises ValueError as for a
missing key) and pages render uncached. The short socket timeouts set in
settings/base.py bound a hung Redis; after a failure this process leaves Redis
alone for RETRY_SECONDS, so an outage costs one timeout per second, not one per
call. The first failure of an outage logs a warning and the recovery logs once
more; cache_degraded() tells /healthz and anyone else whether this process
currently finds the cache failing.

Entries that survive an outage cannot outlive a missed invalidation: see the
bound in articles/pagecache.py. An entry this code cannot unpickle (one that an
earlier release stored, whose classes have changed since) is read as a miss too,
so a deploy never turns a cached object into an error page.
"""

import logging
import pickle
import threading
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
OUTAGE_ERRORS = (ConnectionError, TimeoutError, OSError)


class _Health:
    """This process's view of the cache: since when it has been failing, if it is."""

    def __init__(self):
        self.failing_since = None  # time.time() of the outage's first failure
        self.retry_at = 0.0  # time.monotonic() before which Redis is not tried
        self.failed_at = 0.0  # time.monotonic() of the latest failure
        self.lock = threading.Lock()  # gthread workers: one report per process

    def failed(self, error):
        from aiblogger import metrics  # prometheus_client, loaded with the first failure

        metrics.page_cache_error()
        with self.lock:
            self.failed_at = time.monotonic()
            self.retry_at = self.failed_at + RETRY_SECONDS
            if self.failing_since is not None:
                return
            self.failing_since = time.time()
        metrics.set_page_cache_degraded(True)
        logger.warning("Cache unavailable, pages render uncached until it is back: %s", error)

    def succeeded(self, started):
        """A call begun at `started` (monotonic) worked; one already in flight proves nothing."""
        with self.lock:
            if self.failing_since is None or started < self.failed_at:
                return
            took, self.failing_since = time.time() - self.failing_since, None
        from aiblogger import metrics

        metrics.set_page_cache_degraded(False)
        logger.warning("Cache available again after %.0f s.", took)


health = _Health()


def cache_degraded():
    """True while this process finds the cache failing (an outage or a hung server)."""
    return health.failing_since is not None


def _fail_soft(answer_on_failure):
    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            if health.failing_since is not None and time.monotonic() < health.retry_at:
                return answer_on_failure(*args, **kwargs)
            started = time.monotonic()
            try:
                result = method(self, *args, **kwargs)
            except OUTAGE_ERRORS as error:
                health.failed(error)
                return answer_on_failure(*args, **kwargs)
            health.succeeded(started)
            return result

        return wrapper

    return decorate


def _missing(*args, default=None, **kwargs):
    # get(key, default=None, version=None)
    return args[1] if len(args) > 1 else default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _no_entries(*args, **kwargs):
    return {}


def _not_stored(data, *args, **kwargs):
    return list(data)


def _incr_missing(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found (cache unavailable).")


class ReleaseSafeSerializer(RedisSerializer):
    """Django's serializer, reading an entry it cannot unpickle as None (a miss)."""

    UNREADABLE = (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError)

    def loads(self, data):
        try:
            return super().loads(data)
        except self.UNREADABLE as error:
            logger.warning("Cache entry unreadable by this release, read as a miss: %r", error)
            return None


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client, building one redis.Redis per connection pool, not one per call.

    redis-py's Redis() fills a table of some 170 response callbacks each time it
    is built, which cost more than the command itself on a page-cache hit. A
    Redis object only borrows connections from its pool, so sharing it is safe.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("serializer", ReleaseSafeSerializer)
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's Redis cache, answering every outage like a miss."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def validate_key(self, key):
        """Redis takes any key: Django's memcached portability checks cost about 6 µs a key."""

    get = _fail_soft(_missing)(RedisCache.get)
    add = _fail_soft(_false)(RedisCache.add)
    set = _fail_soft(_nothing)(RedisCache.set)
    touch = _fail_soft(_false)(RedisCache.touch)
    delete = _fail_soft(_false)(RedisCache.delete)
    get_many = _fail_soft(_no_entries)(RedisCache.get_many)
    has_key = _fail_soft(_false)(RedisCache.has_key)
    incr = _fail_soft(_incr_missing)(RedisCache.incr)
    set_many = _fail_soft(_not_stored)(RedisCache.set_many)
    delete_many = _fail_soft(_nothing)(RedisCache.delete_many)
    clear = _fail_soft(_nothing)(RedisCache.clear)
