"""The newsroom's own Prometheus metrics, beside django-prometheus's.

Three kinds (README "Monitoring" lists every name):

- Counters and gauges the code updates while it serves: the page cache's hits
  and misses, its errors and whether it is degraded. Call page_cache_hit(),
  page_cache_miss(), page_cache_error() and set_page_cache_degraded() from the
  cache code. Under gunicorn they live in PROMETHEUS_MULTIPROC_DIR (one file
  per worker, summed at scrape time; gunicorn.conf.py's child_exit hook marks
  dead workers), so a scrape sees every worker, not the one that answered.
- Values read from the database when Prometheus scrapes (NewsroomCollector):
  articles published, scheduled and in review; the newswire's items, sources
  and task queue when those apps are installed. A few indexed COUNT queries.
- Short-lived jobs (publish_due, poll_feeds, the backup) write their last run,
  duration and outcome with write_job_metrics() into METRICS_TEXTFILE_DIR,
  which node_exporter's textfile collector reads.
"""

import logging
import os
import tempfile
import time
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldError
from django.db import DatabaseError
from django.db.models import Count, Max
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.parser import text_string_to_metric_families

log = logging.getLogger(__name__)
# No *_created series: they double what a scrape carries and no panel reads them.
disable_created_metrics()

# --- page cache (updated by articles/pagecache.py) ----------------------------
PAGE_CACHE_REQUESTS = Counter(
    "aiblogger_page_cache_requests",
    "Anonymous page requests looked up in the page cache, by result (hit, miss).",
    ["result"],
)
PAGE_CACHE_ERRORS = Counter(
    "aiblogger_page_cache_errors",
    "Page cache operations that failed (the page was served uncached).",
)
PAGE_CACHE_DEGRADED = Gauge(
    "aiblogger_page_cache_degraded",
    "1 while a worker serves pages without the shared cache because it is failing.",
    multiprocess_mode="livemax",
)
# Every label value exists from the start: a dashboard shows 0, not "no data".
for _result in ("hit", "miss"):
    PAGE_CACHE_REQUESTS.labels(_result)
PAGE_CACHE_DEGRADED.set(0)


def page_cache_hit():
    PAGE_CACHE_REQUESTS.labels("hit").inc()


def page_cache_miss():
    PAGE_CACHE_REQUESTS.labels("miss").inc()


def page_cache_error():
    PAGE_CACHE_ERRORS.inc()


def set_page_cache_degraded(degraded):
    PAGE_CACHE_DEGRADED.set(1 if degraded else 0)


# --- values read at scrape time ------------------------------------------------
class NewsroomCollector:
    """Counts read from the database on every scrape; apps not installed are skipped."""

    def collect(self):
        families = []
        up = 1
        for part in (self._articles, self._newswire, self._tasks):
            try:
                families.extend(part())
            # A schema the code does not know yet (a model or field renamed) is skipped too.
            except (DatabaseError, LookupError, FieldError) as exc:
                log.warning("metrics: %s skipped: %s", part.__name__, exc)
                up = 0
        yield from families
        yield GaugeMetricFamily(
            "aiblogger_newsroom_metrics_up",
            "1 when every newsroom query of this scrape succeeded.",
            value=up,
        )

    def _articles(self):
        from articles.models import Article

        now = timezone.now()
        articles = Article.objects.all()
        published = articles.filter(status=Article.Status.PUBLISHED)
        family = GaugeMetricFamily(
            "aiblogger_articles",
            "Articles by state: published (live), scheduled (published, time to come), in_review.",
            labels=["state"],
        )
        family.add_metric(["published"], published.filter(published_at__lte=now).count())
        family.add_metric(["scheduled"], published.filter(published_at__gt=now).count())
        family.add_metric(["in_review"], articles.filter(status=Article.Status.REVIEW).count())
        return [family]

    def _newswire(self):
        if not apps.is_installed("newswire"):
            return []
        Source = apps.get_model("newswire", "Source")
        Item = apps.get_model("newswire", "Item")
        now = timezone.now()
        items = GaugeMetricFamily(
            "aiblogger_newswire_items",
            "Newswire items kept, by source and outcome (new, used, dismissed, filtered, ...).",
            labels=["source", "status"],
        )
        names = dict(Source.objects.values_list("pk", "name"))
        for row in Item.objects.values("source_id", "status").annotate(n=Count("pk")):
            label = f"{names.get(row['source_id'], '?')} #{row['source_id']}"
            items.add_metric([label, row["status"]], row["n"])
        last_success = GaugeMetricFamily(
            "aiblogger_newswire_source_last_success_timestamp_seconds",
            "When each enabled source was last polled successfully (Unix time; 0: never).",
            labels=["source"],
        )
        failures = GaugeMetricFamily(
            "aiblogger_newswire_source_consecutive_failures",
            "Failed polls in a row, by enabled source.",
            labels=["source"],
        )
        stale = GaugeMetricFamily(
            "aiblogger_newswire_source_stale",
            "1 when an enabled source brought nothing new for longer than its stale_after_hours.",
            labels=["source"],
        )
        sources = Source.objects.filter(enabled=True).annotate(newest=Max("items__first_seen_at"))
        fields = ("pk", "name", "last_success_at", "last_new_item_at", "created_at")
        for source in sources.only(*fields, "consecutive_failures", "stale_after_hours"):
            label = f"{source.name} #{source.pk}"
            success = source.last_success_at
            last_success.add_metric([label], success.timestamp() if success else 0)
            failures.add_metric([label], source.consecutive_failures)
            fresh = source.last_new_item_at or source.newest or source.created_at
            is_stale = (now - fresh).total_seconds() > source.stale_after_hours * 3600
            stale.add_metric([label], 1 if is_stale else 0)
        return [items, last_success, failures, stale]

    def _tasks(self):
        if not apps.is_installed("django_tasks_db"):
            return []
        Task = apps.get_model("django_tasks_database", "DBTaskResult")  # the app's label
        depth = GaugeMetricFamily(
            "aiblogger_task_queue_depth",
            "Background tasks waiting to run, by queue.",
            labels=["queue"],
        )
        failed = GaugeMetricFamily(
            "aiblogger_tasks_failed",
            "Background task results kept with status FAILED, by queue.",
            labels=["queue"],
        )
        rows = (
            Task.objects.filter(status__in=["READY", "FAILED"])
            .values_list("queue_name", "status")
            .annotate(n=Count("pk"))
        )
        counts = {(queue, status): n for queue, status, n in rows}
        # The configured queues appear even while empty.
        queues = set(getattr(settings, "TASKS", {}).get("default", {}).get("QUEUES", []))
        for queue in sorted(queues | {queue for queue, _ in counts}):
            depth.add_metric([queue], counts.get((queue, "READY"), 0))
            failed.add_metric([queue], counts.get((queue, "FAILED"), 0))
        return [depth, failed]


NEWSROOM_REGISTRY = CollectorRegistry(auto_describe=False)
NEWSROOM_REGISTRY.register(NewsroomCollector())


def render_metrics():
    """The text exposition: every worker's counters, then the newsroom's counts."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(NEWSROOM_REGISTRY)


@never_cache
def metrics_view(request):
    """/metrics in the text format every Prometheus reads (Debian 12 ships 2.42).

    Nginx answers it only to loopback and the monitoring host.
    """
    return HttpResponse(render_metrics(), content_type=CONTENT_TYPE_PLAIN_0_0_4)


# --- short-lived jobs (node_exporter's textfile collector) -----------------------
JOB_METRICS = (
    ("aiblogger_job_last_run_timestamp_seconds", "When the job last finished (Unix time)."),
    (
        "aiblogger_job_last_success_timestamp_seconds",
        "When the job last finished successfully (Unix time; 0: never).",
    ),
    ("aiblogger_job_duration_seconds", "How long the job's last run took."),
    ("aiblogger_job_success", "1 when the job's last run succeeded, 0 when it failed."),
)


def textfile_dir():
    return getattr(settings, "METRICS_TEXTFILE_DIR", "") or ""


def _previous_success(path, job):
    try:
        text = path.read_text()
    except OSError:
        return 0.0
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                name = sample.name
                if name == JOB_METRICS[1][0] and sample.labels.get("task") == job:
                    return sample.value
    except ValueError:
        return 0.0
    return 0.0


def write_job_metrics(job, *, success, duration, directory=None, now=None):
    """Write <directory>/aiblogger_job_<job>.prom atomically; no directory: do nothing.

    A failed run keeps the last success time of the previous file, so an alert
    on "no success for N hours" sees failures and missed runs alike.
    """
    directory = directory if directory is not None else textfile_dir()
    if not directory:
        return None
    if not job.replace("_", "").isalnum():
        raise ValueError(f"job name must be letters, digits and _: {job!r}")
    path = Path(directory) / f"aiblogger_job_{job}.prom"
    now = time.time() if now is None else now
    last_success = now if success else _previous_success(path, job)
    values = (now, last_success, duration, 1 if success else 0)
    lines = []
    for (name, help_text), value in zip(JOB_METRICS, values, strict=True):
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        lines.append(f'{name}{{task="{job}"}} {float(value)}')
    # node_exporter must never read half a file: write beside it, then rename.
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write("\n".join(lines) + "\n")
        os.chmod(partial, 0o644)
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return path


class JobTimer:
    """`with JobTimer("publish_due"):` writes the job's metrics when the block ends."""

    def __init__(self, job, directory=None):
        self.job = job
        self.directory = directory

    def __enter__(self):
        self.started = time.monotonic()
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            write_job_metrics(
                self.job,
                success=exc_type is None,
                duration=time.monotonic() - self.started,
                directory=self.directory,
            )
        except OSError as error:  # metrics must never fail the job itself
            log.warning("metrics: cannot write %s's textfile: %s", self.job, error)
        return False
