"""The public page cache: what is cached, under which key, and how it is retired.

Readers' pages are cached twice, and both layers answer to one promise: after
an unpublish, an edit, a correction or a scheduled time arriving, no reader
sees the old state for longer than TAKEDOWN_BOUND_SECONDS (10 s), whatever the
traffic and whether or not the `publish_due` timer runs.

What is cached (cache_public_page, applied in articles/urls.py and
articles/syndication_urls.py where the reader URLs are listed): a GET or HEAD from a
request without a session or messages cookie (so never a logged-in member, a
preview or a flash message) whose 200 response sets no cookie and is not
marked private or no-store. Cached pages carry an ETag and `max-age=0,
must-revalidate`, so browsers always ask and get a cheap 304 only while the
page is current.

How it is retired:
- Every page key carries the public generation: the time of the last change
  readers could see, kept in the database (the Checkpoint row "public-pages")
  and written in the same transaction as the change (invalidate_public_pages,
  called by the signals below for every public model, by the admin's bulk
  updates and by the publish_due and seed_demo commands). A change therefore
  cannot be committed without its generation.
- The cache keeps a copy of the generation for GENERATION_SECONDS (4 s) and a
  commit replaces that copy at once; a page rendered before the commit is
  never found again. If the cache could not be told (Redis down or hung at
  that moment, then back with its old entries), the copy expires on its own
  within GENERATION_SECONDS.
- No save announces a scheduled story reaching its time, so the generation's
  copy and every cached page expire no later than the next scheduled
  publication (a cheap indexed query, read with the generation): the story
  appears within about a second of its time.
- Nginx's microcache (nginx/aiblogger.conf.j2) reuses a page for
  `nginx_microcache_seconds` (5 s) and serves an expired copy only while the
  app is failing (error, timeout, 500, 502, 503, 504), never while updating.

So the bound is 5 s (Nginx) + 4 s (a missed invalidation) + rendering, within
10 s; in the usual case a change reaches Django's readers at once and Nginx's
within 5 s. PUBLIC_CACHE_SECONDS only caps how long an unchanged page stays in
memory.

A failing cache never fails a page: the Redis backend is fail-soft
(aiblogger/cache.py), so an outage means pages render uncached.
"""

import hashlib
import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.views.decorators.http import require_safe

from aiblogger import metrics

TAKEDOWN_BOUND_SECONDS = 10
# How long the cache's copy of the generation is trusted without asking the database.
GENERATION_SECONDS = 4
GENERATION_KEY = "public-pages:generation"
CHECKPOINT = "public-pages"

# Stands for the request's CSP nonce in a stored page: a cached page must not
# hand every reader the same nonce.
NONCE_PLACEHOLDER = b"__aiblogger_csp_nonce__"
MESSAGES_COOKIE = "messages"
# Saves that change nothing a reader sees: every log-in writes last_login.
PRIVATE_FIELDS = frozenset({"last_login", "password"})


# --- The generation ----------------------------------------------------------


def _read_generation():
    """(generation, next scheduled publication or None), from the database in one query."""
    from .models import Article, Checkpoint

    upcoming = (
        Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())
        .order_by("published_at")
        .values("published_at")[:1]
    )
    row = (
        Checkpoint.objects.filter(name=CHECKPOINT)
        .annotate(upcoming=Subquery(upcoming))
        .values_list("at", "upcoming")
        .first()
    )
    if row is None:  # nothing has changed since the database was created
        row = (None, upcoming.values_list("published_at", flat=True).first())
    changed, upcoming = row
    generation = int(changed.timestamp() * 1_000_000) if changed else 0
    return generation, upcoming.timestamp() if upcoming else None


def _seconds_left(next_publication, longest):
    """How long something read now may be kept: never past the next publication."""
    if next_publication is None:
        return longest
    return min(longest, math.ceil(next_publication - time.time()))


def _generation_record():
    record = cache.get(GENERATION_KEY)
    if record is None or (record[1] is not None and record[1] <= time.time()):
        record = _read_generation()
        timeout = _seconds_left(record[1], GENERATION_SECONDS)
        if timeout > 0:
            # add, not set: a commit's fresh copy must win over one read before it.
            cache.add(GENERATION_KEY, record, timeout)
    return record


def public_cache_generation():
    """The current generation, part of every public page's cache key."""
    return _generation_record()[0]


def _refresh_generation():
    try:
        record = _read_generation()
    except DatabaseError:
        # The change is committed; the database went away just after it.
        cache.delete(GENERATION_KEY)
        return
    timeout = _seconds_left(record[1], GENERATION_SECONDS)
    if timeout > 0:
        cache.set(GENERATION_KEY, record, timeout)
    else:
        cache.delete(GENERATION_KEY)


def invalidate_public_pages():
    """Retire every cached public page; call it inside the transaction that changes them.

    The new generation is written in that transaction and the cache learns it
    when the transaction commits.
    """
    from .models import Checkpoint

    now = timezone.now()
    if not Checkpoint.objects.filter(name=CHECKPOINT).update(at=now):
        Checkpoint.objects.get_or_create(name=CHECKPOINT, defaults={"at": now})
    # Dropped now, so this transaction reads its own change; refreshed on commit,
    # when a copy another process read from before the commit must be replaced.
    cache.delete(GENERATION_KEY)
    # robust: nothing after the commit may turn a stored change into an error page.
    transaction.on_commit(_refresh_generation, robust=True)


def _public_change(**kwargs):
    if kwargs.get("raw"):
        return  # fixtures being loaded
    update_fields = kwargs.get("update_fields")
    if update_fields and update_fields <= PRIVATE_FIELDS:
        return
    invalidate_public_pages()


def _tags_changed(action, **kwargs):
    if action.startswith("post_"):
        _public_change(**kwargs)


def connect_signals():
    """Retire cached pages after any change readers could see (called by the app's ready())."""
    from .models import Article, ArticleAuthor, ArticleTag, Correction, Section, Tag

    public_models = (Article, ArticleAuthor, ArticleTag, Correction, Section, Tag)
    for model in (*public_models, settings.AUTH_USER_MODEL):
        post_save.connect(_public_change, sender=model, dispatch_uid=f"pub-save-{model}")
        post_delete.connect(_public_change, sender=model, dispatch_uid=f"pub-delete-{model}")
    m2m_changed.connect(_tags_changed, sender=Article.tags.through, dispatch_uid="pub-tags")


# --- Caches built on the generation --------------------------------------------


def navigation_sections():
    """Every section as (name, url) for the menu, cached like the pages that show it."""
    from .models import Section

    key = f"nav-sections:{public_cache_generation()}"
    sections = cache.get(key)
    if sections is None:
        sections = [(s.name, s.get_absolute_url()) for s in Section.objects.only("name", "slug")]
        cache.set(key, sections, settings.PUBLIC_CACHE_SECONDS)
    return sections


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


def _render(view, request, *args, **kwargs):
    response = view(request, *args, **kwargs)
    if hasattr(response, "render"):
        response = response.render()
    return response


def cache_public_page(view):
    """Serve anonymous GETs from the cache; answer conditional GETs with 304."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _cacheable_request(request):
            response = _render(view, request, *args, **kwargs)
            if response.status_code == 200 and not response.has_header("Cache-Control"):
                patch_cache_control(response, private=True, no_cache=True)
            return response

        # The generation is read before the page: a page rendered from data
        # older than a commit is stored under the key that commit retired.
        generation, next_publication = _generation_record()
        url = request.build_absolute_uri().encode("utf-8", "surrogateescape")
        key = f"page:{generation}:{hashlib.sha256(url).hexdigest()}"
        stored = cache.get(key)
        if stored is not None:
            metrics.page_cache_hit()
            return _answer(request, stored)
        metrics.page_cache_miss()

        response = _render(view, request, *args, **kwargs)
        if not _cacheable_response(request, response):
            return response
        nonce = _request_nonce(request, create=False)
        if nonce:
            response.content = response.content.replace(nonce.encode(), NONCE_PLACEHOLDER)
        response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        # Browsers revalidate every time; the ETag makes that a cheap 304.
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["Cookie"])
        timeout = _seconds_left(next_publication, settings.PUBLIC_CACHE_SECONDS)
        if timeout > 0:
            cache.set(key, response, timeout)
        return _answer(request, response)

    return wrapper


def cached_for_readers(view):
    """cache_public_page for views that answer only GET and HEAD (feeds, sitemaps)."""
    return require_safe(cache_public_page(view))
