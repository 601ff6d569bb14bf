"""An editor's placement of reports in events: split an event, move reports into another.

The worker groups reports by machine (newswire/assist.py) and sometimes joins two stories.
An editor moves the reports that tell the other story into a new event, or into the event
they belong to; the moved items are marked `desk_placed`, and the worker honours the mark: it
never moves them again, nor merges their event with another, until an editor gives them back
to the machine (give_back: the mark goes and the worker places them again by its own rules).

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


def _check_shown(current, shown, nothing):
    """Refuse when an item the editor's page showed has changed event since: `current` maps
    an item's id to (its event id now, its title), `shown` to the event the page showed."""
    stale = (
        "changed event since this list was shown (another editor or the worker moved it). "
        "Reload the list and choose again."
    )
    if set(shown) - set(current):  # selected, but no longer in the list's filter
        raise Refused(f"{nothing}: a selected item {stale}")
    for pk, (event, title) in current.items():
        if pk in shown and shown[pk] != event:
            raise Refused(f"{nothing}: “{title}” {stale}")


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
    _check_shown(current, shown, "Nothing moved")
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
        when = first.first_seen_at  # the events' clock (Cluster.objects.recount)
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


@dataclass
class GivenBack:
    count: int  # items the machine places again
    kept: int  # selected items the machine placed already: nothing to give back
    events: list  # the events they were in, by id


@transaction.atomic
def give_back(*, items, by, shown=None):
    """Hand `items` (a QuerySet) an editor placed back to the machine: their mark is cleared
    and they are queued for the worker, which places them again as it places a changed report
    (they may stay, join another event or start their own; an event left with no report an
    editor placed may be merged again). Record it in the admin's history as `by`.

    `shown` as for move_items: an item moved since the page was shown refuses it all. Raises
    Refused, having changed nothing. A constant number of queries, whatever the number.
    """
    shown = shown or {}
    rows = list(items.values_list("pk", "cluster_id", "title", "desk_placed"))
    current = {pk: (event, title) for pk, event, title, _placed in rows}
    if not current:
        raise Refused("Nothing given back: no item was selected.")
    _check_shown(current, shown, "Nothing given back")
    placed = {pk for pk, _event, _title, desk in rows if desk}
    if not placed:
        raise Refused(
            "Nothing given back: no selected item was placed by an editor; the machine "
            "places them already."
        )
    # Locked in the order of a move (events, then their reports), so neither waits on the
    # other in a circle; a move or a run of the worker in between refuses it.
    events = {current[pk][0] for pk in placed} - {None}
    locked = {
        event.pk: event
        for event in Cluster.objects.select_for_update()
        .filter(pk__in=events)
        .only("pk", "title")
        .order_by("pk")
    }
    rows = list(
        Item.objects.select_for_update()
        .filter(pk__in=placed, desk_placed=True)
        .only("pk", "title", "cluster_id")
        .order_by("pk")
    )
    if (
        len(rows) != len(placed)
        or any(row.cluster_id != current[row.pk][0] for row in rows)
        or set(locked) != events
    ):
        raise Refused(
            "Nothing given back: these items changed while you chose them. Reload the list "
            "and choose again."
        )
    # No longer the editor's, and waiting for the worker as a report its source changed.
    Item.objects.filter(pk__in=placed).update(desk_placed=False, embedding_model="")
    Cluster.objects.filter(pk__in=locked).recount()  # an event may hold no editor's report now
    LogEntry.objects.log_actions(
        by.pk,
        rows,
        CHANGE,
        "Given back to the machine by an editor: the worker places it again (it may stay in "
        "its event, join another or start its own).",
    )
    LogEntry.objects.log_actions(
        by.pk,
        locked.values(),
        CHANGE,
        "Items an editor had placed here were given back to the machine by an editor.",
    )

    from .tasks import assist_items_task

    transaction.on_commit(assist_items_task.enqueue)
    return GivenBack(count=len(rows), kept=len(current) - len(rows), events=sorted(locked))
