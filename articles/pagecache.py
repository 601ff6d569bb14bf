"""The public page cache: what is cached, under which key, and how it is retired.

Readers' pages are cached twice, and both layers answer to one promise: after
an unpublish, an edit, a correction or a scheduled time arriving, no reader
sees the old state for longer than TAKEDOWN_BOUND_SECONDS (10 s), whatever the
traffic and whether or not the `publish_due` timer runs.

What is cached (cache_public_page, applied in articles/urls.py and
articles/syndication_urls.py where the reader URLs are listed, and served or
stored by PublicPageCacheMiddleware ahead of sessions and auth): a GET or HEAD from a
request without a session or messages cookie (so never a logged-in member, a
preview or a flash message) whose 200 response sets no cookie and is not
marked private or no-store. Cached pages carry an ETag and `max-age=0,
must-revalidate`, so browsers always ask and get a cheap 304 only while the
page is current.

How it is retired:
- Every stored page carries the public generation it was rendered under and
  is served only while that generation is current: the sum of the times of
  the last changes readers could see, kept in the database (the Checkpoint
  rows "public-pages:0" to ":31") and written in the same transaction as the
  change (invalidate_public_pages, called by the signals below for every
  public model, by the admin's bulk updates and by the publish_due and
  seed_demo commands). A change therefore cannot be committed without its
  generation. Each write takes a row no other open transaction holds (SKIP
  LOCKED) and moves it forward, so the sum moves with every commit, and
  editors saving at once do not queue behind one row lock (make bench-saves,
  README "Benchmark").
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

import base64
import functools
import hashlib
import json
import math
import os
import re
import secrets
import time
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Subquery, Value
from django.db.models.functions import Greatest
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from django.urls import Resolver404, resolve
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
# Rows of the generation: one row for every writer would queue their
# transactions behind one lock; each writer takes a row nobody else holds.
CHECKPOINT_SHARDS = 32
CHECKPOINT_NAMES = [CHECKPOINT, *(f"{CHECKPOINT}:{shard}" for shard in range(CHECKPOINT_SHARDS))]

# Stand for the request's CSP nonce in a stored page (a cached page must not hand
# every reader the same nonce): the nonce attribute of the page's own elements and
# the nonce source of its Content-Security-Policy header, nothing else. `"<` is
# in no text a person typed once it is escaped for any context the site writes
# (HTML text and attributes, the sanitised body, JSON-LD, XML), so no search,
# headline or tag can contain the marker, and the header is the site's own.
NONCE_ATTRIBUTE = ' nonce="<csp-nonce>"'
NONCE_SOURCE = "'nonce-<csp-nonce>'"
CSP_HEADERS = ("content-security-policy", "content-security-policy-report-only")
MESSAGES_COOKIE = "messages"
# Query parameters that only tell analytics where a reader came from (campaigns,
# social networks' and ad networks' click ids). No page reads them, so an address
# differing only by them is the same page and the same cache entry. Nginx's
# microcache key repeats this pattern (nginx/aiblogger.conf.j2).
TRACKING_PARAMETERS = re.compile(
    r"utm_[a-z_]+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|twclid|igshid|mc_cid|mc_eid|yclid|_ga|_gl"
)
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
    rows = list(
        Checkpoint.objects.filter(name__in=CHECKPOINT_NAMES)
        .annotate(upcoming=Subquery(upcoming))
        .values_list("at", "upcoming")
    )
    if not rows:  # nothing has changed since the database was created
        rows = [(None, upcoming.values_list("published_at", flat=True).first())]
    upcoming = rows[0][1]
    # Every write moves its row forward, so the sum moves with every commit.
    generation = sum(int(changed.timestamp() * 1_000_000) for changed, _ in rows if changed)
    return generation, upcoming.timestamp() if upcoming else None


def _seconds_left(next_publication, longest):
    """How long something read now may be kept: never past the next publication."""
    if next_publication is None:
        return longest
    return min(longest, math.ceil(next_publication - time.time()))


def _generation_record(record=None):
    """The cache's copy of (generation, next publication), read again when missing or passed."""
    if record is None:
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

    # Its own transaction when called outside one (a save in autocommit mode).
    with transaction.atomic(savepoint=False):
        _write_generation(Checkpoint)
    # Dropped now, so this transaction reads its own change; refreshed on commit,
    # when a copy another process read from before the commit must be replaced.
    cache.delete(GENERATION_KEY)
    # robust: nothing after the commit may turn a stored change into an error page.
    transaction.on_commit(_refresh_generation, robust=True)


def _write_generation(Checkpoint):
    """Move one of the generation's rows forward, one that no other open transaction holds."""
    now = timezone.now()
    rows = Checkpoint.objects.filter(name__in=CHECKPOINT_NAMES[1:]).order_by("name")
    # MariaDB 10.6+ and MySQL 8 skip locked rows; an older server waits for one.
    skip = connection.features.has_select_for_update_skip_locked
    free = rows.select_for_update(skip_locked=skip).values_list("pk", flat=True)
    pk = free.first()
    if pk is None:  # the first change ever: make the rows (this moves the sum)
        names = CHECKPOINT_NAMES[1:]
        Checkpoint.objects.bulk_create(
            [Checkpoint(name=name, at=now) for name in names], ignore_conflicts=True
        )
        # Every row held by another writer (more than CHECKPOINT_SHARDS at once): wait for one.
        pk = free.first() or rows.values_list("pk", flat=True).first()
    # Forward by at least a microsecond, even when the clock did not move or stepped back.
    forward = Greatest(F("at") + timedelta(microseconds=1), Value(now))
    Checkpoint.objects.filter(pk=pk).update(at=forward)


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


def generation_cached(name, compute, record=None):
    """compute(), kept until the public generation changes, like the pages showing it.

    For what readers see that costs more than a page can pay on every render
    (a count over the archive, say). Like the pages, it never outlives the next
    scheduled publication. record is the (generation, next publication) the
    request has already read, if any (request.public_generation).
    """
    return generation_cached_many({name: compute}, record)[name]


def generation_cached_many(computes, record=None):
    """{name: value} for {name: compute} as generation_cached, read in one round trip."""
    generation, next_publication = record or _generation_record()
    keys = {name: f"{name}:{generation}" for name in computes}
    found = cache.get_many(list(keys.values()))
    values, missing = {}, {}
    for name, key in keys.items():
        value = found.get(key)
        if value is None:
            value = computes[name]()
            if value is not None:  # nothing is kept for an address that has no page
                missing[key] = value
        values[name] = value
    if missing:
        timeout = _seconds_left(next_publication, settings.PUBLIC_CACHE_SECONDS)
        if timeout > 0:
            cache.set_many(missing, timeout)
    return values


SECTIONS = "sections"


def _load_sections():
    from .models import Section

    sections = list(Section.objects.only("name", "slug", "position"))
    for section in sections:
        section.url = section.get_absolute_url()
    return sections


def public_sections(request=None):
    """Every section in menu order, each with its url, cached like the pages showing them.

    Read once per request: the menu and the home page's section blocks share it.
    """
    sections = getattr(request, "public_sections", None)
    if sections is None:
        record = getattr(request, "public_generation", None)
        sections = generation_cached(SECTIONS, _load_sections, record)
        if request is not None:
            request.public_sections = sections
    return sections


def generation_cached_with_sections(request, name, compute):
    """generation_cached(name, compute), read in the same round trip as the menu's
    sections, which public_sections(request) then answers without asking again."""
    record = getattr(request, "public_generation", None)
    if getattr(request, "public_sections", None) is not None:
        return generation_cached(name, compute, record)

    def load_sections():  # first, so a compute() that shows the sections reads these
        request.public_sections = _load_sections()
        return request.public_sections

    found = generation_cached_many({SECTIONS: load_sections, name: compute}, record)
    request.public_sections = found[SECTIONS]
    return found[name]


CARD_TEMPLATE = "includes/article_card.html"


class CardFragments:
    """Article cards of one page, rendered once per generation and fetched in one get_many.

    While a page renders, article_card() (aiblogger/jinja2.py) asks add() for a marker; fill()
    then swaps every marker for the card's HTML, from the cache or rendered
    now. Each stored card carries the generation its request read before it
    read the article, like the pages, so an edit or takedown retires it with
    them. Cards show nothing of the reader, so members share them too.
    """

    def __init__(self, generation, next_publication):
        self.generation, self.next_publication = generation, next_publication
        self.mark = secrets.token_hex(8)  # unguessable, so no article text can forge one
        self.wanted = []

    def add(self, article, options):
        self.wanted.append((article, options))
        return f"<!--card-{self.mark}-{len(self.wanted) - 1}-->"

    @staticmethod
    def _key(article, options):
        flags = ":".join(f"{name}={value}" for name, value in sorted(options.items()))
        return f"card:{article.pk}:{flags}"

    def fill(self, content):
        if not self.wanted:
            return content
        keys = [self._key(article, options) for article, options in self.wanted]
        found = cache.get_many(set(keys))
        html, missing = {}, {}
        for key, (article, options) in zip(keys, self.wanted, strict=True):
            stored = found.get(key)
            if stored is not None and stored[0] == self.generation:
                html[key] = stored[1]
            elif key not in missing:
                missing[key] = (article, options)
        if missing:
            html.update(self._render(missing))
            timeout = _seconds_left(self.next_publication, settings.PUBLIC_CACHE_SECONDS)
            if timeout > 0:
                stored = {key: (self.generation, html[key]) for key in missing}
                cache.set_many(stored, timeout=timeout)
        pieces = content.split(f"<!--card-{self.mark}-")
        out = [pieces[0]]
        for piece in pieces[1:]:
            index, _, rest = piece.partition("-->")
            out += [html[keys[int(index)]], rest]
        return "".join(out)

    @staticmethod
    def _render(missing):
        """{key: card HTML} for the cards the cache lacks. Stories given as listing.Card
        are read in one query; the bylines of all, in one prefetch (compact cards show none).
        """
        from django.template.loader import get_template

        from .listing import with_cards
        from .models import Article

        given = {a.pk: a for a, _ in missing.values() if isinstance(a, Article)}
        wanted = {a.pk for a, _ in missing.values()} - set(given)
        articles = Article.objects.published().filter(pk__in=wanted).select_related("section")
        articles = {**articles.in_bulk(), **given} if wanted else given
        bylined = {a.pk for a, options in missing.values() if not options["compact"]}
        with_cards([articles[pk] for pk in bylined if pk in articles], tags=False)
        template = get_template(CARD_TEMPLATE)
        # A story taken down since the list was read shows no card.
        return {
            key: template.render({"article": articles[a.pk], **options})
            if a.pk in articles
            else ""
            for key, (a, options) in missing.items()
        }


def card_fragments(request):
    """Start collecting a page's cards; call it before the view reads any article."""
    record = getattr(request, "public_generation", None) or _generation_record()
    # Read once per request, also for members the page cache passes by.
    request.public_generation = record
    request.article_cards = CardFragments(*record)
    return request.article_cards


def _cacheable_request(request):
    return (
        request.method in ("GET", "HEAD")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and MESSAGES_COOKIE not in request.COOKIES
    )


def _cacheable_response(request, response):
    cache_control = response.get("Cache-Control", "")
    return (
        getattr(response, "public_page", False)
        and response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "no-store" not in cache_control
        and "private" not in cache_control
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
    )


# What a stored page's headers come from besides the view: a page stored under
# one release must not be served under another with the old CSP or framing rules.
RELEASE_SETTINGS = (
    "BASE_DIR",  # each deployed release is a directory of its own
    "MIDDLEWARE",
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


@functools.cache
def _release():
    """A digest of the release: part of every page's key, the same in every worker."""

    def plain(value):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else str(value)

    values = {name: getattr(settings, name, None) for name in RELEASE_SETTINGS}
    text = json.dumps(values, sort_keys=True, default=plain)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@receiver(setting_changed)
def _release_changed(setting, **kwargs):
    if setting in RELEASE_SETTINGS:
        _release.cache_clear()


def _page_key(request):
    """The page's cache key: the release and its address, less the parameters only
    analytics read."""
    url = request.build_absolute_uri()
    base, _, query = url.partition("?")  # the path's own "?" arrives as %3F
    if query:
        kept = [
            pair
            for pair in query.split("&")
            if not TRACKING_PARAMETERS.fullmatch(pair.partition("=")[0])
        ]
        url = f"{base}?{'&'.join(kept)}" if kept else base
    digest = hashlib.sha256(url.encode("utf-8", "surrogateescape")).hexdigest()
    # "page-2": named anew when the stored form changed (the nonce markers), as two
    # releases with the same settings share the cache while a deploy rolls.
    return f"page-2:{_release()}:{digest}"


def with_nonce(html, nonce):
    """html with NONCE_ATTRIBUTE made the request's nonce attribute (none without a nonce)."""
    return html.replace(NONCE_ATTRIBUTE, f' nonce="{nonce}"' if nonce else "")


def _stored_form(request, response):
    """(status, headers, body) with the request's CSP nonce replaced by the markers."""
    headers, content = list(response.items()), response.content
    nonce = getattr(request, "_csp_nonce", None)
    if isinstance(nonce, str) and nonce:
        source = f"'nonce-{nonce}'"
        headers = [
            (name, value.replace(source, NONCE_SOURCE) if name.lower() in CSP_HEADERS else value)
            for name, value in headers
        ]
        content = content.replace(f' nonce="{nonce}"'.encode(), NONCE_ATTRIBUTE.encode())
    return response.status_code, headers, content


def _from_store(stored):
    """A response from _stored_form's tuple, with a nonce of its own where the page had one."""
    status, headers, content = stored
    if any(name.lower() in CSP_HEADERS and NONCE_SOURCE in value for name, value in headers):
        # The same nonce django-csp would make; it reaches the header and the page alike.
        nonce = base64.b64encode(os.urandom(16)).decode("ascii")
        headers = [
            (name, value.replace(NONCE_SOURCE, f"'nonce-{nonce}'"))
            if name.lower() in CSP_HEADERS
            else (name, value)
            for name, value in headers
        ]
        content = content.replace(NONCE_ATTRIBUTE.encode(), f' nonce="{nonce}"'.encode())
    response = HttpResponse(content, status=status, headers=dict(headers))
    if response.has_header("Content-Length"):
        response["Content-Length"] = str(len(content))
    return response


def _answer(request, response):
    """Finish a cached 200 page: 304 when the reader already has it."""
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
    """Mark a reader view's pages for the public page cache (PublicPageCacheMiddleware).

    Pages for requests the cache may not serve are marked private instead.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = _render(view, request, *args, **kwargs)
        if _cacheable_request(request):
            response.public_page = True
        elif response.status_code == 200 and not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_cache=True)
        return response

    wrapper.public_page = True
    return wrapper


def _public_page_match(request):
    """The URL's resolver match when its view is a cached public page, else None."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return match if getattr(match.func, "public_page", False) else None


class PublicPageCacheMiddleware:
    """Serve readers' cached pages before sessions, authentication and CSRF run; store new ones.

    Place it after SecurityMiddleware (HTTPS redirect, security headers on every
    answer) and before SessionMiddleware. Pages are stored as the inner
    middleware left them (CSP, X-Frame-Options...), with the CSP nonce in the
    header and the page replaced by a placeholder that each hit fills anew.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        # Hits skip django-prometheus's inner half; count them by view and status all the same.
        self.after = None
        if "django_prometheus.middleware.PrometheusAfterMiddleware" in settings.MIDDLEWARE:
            from django_prometheus.middleware import PrometheusAfterMiddleware

            self.after = PrometheusAfterMiddleware(get_response)

    def __call__(self, request):
        match = _cacheable_request(request) and _public_page_match(request)
        if not match:
            return self.get_response(request)
        # One round trip for the generation and the page. The generation is read
        # before the page is rendered and stored with it: a page rendered from data
        # older than a commit carries the generation that commit retired.
        key = _page_key(request)
        found = cache.get_many([GENERATION_KEY, key])
        generation, next_publication = _generation_record(found.get(GENERATION_KEY))
        request.public_generation = (generation, next_publication)
        stored = found.get(key)
        if stored is not None and stored[0] == generation:
            metrics.page_cache_hit()
            return self._count(request, match, _answer(request, _from_store(stored[1:])))
        metrics.page_cache_miss()

        response = self.get_response(request)
        if not _cacheable_response(request, response):
            return response
        # Browsers revalidate every time; the ETag makes that a cheap 304.
        patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        patch_vary_headers(response, ["Cookie"])
        status, headers, content = _stored_form(request, response)
        response["ETag"] = f'"{hashlib.sha256(content).hexdigest()[:32]}"'
        headers.append(("ETag", response["ETag"]))
        timeout = _seconds_left(next_publication, settings.PUBLIC_CACHE_SECONDS)
        if timeout > 0:
            cache.set(key, (generation, status, headers, content), timeout)
        return _answer(request, response)

    def _count(self, request, match, response):
        if self.after is None:
            return response
        request.resolver_match = match
        self.after.process_request(request)
        self.after.process_view(request, match.func, match.args, match.kwargs)
        return self.after.process_response(request, response)


def cached_for_readers(view):
    """cache_public_page for views that answer only GET and HEAD (feeds, sitemaps)."""
    return require_safe(cache_public_page(view))
