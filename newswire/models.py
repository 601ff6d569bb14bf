import hashlib
import re
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.db.models.signals import post_delete, post_save, pre_delete
from django.utils import timezone

from aiblogger.concurrency import Versioned


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ISO 639-2 codes and English names some feeds give instead of ISO 639-1.
_LANGUAGE_ALIASES = {
    "eng": "en", "english": "en", "deu": "de", "ger": "de", "german": "de", "fra": "fr",
    "fre": "fr", "french": "fr", "spa": "es", "spanish": "es", "ita": "it", "italian": "it",
    "por": "pt", "portuguese": "pt", "nld": "nl", "dut": "nl", "dutch": "nl", "jpn": "ja",
    "ara": "ar", "rus": "ru", "zho": "zh", "chi": "zh", "ukr": "uk", "pol": "pl",
    "iw": "he", "in": "id", "ji": "yi",  # withdrawn ISO 639-1 codes still seen in feeds
}  # fmt: skip
_LANGUAGE = re.compile(r"[a-z]{2,3}")


def language_code(value):
    """The primary language of a declared code: en-US, en_gb, EN, eng -> en; "" when unknown.

    The one normaliser for sources, feeds and items, so one story is compared under one rule
    whatever spelling its feed used.
    """
    code = str(value or "").strip().lower().replace("_", "-").split("-", 1)[0].strip()
    code = _LANGUAGE_ALIASES.get(code, code)
    return code if _LANGUAGE.fullmatch(code) else ""


class Source(Versioned, models.Model):
    class Rights(models.TextChoices):
        HEADLINE = "headline", "Headline and link only"
        SUMMARY = "summary", "Summary may be quoted with attribution"
        FULL = "full", "Licensed full text"

    name = models.CharField(
        max_length=200, blank=True, help_text="Leave empty to take the feed's own title."
    )
    feed_url = models.URLField(
        "feed URL", max_length=1000, unique=True, help_text="The RSS, Atom or JSON Feed address."
    )
    site_url = models.URLField(
        "site URL", max_length=1000, blank=True, help_text="Leave empty to take it from the feed."
    )
    enabled = models.BooleanField(default=True)
    poll_minutes = models.PositiveIntegerField(
        "poll every (minutes)", default=10, help_text="How often the feed is read."
    )
    section = models.ForeignKey(
        "articles.Section",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Drafts made from this source start in this section.",
    )
    language = models.CharField(
        max_length=20, blank=True, help_text="Such as en, fr, ar; empty: as the feed says."
    )
    rights = models.CharField(
        max_length=10,
        choices=Rights.choices,
        default=Rights.HEADLINE,
        help_text="What drafts may use: the headline and link; also the feed's summary, "
        "quoted and attributed; or the full text we hold a licence for.",
    )
    keywords_all = models.TextField(
        "all of these words",
        blank=True,
        help_text="One word or phrase a line. Items must mention every one (title or summary).",
    )
    keywords_any = models.TextField(
        "any of these words",
        blank=True,
        help_text="One a line. Items must mention at least one of them.",
    )
    keywords_none = models.TextField(
        "none of these words",
        blank=True,
        help_text="One a line. Items mentioning any are set aside.",
    )
    stale_after_hours = models.PositiveIntegerField(
        default=24, help_text="Flag the source as stale when nothing new arrives for this long."
    )

    # Health, written by the poller only.
    last_polled_at = models.DateTimeField(null=True, editable=False)
    last_success_at = models.DateTimeField(null=True, editable=False)
    last_new_item_at = models.DateTimeField(null=True, editable=False)
    last_error = models.CharField(max_length=300, blank=True, editable=False)
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    etag = models.CharField(max_length=300, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    next_poll_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A worker owns the source until then: two workers never poll it at once.
    claimed_until = models.DateTimeField(null=True, editable=False)
    # The poller's health fields: its saves are not edits (aiblogger/concurrency.py).
    concurrency_exempt = (
        "etag", "last_modified", "last_polled_at", "last_success_at", "last_new_item_at",
        "last_error", "consecutive_failures", "next_poll_at",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["enabled", "next_poll_at"], name="source_due_idx")]

    def __str__(self):
        return self.name or self.feed_url

    def save(self, *args, **kwargs):
        self.language = language_code(self.language)
        super().save(*args, **kwargs)

    @property
    def is_stale(self):
        since = self.last_new_item_at or self.created_at
        if since is None:
            return False
        return timezone.now() - since > timedelta(hours=self.stale_after_hours)

    @staticmethod
    def _words(text):
        return [w.strip().casefold() for w in text.splitlines() if w.strip()]

    def accepts(self, text):
        """Whether an item's title and summary pass this source's keyword rules."""
        text = text.casefold()
        if any(word in text for word in self._words(self.keywords_none)):
            return False
        if not all(word in text for word in self._words(self.keywords_all)):
            return False
        wanted = self._words(self.keywords_any)
        return not wanted or any(word in text for word in wanted)


class ItemQuerySet(models.QuerySet):
    def expired(self, days=None):
        """Items past retention that no draft uses."""
        days = settings.NEWSWIRE_RETENTION_DAYS if days is None else days
        cutoff = timezone.now() - timedelta(days=days)
        return self.filter(first_seen_at__lt=cutoff, draft_links__isnull=True)


class ClusterQuerySet(models.QuerySet):
    def recount(self, **also):
        """Store each event's size, number of sources, whether an editor placed one of its
        reports, its first and latest report, from its items, in one UPDATE (the one writer
        of these columns: the worker after grouping, the desk after a move or a give-back,
        retention after removing reports). Both times are on one clock, when the newswire
        first saw a report (feeds' own dates are often missing or guessed): the events list
        shows and orders by them and the sources. An event left with no report keeps its
        dates; its caller deletes it."""
        items = Item.objects.filter(cluster=OuterRef("pk")).order_by().values("cluster")

        def each(aggregate):
            return Subquery(items.annotate(value=aggregate).values("value"))

        return self.update(
            size=Coalesce(each(Count("pk")), 0),
            source_count=Coalesce(each(Count("source", distinct=True)), 0),
            desk_placed=Exists(Item.objects.filter(cluster=OuterRef("pk"), desk_placed=True)),
            first_item_at=Coalesce(each(Min("first_seen_at")), F("first_item_at")),
            last_item_at=Coalesce(each(Max("first_seen_at")), F("last_item_at")),
            **also,
        )

    def recount_or_remove(self):
        """Recount these events after reports left them; remove those left with none."""
        self.recount()
        self.filter(size=0).delete()


class Cluster(models.Model):
    """One event: items from different sources about the same story, grouped by the worker;
    an editor may move reports between events on the desk (newswire/placing.py)."""

    language = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=500, help_text="The first item's headline.")
    first_item_at = models.DateTimeField(
        "first report seen at",
        default=timezone.now,
        help_text="When the newswire first saw "
        "its earliest report (not the feed's publication date).",
    )
    last_item_at = models.DateTimeField(
        "latest report seen at",
        default=timezone.now,
        db_index=True,
        help_text="When the newswire first saw its latest report.",
    )
    size = models.PositiveIntegerField(default=0)
    # Stored, not counted a request: the events list orders by it (counted from the items'
    # index, the order took 50 ms at 10k events and 258 at 50k; read from cluster_order_idx,
    # 0.2 ms; migration 0018).
    source_count = models.PositiveIntegerField(
        "sources", default=0, editable=False, help_text="How many sources reported it."
    )
    # Stored for the events list's filter, which read every event's items for it.
    desk_placed = models.BooleanField(
        "placed by an editor",
        default=False,
        editable=False,
        help_text="An editor placed one of its reports here: the machine never merges it.",
    )
    # Worker-made extract for drafts: [{"text", "item"}] for standfirst and body, central first.
    digest = models.JSONField(default=dict, blank=True, editable=False)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["-last_item_at", "-id"]
        verbose_name = "event"
        indexes = [
            # The events list's order (most sources, then latest report), read backward; the
            # size and the editor's mark end each key so the size and "placed" filters and
            # the bounded count read the index alone. Ascending: MariaDB lists the language
            # filter's languages from the second a seek a value (loose index scan), which it
            # does not do on descending key parts.
            models.Index(
                fields=["source_count", "last_item_at", "id", "size", "desk_placed"],
                name="cluster_order_idx",
            ),
            models.Index(
                fields=["language", "source_count", "last_item_at", "id", "size", "desk_placed"],
                name="cluster_language_order_idx",
            ),
        ]

    def __str__(self):
        return self.title


class Item(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        USED = "used", "Used in a draft"
        DISMISSED = "dismissed", "Dismissed"
        FILTERED = "filtered", "Filtered out by keywords"
        DUPLICATE = "duplicate", "Duplicate"

    # No index of its own: item_unique_guid begins with it (migration 0016).
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="items", db_index=False
    )
    guid = models.CharField(max_length=1000, help_text="The feed's id for the item.")
    # Unique per source; a hash because MySQL cannot index 1000 utf8mb4 characters.
    guid_hash = models.CharField(max_length=64, editable=False)
    url = models.URLField("link", max_length=2000, blank=True)
    url_hash = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    title = models.CharField(max_length=500)
    summary = models.TextField(blank=True, help_text="Plain text.")
    content = models.TextField(blank=True, help_text="Sanitised HTML, kept for full rights only.")
    authors = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="As the feed gives it.")
    published_guessed = models.BooleanField(
        "date guessed",
        default=False,
        help_text="The feed gave no date that could be trusted (missing, unreadable, misread "
        "or implausible): the time the item was first seen stands in for it.",
    )
    first_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the source last changed the item."
    )
    image_url = models.URLField(max_length=2000, blank=True)
    image_credit = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=20, blank=True)
    text_hash = models.CharField(max_length=64, db_index=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )

    # Machine assistance, written by the task worker (newswire/assist.py).
    embedding = models.BinaryField(null=True, editable=False)
    embedding_model = models.CharField(max_length=100, blank=True, editable=False)
    # No index of its own: item_event_idx begins with it and serves the foreign key (InnoDB's
    # too), the desk's list of an event's items and the events list (migration 0014).
    cluster = models.ForeignKey(
        Cluster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="items",
        db_index=False,
    )
    # The one mark of an editor's judgement the worker honours (newswire/assist.py): it never
    # moves this item to another event, nor merges its event with another.
    desk_placed = models.BooleanField(
        "placed by an editor",
        default=False,
        editable=False,
        help_text="An editor put this item in its event: the machine leaves it there and "
        "never merges that event with another.",
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["-first_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "guid_hash"], name="item_unique_guid"),
        ]
        indexes = [
            models.Index(fields=["status", "-first_seen_at"], name="item_desk_idx"),
            # The desk's filters in its order, and the source list's items in 24 hours.
            models.Index(fields=["source", "-first_seen_at", "-id"], name="item_desk_source_idx"),
            # Ascending, as the events' language index (a seek a language for the filter's
            # choices: under 1 ms at 100k items, where the descending one was read whole, 53 ms).
            models.Index(
                fields=["language", "first_seen_at", "id"], name="item_desk_language_idx"
            ),
            # Each event's number of sources and editor's mark (recount), and the sources
            # and marks of the events list's page, from the index alone; the event's own
            # index too.
            models.Index(
                fields=["cluster", "source", "first_seen_at", "desk_placed"],
                name="item_event_idx",
            ),
        ]

    def __str__(self):
        return self.title


class DraftSource(models.Model):
    """Provenance: an item a draft article was built from."""

    article = models.ForeignKey(
        "articles.Article", on_delete=models.CASCADE, related_name="newswire_links"
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="draft_links")
    position = models.PositiveSmallIntegerField(default=0)
    # Copied, so the article keeps its sources even if the item changes.
    source_name = models.CharField(max_length=200)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=2000)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "newswire source of an article"
        constraints = [
            models.UniqueConstraint(fields=["article", "item"], name="draftsource_unique"),
        ]

    def __str__(self):
        return f"{self.source_name}: {self.title}"


class ArticleAssist(models.Model):
    """What the worker computed for an article: its embedding, related stories, suggestions."""

    article = models.OneToOneField(
        "articles.Article", on_delete=models.CASCADE, primary_key=True, related_name="assist"
    )
    embedding = models.BinaryField(null=True, editable=False)
    embedding_model = models.CharField(max_length=100, blank=True)
    related = models.JSONField(default=list, blank=True)  # article ids, nearest first
    suggestions = models.JSONField(default=dict, blank=True)  # {"section": [...], "tags": [...]}
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"assistance for article {self.article_id}"


class Suggester(models.Model):
    """Section and tag centroids trained nightly on the site's own published articles."""

    kind = models.CharField(max_length=10, unique=True)  # "tags" or "section"
    embedding_model = models.CharField(max_length=100)
    labels = models.JSONField(default=list)  # ids, one a row of `centroids`
    centroids = models.BinaryField()
    trained_on = models.PositiveIntegerField(default=0)
    trained_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.kind} suggester ({self.trained_on} articles)"


def due_sources(now=None):
    now = now or timezone.now()
    return Source.objects.filter(enabled=True).filter(
        Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    )


# What the search index holds of an item (articles/search/collections.py, Items).
_INDEXED = {"title", "summary", "authors", "first_seen_at", "changed_at"}


def _reindex_item(sender, instance, update_fields=None, **kwargs):
    """A saved item's text reaches the desk's search index after the commit; a deleted
    item leaves it. A save of other fields (its status, its event) leaves it as it is."""
    from articles import search

    if update_fields is None or _INDEXED & set(update_fields):
        search.index_after_commit(instance.pk, search.ITEMS)


post_save.connect(_reindex_item, sender=Item, dispatch_uid="search-Item")
post_delete.connect(_reindex_item, sender=Item, dispatch_uid="search-Item-deleted")


def _note_source_events(sender, instance, **kwargs):
    """A source's items go with it (CASCADE): the events they were in are noted before,
    and recounted after (removed when left with no report), whatever deleted it."""
    instance._events = list(
        Item.objects.filter(source=instance, cluster__isnull=False)
        .order_by()
        .values_list("cluster_id", flat=True)
        .distinct()
    )


def _recount_source_events(sender, instance, **kwargs):
    Cluster.objects.filter(pk__in=getattr(instance, "_events", ())).recount_or_remove()


pre_delete.connect(_note_source_events, sender=Source, dispatch_uid="events-Source-deleting")
post_delete.connect(_recount_source_events, sender=Source, dispatch_uid="events-Source-deleted")
