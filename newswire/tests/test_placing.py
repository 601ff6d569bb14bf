"""An editor splits an event, or moves reports into another, on the desk; the worker
leaves the editor's placement as it is (newswire/placing.py, newswire/assist.py)."""

import threading

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry, LogEntryManager
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from newswire import assist, events, placing
from newswire.models import Cluster, Item
from newswire.tests.test_assist import (
    CB_EN_1,
    CB_EN_2,
    CB_EN_SYNDICATED,
    FLOOD_EN,
    make_item,
    make_source,
)
from newswire.tests.test_workers import needs_server

pytestmark = pytest.mark.django_db

DESK = "/admin/newswire/item/"


def event(title, items, *, digest=None):
    """An event as the worker leaves it, holding `items`."""
    times = [item.first_seen_at for item in items]
    cluster = Cluster.objects.create(
        title=title, language="en", size=len(items), first_item_at=min(times),
        last_item_at=max(item.first_seen_at for item in items), digest=digest or {},
    )  # fmt: skip
    Item.objects.filter(pk__in=[item.pk for item in items]).update(cluster=cluster)
    for item in items:
        item.cluster_id = cluster.pk
    return cluster


@pytest.fixture
def mixed():
    """One event the machine made of two stories: a rate rise (two reports) and a flood
    (two reports), with an extract that quotes each."""
    wire, herald = make_source("Wire"), make_source("Herald")
    rates = [make_item(wire, CB_EN_1, minutes=0), make_item(herald, CB_EN_2, minutes=5)]
    flood = [
        make_item(wire, FLOOD_EN, minutes=10),
        make_item(herald, ("River floods villages", "About 3,000 people left."), minutes=20),
    ]
    one, two = flood
    digest = {
        "model": "wordllama-test",
        "sentences": [{"text": "rates", "item": rates[0].pk}, {"text": "flood", "item": one.pk}],
        "differ": [
            {"older": "3,000", "older_item": one.pk, "newer": "3,500", "newer_item": two.pk},
            {"older": "4.25", "older_item": rates[0].pk, "newer": "4.5", "newer_item": two.pk},
        ],
    }  # fmt: skip
    cluster = event(CB_EN_1[0], rates + flood, digest=digest)
    return {"event": cluster, "rates": rates, "flood": flood}


def post(client, action, items, *, shown=None, url=DESK, follow=True, **data):
    """The desk's action as the browser sends it: the selected items, and every row's
    event as the list showed it."""
    shown = {item.pk: item.cluster_id for item in items} if shown is None else shown
    return client.post(
        url,
        {
            "action": action,
            "_selected_action": [item.pk for item in items],
            "_events": [f"{pk}:{event or ''}" for pk, event in shown.items()],
            "index": 0,
            **data,
        },
        follow=follow,
    )


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def unchanged(mixed):
    items = mixed["rates"] + mixed["flood"]
    clusters = set(Item.objects.filter(pk__in=[i.pk for i in items]).values_list("cluster_id"))
    return (
        clusters == {(mixed["event"].pk,)}
        and Cluster.objects.count() == 1
        and not Item.objects.filter(desk_placed=True).exists()
    )


# --- Splitting and moving -----------------------------------------------------------------


def test_an_editor_splits_an_event_and_is_told_where_the_items_went(
    client_for, editor, mixed, django_capture_on_commit_callbacks
):
    flood, old = mixed["flood"], mixed["event"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for(editor), "move_to_new_event", flood)
    new = Cluster.objects.exclude(pk=old.pk).get()
    [message] = messages_of(response)
    assert f'href="/admin/newswire/cluster/{new.pk}/change/"' in message
    assert "2 item(s) moved to a new event" in message and new.title in message
    assert new.title == FLOOD_EN[0]  # the earliest report names it
    assert set(new.items.values_list("pk", flat=True)) == {item.pk for item in flood}
    assert all(new.items.values_list("desk_placed", flat=True))
    old.refresh_from_db()
    assert (old.size, new.size) == (2, 2)
    # Both times when the reports were first seen (the events list's one clock).
    assert old.first_item_at == mixed["rates"][0].first_seen_at
    assert old.last_item_at == mixed["rates"][1].first_seen_at
    assert (new.first_item_at, new.last_item_at) == (
        flood[0].first_seen_at,
        flood[1].first_seen_at,
    )
    # Each side keeps the extract of its own reports until the worker picks afresh.
    assert old.digest["sentences"] == [{"text": "rates", "item": mixed["rates"][0].pk}]
    assert old.digest["differ"] == [] and old.digest["model"] == "wordllama-test"
    assert new.digest["sentences"] == [{"text": "flood", "item": flood[0].pk}]
    assert [d["newer"] for d in new.digest["differ"]] == ["3,500"]
    queued = DBTaskResult.objects.get(task_path__endswith="refresh_events_task")
    assert queued.args_kwargs["args"] == [[new.pk, old.pk]]
    # In each item's history and each event's.
    logged = LogEntry.objects.filter(user=editor)
    for item in flood:
        entry = logged.get(object_id=str(item.pk), content_type__model="item")
        assert entry.action_flag == CHANGE and f"to event {new.pk}" in entry.change_message
    assert logged.get(object_id=str(new.pk), content_type__model="cluster").action_flag == ADDITION
    assert logged.get(object_id=str(old.pk), content_type__model="cluster").action_flag == CHANGE
    page = client_for(editor).get(f"{DESK}{flood[0].pk}/history/").content.decode()
    assert f"Moved by an editor from event {old.pk}" in page
    page = client_for(editor).get(f"{DESK}{flood[0].pk}/change/").content.decode()
    assert "An editor: the machine leaves it" in page and f"/cluster/{new.pk}/change/" in page
    listed = client_for(editor).get(f"{DESK}?cluster={new.pk}").content.decode()
    assert listed.count('class="desk-placed"') == 2  # the desk marks them too
    listed = client_for(editor).get(f"{DESK}?cluster={old.pk}").content.decode()
    assert 'class="desk-placed"' not in listed


def test_an_event_page_leads_to_its_items_on_the_desk(client_for, author, mixed):
    client = client_for(author)
    page = client.get(f"/admin/newswire/cluster/{mixed['event'].pk}/change/").content.decode()
    link = f"{DESK}?cluster={mixed['event'].pk}"
    assert link in page
    other = make_item(make_source("Other"), ("Unrelated", "Nothing to do with it."), minutes=30)
    assert other.title in client.get(DESK).content.decode()
    listed = client.get(link).content.decode()
    assert "Move the selected items to a new event" in listed
    assert f'name="_events" value="{mixed["flood"][0].pk}:{mixed["event"].pk}"' in listed
    assert other.title not in listed


@pytest.mark.parametrize(
    "given", ["{pk}", "#{pk}", "https://news.example/admin/newswire/cluster/{pk}/change/"]
)
def test_items_move_into_another_event_by_its_number_or_link(client_for, author, mixed, given):
    flood = mixed["flood"]
    target = event(FLOOD_EN[0], [make_item(make_source("Post"), FLOOD_EN, minutes=30)])
    response = post(client_for(author), "move_to_event", flood, event=given.format(pk=target.pk))
    [message] = messages_of(response)
    assert "2 item(s) moved to the event" in message and f"/cluster/{target.pk}/" in message
    target.refresh_from_db()
    assert target.size == 3
    assert set(Item.objects.filter(desk_placed=True).values_list("pk", flat=True)) == {
        item.pk for item in flood
    }
    assert Cluster.objects.get(pk=mixed["event"].pk).size == 2


def test_moving_every_item_of_an_event_away_removes_it(client_for, editor, mixed):
    rates = mixed["rates"]
    alone = event(CB_EN_2[0], [make_item(make_source("Post"), CB_EN_2, minutes=40)])
    target = event(CB_EN_1[0], [make_item(make_source("Daily"), CB_EN_1, minutes=50)])
    response = post(client_for(editor), "move_to_event", alone.items.all(), event=str(target.pk))
    assert "had no item left and was removed" in messages_of(response)[0]
    assert not Cluster.objects.filter(pk=alone.pk).exists()
    entry = LogEntry.objects.get(object_id=str(alone.pk), content_type__model="cluster")
    assert entry.action_flag == DELETION
    assert Cluster.objects.get(pk=target.pk).size == 2
    assert Cluster.objects.get(pk=mixed["event"].pk).items.filter(pk=rates[0].pk).exists()


# --- Who may ------------------------------------------------------------------------------


def test_only_those_who_may_change_items_can_move_them(client_for, contributor, mixed):
    from accounts.tests.factories import UserFactory

    assert post(client_for(contributor), "move_to_new_event", mixed["flood"]).status_code == 403
    reader = UserFactory(role="Contributor", is_staff=True)
    reader.user_permissions.add(
        Permission.objects.get(codename="view_item", content_type__app_label="newswire")
    )
    client = client_for(reader)
    assert "Move the selected items" not in client.get(DESK).content.decode()
    for action in ("move_to_new_event", "move_to_event"):
        response = post(client, action, mixed["flood"], event=str(mixed["event"].pk))
        # With no action of theirs, the admin takes the POST for a page view: no action runs.
        assert response.status_code == 200 and messages_of(response) == []
    assert unchanged(mixed)


# --- Bad input: a clear message, nothing changed -------------------------------------------


def test_no_item_selected(client_for, editor, mixed):
    response = post(client_for(editor), "move_to_new_event", [])
    assert "Items must be selected" in messages_of(response)[0]
    assert unchanged(mixed)
    with pytest.raises(placing.Refused, match="no item was selected"):
        placing.move_items(items=Item.objects.none(), by=editor)


def test_items_of_several_events_are_refused(client_for, editor, mixed):
    other = event(CB_EN_2[0], [make_item(make_source("Post"), CB_EN_2, minutes=40)])
    response = post(
        client_for(editor), "move_to_new_event", [mixed["flood"][0], *other.items.all()]
    )
    assert "the selected items are in 2 events" in messages_of(response)[0]
    assert Cluster.objects.get(pk=other.pk).size == 1
    assert not Item.objects.filter(desk_placed=True).exists()


def test_an_item_in_no_event_is_refused(client_for, editor, mixed):
    loose = make_item(make_source("Post"), CB_EN_2, minutes=40)
    response = post(client_for(editor), "move_to_new_event", [mixed["flood"][0], loose])
    assert f"“{loose.title}” is in no event yet" in messages_of(response)[0]
    assert unchanged(mixed)


def test_all_the_items_of_an_event_cannot_be_split_off(client_for, editor, mixed):
    response = post(client_for(editor), "move_to_new_event", mixed["rates"] + mixed["flood"])
    assert "these are all the items of" in messages_of(response)[0]
    assert unchanged(mixed)


@pytest.mark.parametrize(
    ("given", "said"),
    [("", "give the event's number (the desk's"), ("tomorrow", "give the event's number"),
     ("999999", "there is no event 999999"), ("{same}", "already in event")],
)  # fmt: skip
def test_a_missing_or_wrong_event_is_refused(client_for, editor, mixed, given, said):
    given = given.format(same=mixed["event"].pk)
    response = post(client_for(editor), "move_to_event", mixed["flood"], event=given)
    assert said in messages_of(response)[0]
    assert unchanged(mixed)


def test_a_page_shown_before_another_editor_moved_the_items_is_refused(client_for, editor, mixed):
    flood = mixed["flood"]
    shown = {item.pk: item.cluster_id for item in flood}  # the list as it was shown
    placing.move_items(items=Item.objects.filter(pk=flood[1].pk), by=editor)  # someone else
    moved = Item.objects.get(pk=flood[1].pk).cluster_id
    response = post(client_for(editor), "move_to_new_event", flood, shown=shown)
    assert "changed event since this list was shown" in messages_of(response)[0]
    assert Cluster.objects.count() == 2
    assert Item.objects.get(pk=flood[0].pk).cluster_id == mixed["event"].pk
    assert Item.objects.get(pk=flood[1].pk).cluster_id == moved
    # Listed by its event, the moved item has left the filter: refused too, not half done.
    url = f"{DESK}?cluster={mixed['event'].pk}"
    response = post(client_for(editor), "move_to_new_event", flood, shown=shown, url=url)
    assert "changed event since this list was shown" in messages_of(response)[0]
    assert Cluster.objects.count() == 2


def test_the_move_costs_the_same_queries_for_two_items_or_twenty(client_for, editor):
    counts = []
    for n in (2, 20):
        source = make_source(f"Wire{n}")
        items = [make_item(source, (f"Story {n} {k}", "Text."), minutes=k) for k in range(n + 1)]
        event(f"Event {n}", items)
        client = client_for(editor)
        ContentType.objects.clear_cache()  # both runs look the types up once
        with CaptureQueriesContext(connection) as queries:
            response = post(client, "move_to_new_event", items[1:], follow=False)
        assert response.status_code == 302
        assert Item.objects.filter(desk_placed=True, source=source).count() == n
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- "Select all N items" across pages --------------------------------------------------


@pytest.fixture
def two_a_page(monkeypatch):
    from django.contrib import admin

    monkeypatch.setattr(admin.site._registry[Item], "list_per_page", 2)


@pytest.mark.parametrize("action", ["move_to_new_event", "move_to_event", "give_back"])
def test_select_all_over_rows_never_shown_is_refused(client_for, editor, mixed, action):
    """Rows past the page carry no event as the editor saw it: not moved on a guess."""
    target = event(FLOOD_EN[0], [make_item(make_source("Post"), FLOOD_EN, minutes=30)])
    Item.objects.filter(pk=mixed["flood"][1].pk).update(desk_placed=True)
    response = post(
        client_for(editor), action, mixed["flood"], event=str(target.pk), select_across="1"
    )
    [message] = messages_of(response)
    assert "“Select all” takes items this page did not show" in message
    assert Cluster.objects.get(pk=target.pk).size == 1
    assert Item.objects.filter(cluster=mixed["event"]).count() == 4
    assert Item.objects.get(pk=mixed["flood"][1].pk).desk_placed


def test_select_all_of_one_events_items_moves_every_one(client_for, editor, mixed, two_a_page):
    """Listed by its event, every row's event is known, shown or not: that one."""
    target = event(FLOOD_EN[0], [make_item(make_source("Post"), FLOOD_EN, minutes=30)])
    url = f"{DESK}?cluster={mixed['event'].pk}"
    page = client_for(editor).get(url)
    shown = {item.pk: item.cluster_id for item in page.context["cl"].result_list}
    assert len(shown) == 2  # of the event's four
    response = post(
        client_for(editor), "move_to_event", Item.objects.filter(pk__in=shown), shown=shown,
        url=url, event=str(target.pk), select_across="1",
    )  # fmt: skip
    assert "4 item(s) moved to the event" in messages_of(response)[0]
    assert Cluster.objects.get(pk=target.pk).size == 5
    assert not Cluster.objects.filter(pk=mixed["event"].pk).exists()
    # A row the page showed that has moved since still refuses the whole selection.
    back = event(CB_EN_1[0], list(Item.objects.filter(pk__in=shown)))
    moved_on, stays = shown
    event(CB_EN_2[0], [Item.objects.get(pk=moved_on)])
    url = f"{DESK}?cluster={back.pk}"
    response = post(
        client_for(editor), "move_to_event", Item.objects.filter(pk__in=shown),
        shown=dict.fromkeys(shown, back.pk), url=url, event=str(target.pk), select_across="1",
    )  # fmt: skip
    assert "changed event since this list was shown" in messages_of(response)[0]
    assert Item.objects.get(pk=stays).cluster_id == back.pk


def test_two_events_in_the_filter_are_not_one(rf):
    from newswire.admin import listed_event

    assert listed_event(rf.get("/", {"cluster": "7"})) == 7
    assert listed_event(rf.get("/", {"cluster__id__exact": "7"})) == 7
    assert listed_event(rf.get("/", {"cluster": ["7", "8"]})) is None
    assert listed_event(rf.get("/", {"cluster": "7", "cluster__exact": "8"})) is None
    assert listed_event(rf.get("/", {"status__exact": "new"})) is None


# --- Giving items back to the machine ------------------------------------------------------


def test_giving_back_clears_the_mark_and_queues_the_worker(
    client_for, author, mixed, django_capture_on_commit_callbacks
):
    flood = mixed["flood"]
    split = placing.move_items(items=Item.objects.filter(pk__in=[i.pk for i in flood]), by=author)
    flood = list(Item.objects.filter(pk__in=[i.pk for i in flood]))
    Item.objects.filter(pk__in=[i.pk for i in flood]).update(embedding_model="wordllama-test")
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client_for(author), "give_back", [flood[0], *mixed["rates"]])
    [message] = messages_of(response)
    assert "1 item(s) given back to the machine" in message
    assert "2 other selected item(s) were the machine's already" in message
    given = Item.objects.get(pk=flood[0].pk)
    assert not given.desk_placed and given.embedding_model == ""  # waits for the worker
    assert given.cluster_id == split.event.pk  # there until the worker places it again
    kept = Item.objects.get(pk=flood[1].pk)
    assert kept.desk_placed and kept.embedding_model == "wordllama-test"
    assert DBTaskResult.objects.filter(task_path__endswith="assist_items_task").count() == 1
    entry = LogEntry.objects.get(object_id=str(flood[0].pk), action_flag=CHANGE,
                                 change_message__startswith="Given back")  # fmt: skip
    assert entry.user == author
    assert LogEntry.objects.filter(
        object_id=str(split.event.pk), content_type__model="cluster",
        change_message__contains="given back to the machine",
    ).exists()  # fmt: skip
    page = client_for(author).get(f"{DESK}{flood[0].pk}/history/").content.decode()
    assert "Given back to the machine by an editor" in page


def test_giving_back_only_the_machines_items_is_refused(client_for, editor, mixed):
    response = post(client_for(editor), "give_back", mixed["flood"])
    assert "no selected item was placed by an editor" in messages_of(response)[0]
    assert unchanged(mixed)
    assert not DBTaskResult.objects.filter(task_path__endswith="assist_items_task").exists()
    with pytest.raises(placing.Refused, match="no item was selected"):
        placing.give_back(items=Item.objects.none(), by=editor)


def test_giving_back_from_a_page_shown_before_a_move_is_refused(client_for, editor, mixed):
    flood = mixed["flood"]
    placing.move_items(items=Item.objects.filter(pk=flood[0].pk), by=editor)
    shown = {item.pk: Item.objects.get(pk=item.pk).cluster_id for item in flood}
    # Another editor moves it on, into the event the page showed the other in.
    placing.move_items(
        items=Item.objects.filter(pk=flood[0].pk), by=editor, to=flood[1].cluster_id
    )
    response = post(client_for(editor), "give_back", flood, shown=shown)
    assert "changed event since this list was shown" in messages_of(response)[0]
    assert Item.objects.get(pk=flood[0].pk).desk_placed


def test_only_those_who_may_change_items_can_give_them_back(client_for, contributor, mixed):
    from accounts.tests.factories import UserFactory

    Item.objects.filter(pk=mixed["flood"][0].pk).update(desk_placed=True)
    assert post(client_for(contributor), "give_back", mixed["flood"]).status_code == 403
    reader = UserFactory(role="Contributor", is_staff=True)
    reader.user_permissions.add(
        Permission.objects.get(codename="view_item", content_type__app_label="newswire")
    )
    client = client_for(reader)
    assert "Give the selected items back" not in client.get(DESK).content.decode()
    response = post(client, "give_back", mixed["flood"])
    assert response.status_code == 200 and messages_of(response) == []
    assert Item.objects.get(pk=mixed["flood"][0].pk).desk_placed


def test_giving_back_costs_the_same_queries_for_two_items_or_twenty(client_for, editor):
    counts = []
    for n in (2, 20):
        source = make_source(f"Wire{n}")
        items = [make_item(source, (f"Story {n} {k}", "Text."), minutes=k) for k in range(n)]
        event(f"Event {n}", items[: n // 2])
        event(f"Other {n}", items[n // 2 :])
        Item.objects.filter(source=source).update(desk_placed=True)
        items = list(Item.objects.filter(source=source))
        client = client_for(editor)
        ContentType.objects.clear_cache()
        with CaptureQueriesContext(connection) as queries:
            response = post(client, "give_back", items, follow=False)
        assert response.status_code == 302
        assert not Item.objects.filter(desk_placed=True, source=source).exists()
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


# --- The events list shows an editor's placement -------------------------------------------


def test_the_events_list_shows_and_filters_the_events_an_editor_placed_reports_in(
    client_for, author, mixed
):
    flood = Item.objects.filter(pk__in=[i.pk for i in mixed["flood"]])
    split = placing.move_items(items=flood, by=author).event
    other = event(CB_EN_2[0], [make_item(make_source("Post"), CB_EN_2, minutes=40),
                               make_item(make_source("Daily"), CB_EN_1, minutes=50)])  # fmt: skip
    client = client_for(author)

    def listed(query=""):
        cl = client.get(f"/admin/newswire/cluster/?items=all{query}").context["cl"]
        return {cluster.pk for cluster in cl.result_list}

    page = client.get("/admin/newswire/cluster/?items=all").content.decode()
    assert "placed by an editor" in page and 'class="event-placed"' in page
    assert page.count('class="event-placed"') == 1 and ">2 of 2</span>" in page
    assert listed() == {split.pk, mixed["event"].pk, other.pk}
    assert listed("&placed=yes") == {split.pk}
    assert listed("&placed=no") == {mixed["event"].pk, other.pk}
    page = client.get(f"/admin/newswire/cluster/{split.pk}/change/").content.decode()
    assert page.count("— placed by an editor") == 2


def test_the_placed_column_costs_no_query_a_row(client_for, editor):
    counts, client = [], client_for(editor)
    client.get("/admin/newswire/cluster/")  # the session and the types, looked up once
    for n in (4, 24):  # events, half of them with a report an editor placed
        for k in range(Cluster.objects.count(), n):
            source = make_source(f"S{k}")
            items = [make_item(source, (f"E{k} {j}", "Text."), minutes=j) for j in range(2)]
            event(f"Event {k}", items)
            Item.objects.filter(pk=items[0].pk).update(desk_placed=k % 2 == 0)
            Cluster.objects.filter(items__in=items[:1]).recount()
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/admin/newswire/cluster/?placed=yes")
        assert response.status_code == 200
        counts.append((len(response.context["cl"].result_list), len(queries)))
    assert counts[0][0] < counts[1][0] and counts[0][1] == counts[1][1], counts


# --- The worker honours the editor's placement (the real model, as test_assist.py) ---------


def _grouped():
    """Two reports of one rate rise, grouped by the worker into one event."""
    first = make_item(make_source("Wire"), CB_EN_1, minutes=0)
    second = make_item(make_source("Herald"), CB_EN_2, minutes=10)
    assist.process_items()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.cluster_id == second.cluster_id is not None
    return first, second


def _changed_by_its_source(item):
    """As dedupe.store leaves an item its feed changed: to be embedded and placed again."""
    Item.objects.filter(pk=item.pk).update(embedding=None, changed_at=timezone.now())


def _engine_merges(monkeypatch, younger, older):
    """The engine heals a "split" it sees between two stored events (as it does on real
    wording when two stories share names): its finish() asks for `younger` to join `older`."""
    real_finish = events.Engine.finish

    def finish(engine):
        return {**real_finish(engine), younger(): older()}

    monkeypatch.setattr(events.Engine, "finish", finish)


def test_without_the_editors_mark_the_worker_would_undo_the_split(monkeypatch):
    """The control for the tests below: the same moves, not made on the desk, are undone."""
    first, second = _grouped()
    apart = Cluster.objects.create(title=second.title, language="en")
    Item.objects.filter(pk=second.pk).update(cluster=apart)  # moved, but not by the desk
    _changed_by_its_source(second)
    assist.process_items()
    second.refresh_from_db()
    assert second.cluster_id == first.cluster_id  # placed back
    assert not Cluster.objects.filter(pk=apart.pk).exists()  # left empty: removed
    apart = Cluster.objects.create(title=second.title, language="en")
    Item.objects.filter(pk=second.pk).update(cluster=apart)
    later = make_item(make_source("Post"), CB_EN_SYNDICATED, minutes=20)
    _engine_merges(monkeypatch, lambda: apart.pk, lambda: first.cluster_id)
    assist.process_items(ids=[later.pk])
    assert not Cluster.objects.filter(pk=apart.pk).exists()  # merged back
    assert Item.objects.get(pk=second.pk).cluster_id == first.cluster_id


def test_the_worker_neither_moves_a_split_item_back_nor_merges_the_events(monkeypatch, editor):
    first, second = _grouped()
    old = first.cluster_id
    new = placing.move_items(items=Item.objects.filter(pk=second.pk), by=editor).event
    _changed_by_its_source(second)  # its source changed it: placed afresh, but for the mark
    later = make_item(make_source("Post"), CB_EN_SYNDICATED, minutes=20)  # a later report
    _engine_merges(monkeypatch, lambda: new.pk, lambda: old)
    assert assist.process_items() == 2
    first.refresh_from_db()
    second.refresh_from_db()
    later.refresh_from_db()
    assert (first.cluster_id, second.cluster_id) == (old, new.pk)
    assert second.embedding and second.embedding_model == assist.model_id()
    assert Cluster.objects.filter(pk__in=[old, new.pk]).count() == 2  # not merged
    assert later.cluster_id in {old, new.pk}  # a later report joins by the machine's rules
    sizes = dict(Cluster.objects.filter(pk__in=[old, new.pk]).values_list("pk", "size"))
    assert sizes[later.cluster_id] == 2 and sum(sizes.values()) == 3


def test_an_event_an_editor_moves_a_report_into_during_the_run_is_not_merged(monkeypatch, editor):
    first, second = _grouped()
    apart = event(second.title, [second])  # two events of one story, as the machine left them
    flood = make_item(make_source("Post"), FLOOD_EN, minutes=30)
    event(FLOOD_EN[0], [flood])
    later = make_item(make_source("Daily"), CB_EN_SYNDICATED, minutes=20)
    _engine_merges(monkeypatch, lambda: apart.pk, lambda: first.cluster_id)
    real_write = assist._write

    def editor_moves_one_in_meanwhile(*args):
        real_write(*args)  # after the run decided to merge, before it merges
        placing.move_items(items=Item.objects.filter(pk=flood.pk), by=editor, to=apart.pk)

    monkeypatch.setattr(assist, "_write", editor_moves_one_in_meanwhile)
    assist.process_items(ids=[later.pk])
    assert Cluster.objects.filter(pk=apart.pk).exists()
    assert set(apart.items.values_list("pk", flat=True)) == {second.pk, flood.pk}


def test_an_editors_move_while_the_worker_groups_is_not_undone(monkeypatch, editor):
    first, second = _grouped()
    _changed_by_its_source(second)
    real_add = events.Engine.add
    moved = {}

    def editor_splits_it_meanwhile(engine, doc):
        if not moved:  # the worker read the item before the editor's move
            items = Item.objects.filter(pk=second.pk)
            moved["event"] = placing.move_items(items=items, by=editor).event.pk
        return real_add(engine, doc)

    monkeypatch.setattr(events.Engine, "add", editor_splits_it_meanwhile)
    assist.process_items()
    second.refresh_from_db()
    assert second.cluster_id == moved["event"] != first.cluster_id
    assert second.desk_placed and second.embedding
    assert Cluster.objects.get(pk=moved["event"]).size == 1


def test_a_report_placed_in_an_event_an_editor_emptied_meanwhile_starts_a_new_one(
    monkeypatch, editor
):
    first, second = _grouped()
    emptied = first.cluster_id
    target = event(FLOOD_EN[0], [make_item(make_source("Post"), FLOOD_EN, minutes=30)])
    later = make_item(make_source("Daily"), CB_EN_SYNDICATED, minutes=20)
    real_add = events.Engine.add

    def editor_moves_them_all_meanwhile(engine, doc):
        if Cluster.objects.filter(pk=emptied).exists():
            items = Item.objects.filter(pk__in=[first.pk, second.pk])
            assert placing.move_items(items=items, by=editor, to=target.pk).emptied
        return real_add(engine, doc)  # the engine still holds the emptied event

    monkeypatch.setattr(events.Engine, "add", editor_moves_them_all_meanwhile)
    assert assist.process_items(ids=[later.pk]) == 1
    later.refresh_from_db()
    assert not Cluster.objects.filter(pk=emptied).exists()
    assert later.cluster_id not in {None, emptied, target.pk}
    assert Cluster.objects.get(pk=later.cluster_id).size == 1
    assert set(target.items.values_list("pk", flat=True)) >= {first.pk, second.pk}


def test_an_item_given_back_is_placed_again_and_its_lone_event_removed(editor):
    first, second = _grouped()
    old = first.cluster_id
    split = placing.move_items(items=Item.objects.filter(pk=second.pk), by=editor).event
    assert assist.process_items() == 0  # nothing waits: the split stands
    placing.give_back(items=Item.objects.filter(pk=second.pk), by=editor)
    assert assist.process_items() == 1
    second.refresh_from_db()
    assert second.cluster_id == old and not second.desk_placed  # the machine's rules again
    assert second.embedding_model == assist.model_id()
    assert not Cluster.objects.filter(pk=split.pk).exists()  # left with no report: removed
    assert Cluster.objects.get(pk=old).size == 2


def test_an_event_with_no_placed_item_left_may_be_merged_again(monkeypatch, editor):
    first, second = _grouped()
    apart = event(second.title, [second])  # two events of one story, as the machine left them
    flood = make_item(make_source("Post"), FLOOD_EN, minutes=30)
    event(FLOOD_EN[0], [flood])
    placing.move_items(items=Item.objects.filter(pk=flood.pk), by=editor, to=apart.pk)
    later = make_item(make_source("Daily"), CB_EN_SYNDICATED, minutes=20)
    _engine_merges(monkeypatch, lambda: apart.pk, lambda: first.cluster_id)
    assist.process_items(ids=[later.pk])
    assert Cluster.objects.filter(pk=apart.pk).exists()  # the editor's item holds it apart
    placing.give_back(items=Item.objects.filter(pk=flood.pk), by=editor)
    assist.process_items()  # the flood report, placed again: the merge is no longer refused
    assert not Cluster.objects.filter(pk=apart.pk).exists()
    assert Item.objects.get(pk=second.pk).cluster_id == first.cluster_id
    flood.refresh_from_db()
    assert flood.cluster_id not in {None, first.cluster_id, apart.pk}


def test_an_item_given_back_while_the_worker_runs_waits_for_the_next_run(monkeypatch, editor):
    first, second = _grouped()
    split = placing.move_items(items=Item.objects.filter(pk=second.pk), by=editor).event
    _changed_by_its_source(second)  # read by the run below as the editor's
    real_add = events.Engine.add
    given = []

    def editor_gives_it_back_meanwhile(engine, doc):
        if not given:
            given.append(placing.give_back(items=Item.objects.filter(pk=second.pk), by=editor))
        return real_add(engine, doc)

    later = make_item(make_source("Post"), CB_EN_SYNDICATED, minutes=20)
    monkeypatch.setattr(events.Engine, "add", editor_gives_it_back_meanwhile)
    assist.process_items()
    second.refresh_from_db()
    assert given and second.cluster_id == split.pk and not second.desk_placed
    assert assist.stale_items().filter(pk=second.pk).exists()  # not written as placed
    assert Item.objects.get(pk=later.pk).embedding_model == assist.model_id()
    monkeypatch.setattr(events.Engine, "add", real_add)
    assist.process_items()
    second.refresh_from_db()
    assert second.cluster_id != split.pk and second.embedding_model == assist.model_id()


# serialized_rollback restores the newsroom roles the flush removes.
@needs_server
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_workers_merge_waits_for_an_editors_move_then_honours_it(monkeypatch):
    """Two connections on MariaDB: the editor's move holds its events locked; the worker's
    merge of one of them waits for it, then sees the editor's item and leaves both."""
    from accounts.tests.factories import UserFactory

    editor = UserFactory(role="Editor")
    first, second = _grouped()
    apart = event(second.title, [second])
    flood = make_item(make_source("Post"), FLOOD_EN, minutes=30)
    event(FLOOD_EN[0], [flood])
    later = make_item(make_source("Daily"), CB_EN_SYNDICATED, minutes=20)
    _engine_merges(monkeypatch, lambda: apart.pk, lambda: first.cluster_id)
    moving, release = threading.Event(), threading.Event()
    real_log = LogEntryManager.log_actions

    def editor_pauses_before_commit(manager, *args, **kwargs):
        if threading.current_thread().name == "editor":
            moving.set()
            release.wait(30)
        return real_log(manager, *args, **kwargs)

    monkeypatch.setattr(LogEntryManager, "log_actions", editor_pauses_before_commit)

    def on_its_own_connection(work):
        try:
            work()
        finally:
            connections.close_all()

    editor_thread = threading.Thread(
        name="editor",
        target=on_its_own_connection,
        args=(lambda: placing.move_items(items=Item.objects.filter(pk=flood.pk), by=editor,
                                         to=apart.pk),),
    )  # fmt: skip
    editor_thread.start()
    assert moving.wait(30)
    worker = threading.Thread(
        name="worker",
        target=on_its_own_connection,
        args=(lambda: assist.process_items(ids=[later.pk]),),
    )
    worker.start()
    worker.join(3)
    assert worker.is_alive()  # waiting for the editor's lock on the event it would merge
    release.set()
    editor_thread.join(30)
    worker.join(120)
    assert not worker.is_alive() and not editor_thread.is_alive()
    assert Cluster.objects.filter(pk=apart.pk).exists()
    assert set(apart.items.values_list("pk", flat=True)) == {second.pk, flood.pk}
    assert Item.objects.get(pk=later.pk).embedding_model == assist.model_id()
