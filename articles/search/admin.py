"""The admin change lists' search box on the search engine (articles, the desk's items).

A ModelAdmin mixes in EngineSearchMixin and names its collection; its search box
then asks the engine (every status, newest first, at most search.MAX_MATCHES
matches) and the list shows those rows under its other filters. If the engine
does not answer, the list opens without the search and says so.
"""

from django.contrib import messages

from . import ARTICLES, MAX_MATCHES, Filters, SearchUnavailable, parse, search


class EngineSearchMixin:
    search_collection = ARTICLES

    def get_search_results(self, request, queryset, search_term):
        if not parse(search_term):
            return queryset, False
        collection = self.search_collection
        try:
            result = search(
                search_term,
                filters=Filters(public=False) if collection is ARTICLES else None,
                order="newest",
                limit=MAX_MATCHES,
                collection=collection,
            )
        except SearchUnavailable:
            messages.warning(
                request,
                f"Search is unavailable right now: the list shows every {collection.singular}.",
            )
            return queryset, False
        if result.newest or result.stopped:
            why = (
                f"These words are in most {collection.noun}"
                if result.newest
                else f"The search stopped before the oldest {collection.noun}"
            )
            messages.info(
                request,
                f"{why}: only the most recent matches are listed. Add a word or a filter "
                "to reach older ones.",
            )
        elif result.more_than_bound:
            messages.info(
                request,
                f"More than {result.bound:,} {collection.noun} match: the newest "
                f"{result.bound:,} are listed. Add a word or a filter to narrow the search.",
            )
        return queryset.filter(pk__in=result.ids), False
