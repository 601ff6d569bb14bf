"""Store a feed's entries as Items without ever storing one story twice.

Layers, never by date alone: the guid within a source (or, for feeds without guids, the link
when no other entry shares it, else the text); then the normalised URL across sources; then a
hash of the normalised title and summary. An entry that comes back changed updates its row.
"""

import re
import unicodedata
from collections import Counter
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.db import transaction
from django.utils import timezone

from articles import search

from .models import Item, Source, language_code, sha256

TRACKING = re.compile(
    r"^(utm_\w*|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|mc_cid|mc_eid|igshid|"
    r"_hsenc|_hsmi|mkt_tok|ref_src|ocid|cmpid|at_medium|at_campaign)$",
    re.IGNORECASE,
)
DEFAULT_PORTS = {"http": 80, "https": 443}
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Fields an update may change; a difference in any of them is a change worth showing.
TRACKED = ("title", "summary", "content", "url", "authors", "image_url", "image_credit")


def normalise_url(url):
    """Lower-case scheme and host, default port, fragment and tracking parameters removed."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if scheme not in DEFAULT_PORTS or not host:
        return ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)
    ]
    return urlunsplit((scheme, netloc, parts.path or "/", urlencode(query), ""))


def url_key(url):
    """Hash of a normalised URL, the same for http and https."""
    normal = normalise_url(url)
    return sha256(normal.split("://", 1)[1]) if normal else ""


def normalise_text(text):
    text = unicodedata.normalize("NFKC", text or "").casefold()
    return " ".join(_NOT_WORD.sub(" ", text).split())


def text_key(title, summary):
    return sha256(normalise_text(f"{title}\n{summary}"))


def _identity(entry, shared_links):
    if entry["guid"]:
        return entry["guid"]
    if entry["url"] and entry["url"] not in shared_links:
        return normalise_url(entry["url"]) or entry["url"]
    return "text:" + entry["text_hash"]


def _richness(entry):
    return len(entry["summary"]) + len(entry["content"]) + bool(entry["published_at"])


def _fold(entries):
    """One entry per link and headline: a feed that lists a story twice (once without its
    description, say) gives one item, the fullest of the copies. Returns (entries, folded)."""
    kept, where = [], {}
    for entry in entries:
        title = normalise_text(entry["title"])
        key = (url_key(entry["url"]), title) if entry["url"] and title else None
        if key is None or key not in where:
            if key is not None:
                where[key] = len(kept)
            kept.append(entry)
        elif _richness(entry) > _richness(kept[where[key]]):
            kept[where[key]] = entry
    return kept, len(entries) - len(kept)


def store(source: Source, entries, now=None):
    """Insert new entries, update changed ones; return counts by outcome."""
    now = now or timezone.now()
    counts = Counter()
    language = language_code(source.language)  # the editor's word beats the feed's
    prepared = []
    for entry in entries:
        if not entry["title"] and not entry["summary"] and not entry["url"]:
            counts["empty"] += 1
            continue
        if not entry["title"]:
            entry["title"] = entry["summary"][:120] or entry["url"][:500]
        entry["url"] = normalise_url(entry["url"])
        entry["text_hash"] = text_key(entry["title"], entry["summary"])
        entry["language"] = language or language_code(entry.get("language"))
        if source.rights != Source.Rights.FULL:
            entry["content"] = ""  # not ours to keep
        prepared.append(entry)
    prepared, folded = _fold(prepared)
    if folded:
        counts["folded"] += folded
    links = Counter(e["url"] for e in prepared if not e["guid"] and e["url"])
    shared = {link for link, n in links.items() if n > 1}
    batch = {}
    for entry in prepared:
        guid = _identity(entry, shared)
        entry["guid"] = guid[:1000]
        key = sha256(guid)
        if key in batch:  # a guid repeated inside one document: the first wins
            counts["repeated"] += 1
            continue
        batch[key] = entry
    if not batch:
        return counts

    with transaction.atomic():
        existing = {
            item.guid_hash: item
            for item in Item.objects.select_for_update().filter(
                source=source, guid_hash__in=list(batch)
            )
        }
        fresh = {key: entry for key, entry in batch.items() if key not in existing}
        # A copy stored earlier under another guid: the same link and headline in this source.
        ours = {
            (item.url_hash, normalise_text(item.title))
            for item in Item.objects.filter(
                source=source, url_hash__in={url_key(e["url"]) for e in fresh.values()} - {""}
            ).only("url_hash", "title")
        }
        for key, entry in list(fresh.items()):
            if (url_key(entry["url"]), normalise_text(entry["title"])) in ours:
                del fresh[key]
                counts["folded"] += 1
        url_keys = {url_key(e["url"]) for e in fresh.values() if e["url"]} - {""}
        text_keys = {e["text_hash"] for e in fresh.values() if normalise_text(e["title"])}
        by_url, by_text = {}, {}
        if url_keys:
            for item in Item.objects.filter(url_hash__in=url_keys).exclude(source=source):
                by_url.setdefault(item.url_hash, item.duplicate_of_id or item.pk)
        if text_keys:
            for item in Item.objects.filter(text_hash__in=text_keys).exclude(source=source):
                by_text.setdefault(item.text_hash, item.duplicate_of_id or item.pk)

        for key, item in existing.items():
            entry = batch[key]
            changed = [f for f in TRACKED if (entry.get(f) or "") != getattr(item, f)]
            if not changed:
                counts["unchanged"] += 1
                continue
            for name in changed:
                setattr(item, name, entry.get(name) or "")
            item.url_hash = url_key(item.url)
            item.text_hash = entry["text_hash"]
            item.changed_at = now
            fields = [*changed, "url_hash", "text_hash", "changed_at"]
            if item.status in (Item.Status.NEW, Item.Status.FILTERED):
                item.status = _status(source, entry)
                fields.append("status")
            item.save(update_fields=fields)
            counts["updated"] += 1

        new_items = []
        for key, entry in fresh.items():
            hashed_url = url_key(entry["url"])
            original = by_url.get(hashed_url) or by_text.get(entry["text_hash"])
            status = _status(source, entry)
            if original and status == Item.Status.NEW:
                status = Item.Status.DUPLICATE
            new_items.append(
                Item(
                    source=source,
                    guid=entry["guid"],
                    guid_hash=key,
                    url=entry["url"],
                    url_hash=hashed_url,
                    title=entry["title"][:500],
                    summary=entry["summary"],
                    content=entry["content"],
                    authors=entry["authors"],
                    # A date that could not be trusted is the time we first saw the item.
                    published_at=entry["published_at"] or now,
                    published_guessed=entry["published_at"] is None,
                    first_seen_at=now,
                    image_url=entry["image_url"],
                    image_credit=entry["image_credit"],
                    language=entry.get("language", ""),
                    text_hash=entry["text_hash"],
                    status=status,
                    duplicate_of_id=original if status == Item.Status.DUPLICATE else None,
                )
            )
            counts[status] += 1
        Item.objects.bulk_create(new_items)
        # bulk_create sends no signals: the new items reach the desk's search here.
        ids = [item.pk for item in new_items]
        if None in ids:  # a database that cannot return them (MySQL)
            ids = Item.objects.filter(source=source, guid_hash__in=list(fresh)).values_list(
                "pk", flat=True
            )
        search.index_after_commit(list(ids), search.ITEMS)
    return counts


def _status(source, entry):
    if not source.accepts(f"{entry['title']}\n{entry['summary']}"):
        return Item.Status.FILTERED
    return Item.Status.NEW
