"""Paging through article lists: a few numbered pages, then keyset pages.

The first pages are numbered (?page=2 … ?page=max_pages) and read with a small
OFFSET. "Older stories" past the last numbered page carries ?before=<cursor>,
the position of the last story shown, so the database seeks in the index
instead of skipping rows: page 5,000 costs what page 1 does. The shape is
Django's Paginator and Page: Paginator(stream, ...).page(request) gives a Page
with its articles and the addresses of its neighbours.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.http import Http404
from django.utils import timezone

from aiblogger.site import absolute_url

from .listing import BadCursor, decode_cursor, encode_cursor

MAX_PAGE_DIGITS = 6


@dataclass(frozen=True)
class Page:
    articles: list
    number: int
    older_than: datetime | None  # on a keyset page: the time of the story it follows
    older_url: str | None
    newer_url: str | None
    canonical_url: str

    @property
    def is_first(self):
        return self.number == 1 and self.older_than is None

    def __iter__(self):
        return iter(self.articles)

    def __len__(self):
        return len(self.articles)


class Paginator:
    """Pages of a listing.Stream, addressed by ?page= and ?before=.

    params are query parameters every page address keeps (a search's q).
    """

    def __init__(self, stream, *, per_page, max_pages, params=None):
        self.stream, self.per_page, self.max_pages = stream, per_page, max_pages
        self.params = dict(params or {})

    def page(self, request):
        """The page the request asks for; BadRequest or Http404 for one we never link to."""
        position, number = self._requested(request.GET)
        stream = self.stream if position is None else self.stream.before(position)
        offset = (number - 1) * self.per_page
        rows = stream[offset : offset + self.per_page + 1]  # one more says "older exist"
        articles, has_older = rows[: self.per_page], len(rows) > self.per_page
        if not articles and (number > 1 or position is not None):
            raise Http404("There are no stories on this page.")
        path = request.path
        older_url = newer_url = None
        if has_older:
            if position is None and number < self.max_pages:
                older_url = self._url(path, page=number + 1)
            else:
                older_url = self._url(path, before=encode_cursor(articles[-1]))
        if number > 2:
            newer_url = self._url(path, page=number - 1)
        elif number == 2 or position is not None:
            newer_url = self._url(path)
        if position is not None:
            canonical = self._url(path, before=request.GET["before"])
        else:
            canonical = self._url(path, page=number) if number > 1 else self._url(path)
        return Page(
            articles=articles,
            number=number,
            older_than=position[0] if position else None,
            older_url=older_url,
            newer_url=newer_url,
            canonical_url=absolute_url(canonical),
        )

    def _url(self, path, **where):
        query = urlencode({**self.params, **where})
        return f"{path}?{query}" if query else path

    def _requested(self, query):
        """(position or None, page number) from the query string."""
        page, before = query.get("page"), query.get("before")
        if before is not None and self.stream.keyset is None:
            raise BadRequest("These results come in numbered pages only.")
        if page is not None and before is not None:
            raise BadRequest("Use either page or before, not both.")
        if before is not None:
            try:
                position = decode_cursor(before)
            except BadCursor:
                raise BadRequest("That page address is not valid.") from None
            # Cursors come from published stories, so none lies in the future.
            if position[0] > timezone.now() + timedelta(days=1):
                raise BadRequest("That page address is not valid.")
            return position, 1
        if page is None:
            return None, 1
        if not page.isascii() or not page.isdigit() or len(page) > MAX_PAGE_DIGITS:
            raise BadRequest("The page number must be a whole number.")
        number = int(page)
        if not 1 <= number <= self.max_pages:
            raise Http404("There is no such page.")
        return None, number
