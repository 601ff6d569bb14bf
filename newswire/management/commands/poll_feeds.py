from django.core.management.base import BaseCommand, CommandError

from newswire.models import Source
from newswire.tasks import poll_many, poll_source_task, prune_items, sources_to_poll


class Command(BaseCommand):
    help = (
        "Poll the newswire sources that are due (--force: every enabled one) and remove "
        "items past retention. Exits 0 even when sources fail: their errors are on them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, metavar="ID", help="Poll this source only.")
        parser.add_argument("--force", action="store_true", help="Poll even if not due.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue one task per source for the task workers instead of polling here.",
        )
        parser.add_argument("--no-prune", action="store_true", help="Keep expired items.")

    def handle(self, *args, source=None, force=False, enqueue=False, no_prune=False, **opts):
        if source is not None and not Source.objects.filter(pk=source).exists():
            raise CommandError(f"There is no source with id {source}.")
        ids = sources_to_poll(force=force or source is not None, source_id=source)
        if enqueue:
            for source_id in ids:
                poll_source_task.enqueue(source_id, force=force or source is not None)
            self.stdout.write(f"Queued {len(ids)} source(s).")
        else:
            failed = 0
            for result in poll_many(ids, force=force or source is not None):
                failed += bool(result.error)
                self.stdout.write(str(result))
            self.stdout.write(f"Polled {len(ids)} source(s), {failed} failed.")
        if not no_prune:
            self.stdout.write(f"Removed {prune_items()} expired item(s).")
