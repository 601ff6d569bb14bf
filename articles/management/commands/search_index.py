"""Build or repair the search engine's indexes: the articles and the newswire desk's
items (articles.search).

--rebuild empties the indexes and writes every article and item, with a progress
bar (after a restore, a new engine host, a change of the index's fields, or of
LANGUAGE_CODE, whose stemmer the indexes use).
--reconcile (nightly, by the aiblogger-search-reconcile timer) compares the
rows with the indexes, repairs what differs and says what it repaired: a write
the engine missed while it was down, a deleted story still indexed.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from aiblogger.metrics import JobTimer
from articles import search
from articles.search.collections import COLLECTIONS, counted


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
        written = {}
        for collection in COLLECTIONS.values():
            with tqdm(
                total=collection.model().objects.count(),
                desc=f"indexing {collection.noun}",
                unit="row",
                disable=verbosity == 0,
                file=self.stderr._out,
            ) as progress:
                written[collection] = search.rebuild(progress.update, collection)
        counts = ", ".join(counted(count, collection) for collection, count in written.items())
        self.stdout.write(f"Search index rebuilt: {counts}.")

    def _reconcile(self):
        for collection in COLLECTIONS.values():
            missing, stale, extra = search.reconcile(collection)
            self.stdout.write(
                f"Search index of the {collection.noun} reconciled: {len(missing)} missing, "
                f"{len(stale)} out of date, {len(extra)} no longer there; all repaired."
            )
            for label, ids in (("missing", missing), ("out of date", stale), ("extra", extra)):
                if ids:
                    shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
                    self.stdout.write(f"  {label}: {shown}")
