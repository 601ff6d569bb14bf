"""Perform the side effects of scheduled articles going live.

Visibility never waits for this command: published() compares published_at with
now() on every request. This only purges caches and reports what went live.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from aiblogger.metrics import JobTimer
from articles.models import Article, Checkpoint
from articles.pagecache import invalidate_public_pages

CHECKPOINT = "publish_due"
LISTED = 50


class Command(BaseCommand):
    help = "Report articles that went live since the last run and purge public caches."

    def handle(self, *args, **options):
        # Last run, duration and outcome for node_exporter (METRICS_TEXTFILE_DIR).
        with JobTimer(CHECKPOINT):
            self._publish_due()

    def _publish_due(self):
        now = timezone.now()
        with transaction.atomic():
            checkpoint, first_run = Checkpoint.objects.select_for_update().get_or_create(
                name=CHECKPOINT, defaults={"at": now}
            )
            since = checkpoint.at
            went_live = []
            if not first_run:
                went_live = list(
                    Article.objects.published()
                    .filter(published_at__gt=since, published_at__lte=now)
                    .order_by("published_at", "id")
                    .values_list("published_at", "title")
                )
                checkpoint.at = now
                checkpoint.save(update_fields=["at"])
        if went_live:
            invalidate_public_pages()
        if first_run:
            self.stdout.write(
                f"First run: watching for articles going live from {now:%Y-%m-%d %H:%M:%S %Z}."
            )
            return
        self.stdout.write(
            f"{len(went_live)} article(s) went live since {since:%Y-%m-%d %H:%M:%S %Z}."
        )
        for published_at, title in went_live[:LISTED]:
            self.stdout.write(f"  {published_at:%Y-%m-%d %H:%M} {title}")
        if len(went_live) > LISTED:
            self.stdout.write(f"  … and {len(went_live) - LISTED} more.")
