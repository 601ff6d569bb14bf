"""Polling: one source at a time per worker, claimed in the database; tasks for the worker.

poll_source() is what every path runs (the command inline, the task in a db_worker, the admin's
"Check now"). A source is claimed with one conditional UPDATE of claimed_until, so two workers
on one database never poll it at once, and a worker that dies frees it when the lease ends.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from . import dedupe, fetch
from .models import Cluster, Item, Source, due_sources

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_BACKOFF = timedelta(hours=24)


@dataclass
class PollResult:
    source_id: int
    polled: bool = False  # False: another worker held it, or it was not due
    not_modified: bool = False
    error: str = ""
    counts: dict = field(default_factory=dict)

    def __str__(self):
        if not self.polled:
            return f"source {self.source_id}: skipped (busy or not due)"
        if self.error:
            return f"source {self.source_id}: error: {self.error}"
        if self.not_modified:
            return f"source {self.source_id}: not modified"
        shown = ", ".join(f"{n} {k}" for k, n in sorted(self.counts.items())) or "nothing"
        return f"source {self.source_id}: {shown}"


def claim(source_id, now):
    """Take the source for one poll; False when another worker holds it."""
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return Source.objects.filter(pk=source_id).filter(free).update(claimed_until=now + LEASE) == 1


def next_poll(source, now, failures, retry_after=None):
    interval = timedelta(minutes=max(1, source.poll_minutes))
    if failures:
        interval = min(interval * 2 ** min(failures - 1, 10), MAX_BACKOFF)
    if retry_after:
        interval = max(interval, min(timedelta(seconds=retry_after), MAX_BACKOFF))
    return now + interval


def poll_source(source_id, *, force=False):
    """Fetch, parse and store one source; its health fields record the outcome."""
    now = timezone.now()
    result = PollResult(source_id)
    if not claim(source_id, now):
        return result
    try:
        source = Source.objects.filter(pk=source_id).first()
        if source is None:  # deleted after the task was queued
            return result
        if not force and source.next_poll_at and source.next_poll_at > now:
            return result
        result.polled = True
        retry_after = None
        filled = []
        try:
            response = fetch.fetch(
                source.feed_url, etag=source.etag, last_modified=source.last_modified
            )
            if response.not_modified:
                result.not_modified = True
            else:
                feed = fetch.parse(response.body, response.content_type, response.url)
                result.counts = dict(dedupe.store(source, feed.entries, now=now))
                source.etag = response.headers.get("etag", "")[:300]
                source.last_modified = response.headers.get("last-modified", "")[:100]
                # Fill only blanks, and write only those: an editor's rename made
                # while the feed was fetched must not be overwritten by this copy.
                if not source.name:
                    source.name = feed.title[:200] or response.url[:200]
                    filled.append("name")
                if not source.site_url:
                    source.site_url = feed.site_url[:1000]
                    filled.append("site_url")
                if result.counts.get(Item.Status.NEW):
                    source.last_new_item_at = now
                if result.counts.get(Item.Status.NEW) or result.counts.get("updated"):
                    assist_items_task.enqueue()  # embeddings, language, events: in the worker
        except fetch.FetchError as exc:
            result.error = str(exc)
            retry_after = exc.retry_after
        except Exception as exc:  # a parser crash must not stop the other sources
            log.exception("Polling source %s failed", source_id)
            result.error = f"Unexpected error: {exc.__class__.__name__}: {exc}"
        source.last_polled_at = now
        if result.error:
            source.consecutive_failures += 1
            source.last_error = result.error.splitlines()[0][:300]
        else:
            source.consecutive_failures = 0
            source.last_error = ""
            source.last_success_at = now
        source.next_poll_at = next_poll(source, now, source.consecutive_failures, retry_after)
        source.save(update_fields=[*filled, *Source.concurrency_exempt])
        return result
    finally:
        Source.objects.filter(pk=source_id).update(claimed_until=None)


def _poll_in_thread(source_id, force):
    try:
        return poll_source(source_id, force=force)
    finally:
        connection.close()


def poll_many(source_ids, *, force=False, concurrency=None):
    """Poll sources with at most `concurrency` fetches at once; yield each PollResult."""
    concurrency = concurrency or settings.NEWSWIRE_CONCURRENCY
    if concurrency <= 1 or len(source_ids) <= 1:
        for source_id in source_ids:
            yield poll_source(source_id, force=force)
        return
    close_old_connections()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        yield from pool.map(lambda sid: _poll_in_thread(sid, force), source_ids)


def sources_to_poll(*, force=False, source_id=None):
    sources = Source.objects.all() if source_id else Source.objects.filter(enabled=True)
    if source_id:
        sources = sources.filter(pk=source_id)
    elif not force:
        sources = due_sources()
    return list(sources.order_by("next_poll_at", "id").values_list("pk", flat=True))


def prune_items(days=None):
    """Delete items past retention, except those a draft uses; return how many. Their events
    are recounted, and removed when no report is left (as the worker and the desk do)."""
    rows = Item.objects.expired(days).values_list("pk", "cluster_id")[:50_000]
    ids, events = set(), set()
    for pk, event in rows:
        ids.add(pk)
        events.add(event)
    with transaction.atomic():
        # Events, then their reports, locked in the desk's and the worker's order; a report
        # moved to another event since it was read waits for the next run.
        locked = set(
            Cluster.objects.select_for_update()
            .filter(pk__in=events - {None})
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        ids = [
            pk
            for pk, event in Item.objects.select_for_update()
            .filter(pk__in=ids)
            .values_list("pk", "cluster_id")
            if event is None or event in locked
        ]
        # Duplicates point at originals with SET NULL; the provenance rows PROTECT theirs.
        deleted, _ = Item.objects.filter(pk__in=ids).delete()
        Cluster.objects.filter(pk__in=locked).recount_or_remove()
    return deleted


@task()
def poll_source_task(source_id, force=False):
    return str(poll_source(source_id, force=force))


@task()
def prune_items_task():
    return prune_items()


# Machine assistance: newswire.assist (numpy, the model) is imported inside the task bodies, so
# only the worker that runs them loads it, never a web worker that merely enqueues.


ASSIST_LOCK = "aiblogger-newswire-assist"
ASSIST_LOCK_WAIT = 600  # seconds; a run over 10,000 long items takes a few minutes


@task()
def assist_items_task():
    """Assist the waiting items; one worker at a time, on every host.

    Two workers grouping the same items at once would each start events for them (and
    one could empty an event the other is summarising). On MariaDB a named lock
    serialises them: the second waits, then assists what the first left waiting
    (usually nothing). SQLite has one writer anyway.
    """
    from . import assist

    if connection.vendor != "mysql":
        return assist.process_items()
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [ASSIST_LOCK, ASSIST_LOCK_WAIT])
        if cursor.fetchone()[0] != 1:
            return "skipped: another worker held the assistance for too long"
        try:
            return assist.process_items()
        finally:
            cursor.execute("SELECT RELEASE_LOCK(%s)", [ASSIST_LOCK])


@task()
def refresh_events_task(cluster_ids):
    """The extracts of events an editor changed on the desk (newswire/placing.py): the web
    request cut them to each event's own reports; the model picks them afresh here."""
    from . import assist

    for cluster_id in cluster_ids:
        assist.refresh_digest(cluster_id)  # an event gone meanwhile: nothing written
    return len(cluster_ids)


@task()
def assist_article_task(article_id):
    from . import assist

    return assist.process_article(article_id)


def enqueue_article_assist(sender, instance, raw=False, **kwargs):
    """post_save of an Article: embed it, refresh related stories and suggestions, after commit."""
    if raw:
        return
    article_id = instance.pk
    transaction.on_commit(lambda: assist_article_task.enqueue(article_id))
