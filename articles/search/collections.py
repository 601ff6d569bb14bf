"""What the search indexes hold: the articles, and the newswire desk's items.

Each collection names its full-text fields (most weighty first), the attributes an
engine keeps beside them, and how to read its documents, the time each was last
changed (for reconcile) and the text its snippets come from. The backends
(fts5.py, sphinx.py) are written against this, so one engine serves both.
"""

from dataclasses import dataclass, field


def timestamp(value):
    return int(value.timestamp()) if value else 0


@dataclass
class Document:
    """What an index holds of one row: its text, field by field, and its attributes."""

    id: int
    text: tuple  # the collection's fields, in order
    attrs: dict = field(default_factory=dict)  # name: int, datetime, None or list of ints


class Collection:
    """What every collection shares: three fields, the headline first."""

    # Sphinx's field weights; FTS5's bm25 weights (it has no proximity ranking, so the
    # headline weighs more there).
    weights = (4, 2, 1)
    fts_weights = (10.0, 2.0, 1.0)


class Articles(Collection):
    """Every article, drafts too (the admin lists them); readers ask for public ones."""

    name = "articles"
    noun, singular = "articles", "article"
    fields = ("title", "standfirst", "body")
    # Attributes in the engine: the time that orders "newest" and ages relevance.
    time_attr = "public_since"
    attrs = ("section", "authors", "public_since", "updated")
    fts_table = "articles_search"
    # The model's column for "newest first" and freshness (FTS5 joins the model's table).
    time_column = "published_at"

    @staticmethod
    def model():
        from articles.models import Article

        return Article

    def documents(self, ids=None, *, batch=1000):
        """Documents of these ids (every article when None), in batches, by id."""
        from articles.models import Article, ArticleAuthor

        fields = ("pk", "title", "standfirst", "body", "section_id", "status", "published_at")
        for chunk in _chunks(Article.objects.values_list(*fields, "updated_at"), ids, batch):
            authors = {}
            links = ArticleAuthor.objects.filter(article_id__in=[row[0] for row in chunk])
            for article, author in links.values_list("article_id", "author_id"):
                authors.setdefault(article, []).append(author)
            yield [
                Document(pk, (title, lead, body), {
                    "section": section or 0,  # no NULLs in an engine's attributes
                    "authors": authors.get(pk, []),
                    # None: readers never see it (a draft, a story in review)
                    "public_since": published_at if status == Article.Status.PUBLISHED else None,
                    "updated": updated,
                })
                for pk, title, lead, body, section, status, published_at, updated in chunk
            ]  # fmt: skip

    def stamps(self, first, last):
        """{id: time of the last change, as a Unix timestamp} of ids in [first, last]."""
        rows = self.model().objects.filter(pk__gte=first, pk__lte=last)
        return {pk: timestamp(at) for pk, at in rows.values_list("pk", "updated_at")}

    def texts(self, ids):
        """{id: the text a snippet is cut from}: the body (the card shows the standfirst)."""
        return dict(self.model().objects.filter(pk__in=ids).values_list("pk", "body"))


class Items(Collection):
    """The newswire desk's items: headline, summary and authors, newest first."""

    name = "items"
    noun, singular = "newswire items", "newswire item"
    fields = ("title", "summary", "authors")
    time_attr = "first_seen"
    attrs = ("first_seen", "updated")
    fts_table = "newswire_item_search"
    time_column = "first_seen_at"

    @staticmethod
    def model():
        from newswire.models import Item

        return Item

    def documents(self, ids=None, *, batch=1000):
        fields = ("pk", "title", "summary", "authors", "first_seen_at", "changed_at")
        for chunk in _chunks(self.model().objects.values_list(*fields), ids, batch):
            yield [
                Document(pk, (title, summary, authors), {
                    "first_seen": first_seen, "updated": changed or first_seen,
                })
                for pk, title, summary, authors, first_seen, changed in chunk
            ]  # fmt: skip

    def stamps(self, first, last):
        rows = self.model().objects.filter(pk__gte=first, pk__lte=last)
        return {
            pk: timestamp(changed or seen)
            for pk, seen, changed in rows.values_list("pk", "first_seen_at", "changed_at")
        }

    def texts(self, ids):
        rows = self.model().objects.filter(pk__in=ids).values_list("pk", "summary")
        return dict(rows)


def _chunks(rows, ids, batch):
    """Lists of at most batch rows, by id; only these ids when given."""
    rows = rows.order_by("pk")
    if ids is not None:
        ids = sorted(set(ids))
        for start in range(0, len(ids), batch):
            chunk = list(rows.filter(pk__in=ids[start : start + batch]))
            if chunk:
                yield chunk
        return
    last = 0
    while True:
        chunk = list(rows.filter(pk__gt=last)[:batch])
        if not chunk:
            return
        last = chunk[-1][0]
        yield chunk


ARTICLES = Articles()
ITEMS = Items()
COLLECTIONS = {collection.name: collection for collection in (ARTICLES, ITEMS)}


def counted(count, collection):
    """ "1 article", "3 newswire items"."""
    return f"{count:,} {collection.singular if count == 1 else collection.noun}"


def get(collection):
    """A collection from itself or its name."""
    if isinstance(collection, str):
        return COLLECTIONS[collection]
    return collection
