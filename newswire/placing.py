"""An editor's placement of reports in events: split an event, move reports into another.

The worker groups reports by machine (newswire/assist.py) and sometimes joins two stories.
An editor moves the reports that tell the other story into a new event, or into the event
they belong to; the moved items are marked `desk_placed`, and the worker honours the mark: it
never moves them again, nor merges their event with another.

Runs in the web request, so it loads no model: sizes and dates are recounted here and each
side keeps the extract sentences of its own reports; the worker recomputes both extracts
after the commit (tasks.refresh_events_task).
"""

from dataclasses import dataclass

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db import transaction
from django.db.models.functions import Coalesce

from .models import Cluster, Item


class Refused(Exception):
    """Nothing moved; the message tells the editor why."""


@dataclass
class Moved:
    event: Cluster  # where the reports are now
    source: Cluster  # the event they came from; deleted when the move emptied it
    count: int
    created: bool  # a new event, split off `source`
    emptied: bool


def _parts(digest, keep):
    """The extract entries of a digest whose reports all pass `keep` (an item id test)."""
    digest = digest or {}
    return {
        "sentences": [s for s in digest.get("sentences", []) if keep(s.get("item"))],
        "differ": [
            d
            for d in digest.get("differ", [])
            if keep(d.get("older_item")) and keep(d.get("newer_item"))
        ],
    }


def _with(digest, parts):
    """`digest` with `parts` added after its own entries; the worker's model name kept."""
    digest = digest or {}
    return {
        **digest,
        "sentences": [*digest.get("sentences", []), *parts["sentences"]],
        "differ": [*digest.get("differ", []), *parts["differ"]],
    }


@transaction.atomic
def move_items(*, items, by, to=None, shown=None):
    """Move `items` (a QuerySet), all reports of one event, into the event whose id is `to`,
    or into a new event when `to` is None; record it in the admin's history as `by`.

    `shown` maps an item's id to the event id the editor's page showed it in (None: in no
    event): an item moved since refuses the whole move. Raises Refused, having changed
    nothing. A constant number of queries, whatever the number of items.
    """
    shown = shown or {}
    rows = items.values_list("pk", "cluster_id", "title")
    current = {pk: (event, title) for pk, event, title in rows}
    if not current:
        raise Refused("Nothing moved: no item was selected.")
    if set(shown) - set(current):  # selected, but no longer in the list's filter
        raise Refused(
            "Nothing moved: a selected item changed event since this list was shown "
            "(another editor or the worker moved it). Reload the list and choose again."
        )
    for pk, (event, title) in current.items():
        if pk in shown and shown[pk] != event:
            raise Refused(
                f"Nothing moved: “{title}” changed event since this list was shown (another "
                "editor or the worker moved it). Reload the list and choose again."
            )
    for event, title in current.values():
        if event is None:
            raise Refused(
                f"Nothing moved: “{title}” is in no event yet; the worker groups new items "
                "within minutes."
            )
    events = {event for event, _title in current.values()}
    if len(events) > 1:
        raise Refused(
            f"Nothing moved: the selected items are in {len(events)} events. Move the items "
            "of one event at a time (its page links to them on the desk)."
        )
    (source_id,) = events
    if to == source_id:
        raise Refused(f"Nothing moved: the selected items are already in event {to}.")

    # Events first, then their reports, in the order the worker's merges lock them: an
    # editor and the worker never wait on each other in a circle.
    locked = {
        event.pk: event
        for event in Cluster.objects.select_for_update()
        .filter(pk__in={source_id, to} - {None})
        .order_by("pk")
    }
    if to is not None and to not in locked:
        raise Refused(f"Nothing moved: there is no event {to}. Give its number or its link.")
    rows = list(
        Item.objects.select_for_update()
        .filter(pk__in=current)
        .only("pk", "title", "cluster_id", "language", "published_at", "first_seen_at")
        .order_by(Coalesce("published_at", "first_seen_at"), "pk")
    )
    source = locked.get(source_id)
    if source is None or len(rows) != len(current) or any(r.cluster_id != source_id for r in rows):
        # Between the read above and the locks, the worker merged the event or moved one.
        raise Refused(
            "Nothing moved: these items changed event while you chose them. Reload the "
            "list and choose again."
        )
    moved = {row.pk for row in rows}
    others = Item.objects.filter(cluster_id=source_id).exclude(pk__in=moved).exists()
    if to is None and not others:
        raise Refused(
            f"Nothing moved: these are all the items of “{source}”. Select only the ones "
            "that tell another story."
        )

    parts = _parts(source.digest, moved.__contains__)
    if to is None:
        first = rows[0]
        when = first.published_at or first.first_seen_at
        event = Cluster.objects.create(
            language=first.language, title=first.title[:500], first_item_at=when,
            last_item_at=when, digest=parts,
        )  # fmt: skip
    else:
        event = locked[to]
        event.digest = _with(event.digest, parts)
        Cluster.objects.filter(pk=event.pk).update(digest=event.digest)
    Item.objects.filter(pk__in=moved).update(cluster=event, desk_placed=True)
    if others:
        source.digest = {
            **(source.digest or {}),
            **_parts(source.digest, lambda pk: pk not in moved),
        }
        Cluster.objects.filter(pk=source.pk).update(digest=source.digest)
        Cluster.objects.filter(pk__in=[event.pk, source.pk]).recount()
    else:
        Cluster.objects.filter(pk=event.pk).recount()
        Cluster.objects.filter(pk=source.pk).delete()

    where = f"event {event.pk} “{event.title}”"
    LogEntry.objects.log_actions(
        by.pk, rows, CHANGE, f"Moved by an editor from event {source_id} “{source}” to {where}."
    )
    LogEntry.objects.log_actions(
        by.pk,
        [event],
        ADDITION if to is None else CHANGE,
        f"{len(rows)} item(s) moved here from event {source_id} “{source}” by an editor.",
        single_object=True,
    )
    LogEntry.objects.log_actions(
        by.pk,
        [source],
        CHANGE if others else DELETION,
        f"{len(rows)} item(s) moved to {where} by an editor."
        + ("" if others else " No item was left: the event was removed."),
        single_object=True,
    )

    from .tasks import refresh_events_task

    refresh = [event.pk, source.pk] if others else [event.pk]
    transaction.on_commit(lambda: refresh_events_task.enqueue(refresh))
    return Moved(
        event=event, source=source, count=len(rows), created=to is None, emptied=not others
    )
