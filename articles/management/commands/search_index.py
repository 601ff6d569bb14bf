"""Build or repair the search engine's index of the articles (articles.search).

--rebuild empties the index and writes every article, with a progress bar
(after a restore, a new engine host, or a change of the index's fields).
--reconcile (nightly, by the aiblogger-search-reconcile timer) compares the
articles with the index, repairs what differs and says what it repaired:
a write the engine missed while it was down, a deleted story still indexed.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aiblogger.metrics import JobTimer
from articles import search
from articles.models import Article


class Command(BaseCommand):
    help = "Rebuild the search index from the articles, or reconcile it with them."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--rebuild", action="store_true", help="Empty and refill the index.")
        action.add_argument("--reconcile", action="store_true", help="Repair drift and report it.")

    def handle(self, *args, rebuild, reconcile, **options):
        try:
            if rebuild:
                with JobTimer("search_rebuild"):
                    self._rebuild(options["verbosity"])
            else:
                with JobTimer("search_reconcile"):
                    self._reconcile()
        except search.SearchUnavailable as exc:
            raise CommandError(f"The search engine did not answer: {exc}") from exc

    def _rebuild(self, verbosity):
        with tqdm(
            total=Article.objects.count(),
            desc="indexing",
            unit="art",
            disable=verbosity == 0,
            file=self.stderr._out,
        ) as progress:
            written = search.rebuild(progress=progress.update)
        self.stdout.write(f"Search index rebuilt: {written} articles.")

    def _reconcile(self):
        missing, stale, extra = search.reconcile()
        self.stdout.write(
            f"Search index reconciled: {len(missing)} missing, {len(stale)} out of date, "
            f"{len(extra)} no longer there; all repaired."
        )
        for label, ids in (("missing", missing), ("out of date", stale), ("extra", extra)):
            if ids:
                shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
                self.stdout.write(f"  {label}: {shown}")
