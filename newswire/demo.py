"""The demo newswire for `make run`: a few small feeds shipped in newswire/demo_feeds/, read
from disk through the same parse and store as a real poll (nothing is fetched), then grouped
into events by the assistance and one event turned into a draft, so the desk has something
to show. Safe to run again: the feeds' items are stored once, the draft is made once."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import dedupe, fetch
from .drafts import make_draft
from .models import Cluster, DraftSource, Item, Source

FEEDS = Path(__file__).parent / "demo_feeds"
# file, rights; the address is never fetched: the sources are disabled, the poller skips them.
DEMO_SOURCES = [
    ("harbour-gazette.xml", Source.Rights.SUMMARY),
    ("coastal-wire.xml", Source.Rights.FULL),
    ("metro-daily.json", Source.Rights.SUMMARY),
    ("nordsee-rundschau.xml", Source.Rights.HEADLINE),
]
DEMO_HOST = "https://demo-feeds.example/"


def _load(name, rights, now):
    feed_url = DEMO_HOST + name
    body = (FEEDS / name).read_bytes()
    kind = "application/feed+json" if name.endswith(".json") else "application/rss+xml"
    feed = fetch.parse(body, kind, feed_url)
    source, _ = Source.objects.get_or_create(
        feed_url=feed_url,
        defaults={"name": f"{feed.title} (demo)", "site_url": feed.site_url, "rights": rights,
                  "enabled": False},
    )  # fmt: skip
    counts = dedupe.store(source, feed.entries, now=now)
    source.last_polled_at = source.last_success_at = now
    if counts.get(Item.Status.NEW):
        source.last_new_item_at = now
    source.save(update_fields=["last_polled_at", "last_success_at", "last_new_item_at"])
    return source


def _group_and_draft(sources):
    """Events by the assistance (when its model package is installed), then one draft."""
    from . import assist

    try:
        assist.process_items()
    except assist.AssistUnavailable as exc:
        return f"no events ({exc})"
    if DraftSource.objects.filter(item__source__in=sources).exists():
        return "events grouped; the demo draft exists"
    editor = get_user_model().objects.filter(groups__name="Editor").order_by("pk").first()
    event = (
        Cluster.objects.filter(items__source__in=sources)
        .order_by("-size", "pk")
        .distinct()
        .first()
    )
    if editor is None or event is None:
        return "events grouped; no editor for a draft"
    items = list(event.items.select_related("source", "source__section"))
    article = make_draft(items=items, by=editor, digest=event.digest)
    return f"events grouped; draft “{article.title}” made from {len(items)} items"


def seed_newswire():
    """Load the demo feeds, group events, make one draft; return one line saying what was done."""
    now = timezone.now()
    sources = [_load(name, rights, now) for name, rights in DEMO_SOURCES]
    outcome = _group_and_draft(sources)
    items = Item.objects.filter(source__in=sources).count()
    return f"Demo newswire: {len(sources)} sources, {items} items, {outcome}."
