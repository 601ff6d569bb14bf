"""The editors' change lists stay fast as the archive grows (issue 21, goal 4).

Every admin change list (articles, newswire items, events, sources, users), with each of
its filters, the date drill-down and a deep page: the same number of queries at 9 rows
and at 30; on the big tables no query reads the long text columns, counts every row or
runs a DISTINCT over the rows; a count past the bound reads "more than N". The timings
at 1,000,000 articles are scripts/bench_admin_lists.py's (make bench).
"""

import datetime
import re

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from aiblogger.admin_lists import BoundedCountPaginator
from articles import admin as article_admin
from articles.models import Article, ArticleAuthor
from articles.tests.factories import ArticleFactory, SectionFactory
from newswire.models import Cluster, Item, Source

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 3, 10, 12, 0)
ARTICLES = "/admin/articles/article/"
ITEMS = "/admin/newswire/item/"
EVENTS = "/admin/newswire/cluster/"
SOURCES = "/admin/newswire/source/"
USERS = "/admin/accounts/user/"
# Long columns that no list shows, by table: reading them made the page query slow.
HEAVY = {
    ARTICLES: ("articles_article", ("body", "body_html", "standfirst", "meta_description")),
    ITEMS: ("newswire_item", ("content", "embedding")),
    EVENTS: ("newswire_cluster", ("digest",)),
}


@pytest.fixture
def world(db):
    """Fixed sections, writers, sources and groups; rows are added by `grow`."""
    sections = [SectionFactory(name=f"Desk {n}", slug=f"desk-{n}") for n in range(3)]
    writers = [UserFactory(role="Author") for _ in range(3)]
    sources = [
        Source.objects.create(
            name=f"Wire {n}",
            feed_url=f"https://wire{n}.example/rss",
            section=sections[n % 3],
            rights=("headline", "summary", "full")[n],
        )
        for n in range(3)
    ]
    admin_user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    return {"sections": sections, "writers": writers, "sources": sources, "admin": admin_user}


def grow(world, upto):
    """Rows of every listed kind up to `upto` each, all on one day (same drill-down)."""
    statuses = ["draft", "published", "review"]
    start = Article.objects.count()
    articles = Article.objects.bulk_create(
        Article(
            title=f"Story {n}",
            slug=f"story-{n}",
            body="Text.",
            status=statuses[n % 3],
            published_at=None
            if n % 3 == 0
            else timezone.make_aware(DAY - datetime.timedelta(minutes=n)),
            section=world["sections"][n % 3],
            featured=n % 2 == 0,
        )
        for n in range(start, upto)
    )
    ArticleAuthor.objects.bulk_create(
        ArticleAuthor(article=article, author=world["writers"][(n + k) % 3], position=k)
        for n, article in enumerate(articles, start)
        for k in range(2)
    )
    clusters = list(Cluster.objects.all())
    for n in range(Cluster.objects.count(), upto):
        clusters.append(Cluster.objects.create(title=f"Event {n}", language="en", size=2))
    for n in range(Item.objects.count(), upto):
        source = world["sources"][n % 3]
        Item.objects.create(
            source=source,
            guid=f"g{n}",
            guid_hash=f"g{n}",
            url=f"https://wire.example/{n}",
            title=f"Item {n}",
            summary="Summary.",
            content="<p>Text.</p>",
            text_hash=f"t{n}",
            language=("en", "de")[n % 2],
            status=("new", "dismissed")[n % 2],
            cluster=clusters[n],
            desk_placed=n % 4 == 0,
            first_seen_at=timezone.now() - datetime.timedelta(minutes=n),
        )
    for n in range(User.objects.filter(username__startswith="reader").count(), upto):
        UserFactory(username=f"reader{n}")


def cases(world):
    section, writer, source = world["sections"][0], world["writers"][0], world["sources"][0]
    event = Cluster.objects.order_by("pk").first()
    day = "published_at__year=2026&published_at__month=3&published_at__day=10"
    return {
        ARTICLES: [
            "", "?status__exact=draft", "?status__exact=published", "?status__exact=review",
            f"?section__id__exact={section.pk}", "?featured__exact=1", "?featured__exact=0",
            f"?author={writer.pk}", f"?author={writer.pk}&status__exact=published",
            "?published_at__year=2026",
            "?published_at__year=2026&published_at__month=3", f"?{day}", "?p=2",
            f"?status__exact=published&author={writer.pk}&{day}&p=2", "?q=story",
        ],
        ITEMS: [
            "", "?status__exact=new", f"?source__id__exact={source.pk}",
            f"?source__section__id__exact={section.pk}", "?language=de", "?age=24h",
            "?p=2", "?q=item", f"?cluster={event.pk}",
        ],
        EVENTS: ["", "?items=all", "?items=single", "?language=en", "?p=2", "?placed=yes",
                 "?placed=no&items=all"],
        SOURCES: [
            "", "?enabled__exact=1", "?rights__exact=full", f"?section__id__exact={section.pk}",
            "?p=2",
        ],
        USERS: [
            "", "?access=pending", "?access=staff", "?is_superuser__exact=1",
            f"?groups__id__exact={writer.groups.get().pk}", "?p=2",
        ],
    }  # fmt: skip


@pytest.fixture
def two_a_page(monkeypatch):
    """Two rows a page, so that page 2 is a deep page at 9 rows and at 30."""
    for model_admin in admin.site._registry.values():
        monkeypatch.setattr(model_admin, "list_per_page", 2)


def _run(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return response, [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("listing", [ARTICLES, ITEMS, EVENTS, SOURCES, USERS])
def test_every_list_and_filter_runs_as_many_queries_at_30_rows_as_at_9(
    client, world, two_a_page, listing
):
    client.force_login(world["admin"])
    grow(world, 9)  # at two a page, every filter's rows take more than one page
    urls = [listing + case for case in cases(world)[listing]]
    few = {url: len(_run(client, url)[1]) for url in urls}
    grow(world, 30)
    many = {url: len(_run(client, url)[1]) for url in urls}
    assert many == few
    # Every filter the list offers is among the cases.
    cl = client.get(listing).context["cl"]
    offered = {p for spec in cl.filter_specs for p in spec.expected_parameters()}
    asked = {p.split("=")[0] for case in cases(world)[listing] for p in case[1:].split("&")}
    assert {p for p in offered if not p.endswith("__isnull")} <= asked


@pytest.mark.parametrize("listing", list(HEAVY))
def test_big_lists_read_no_long_text_count_to_a_bound_and_never_distinct(
    client, world, two_a_page, listing
):
    client.force_login(world["admin"])
    grow(world, 5)
    table, heavy = HEAVY[listing]
    for case in cases(world)[listing]:
        response, queries = _run(client, listing + case)
        for sql in queries:
            for column in heavy:
                assert not re.search(rf'[`"]{table}[`"]\.[`"]{column}[`"]', sql), (case, sql)
            if sql.startswith("SELECT COUNT(") and table in sql:
                assert "LIMIT" in sql, (case, sql)  # bounded, never every row
            # The language filter's values: one column that an index lists in order, which
            # MariaDB reads a value at a time (loose index scan). No other DISTINCT.
            one_indexed_column = rf'SELECT DISTINCT [`"]{table}[`"]\.[`"]language[`"] AS'
            if not re.match(one_indexed_column, sql):
                assert not re.match(r"SELECT DISTINCT", sql), (case, sql)


def test_past_the_bound_the_list_says_more_than(client, world, monkeypatch):
    monkeypatch.setattr(BoundedCountPaginator, "BOUND", 4)
    client.force_login(world["admin"])
    grow(world, 10)
    response = client.get(ARTICLES)
    assert re.search(r"more than 4\s+articles", response.content.decode())
    assert response.context["cl"].paginator.num_pages == 1  # 4 rows at 100 a page
    exact = client.get(ARTICLES + "?status__exact=draft")  # 4 of the 10 are drafts
    assert "more than" not in exact.content.decode()
    assert exact.context["cl"].result_count == 4


def _drill(response):
    nav = re.search(r'<nav class="toplinks">(.*?)</nav>', response.content.decode(), re.S)
    return re.findall(r'<a href="\?([^"]+)">([^<]+)</a>', nav.group(1)) if nav else []


def test_the_date_drill_down_lists_exactly_the_periods_that_hold_articles(
    client, world, contributor
):
    client.force_login(world["admin"])
    writer, section = world["writers"][0], world["sections"][0]
    when = [(2019, 2, 3), (2024, 7, 1), (2024, 7, 31), (2024, 12, 31), (2026, 3, 10)]
    for year, month, day in when:
        ArticleFactory(
            published_at=timezone.make_aware(datetime.datetime(year, month, day, 23, 30)),
            status="published",
            section=section,
            authors=[writer],
        )
    ArticleFactory(section=section, authors=[writer])  # a draft: no date
    years = _drill(client.get(ARTICLES))
    assert [title for _, title in years] == ["2019", "2024", "2026"]
    drilled = client.get(ARTICLES + "?published_at__year=2024")
    shown = [a.published_at for a in drilled.context["cl"].result_list]
    assert len(shown) == 3 and shown == sorted(shown, reverse=True)  # by that date, newest
    months = _drill(drilled)
    assert [title for _, title in months] == ["July 2024", "December 2024"]
    days = _drill(client.get(ARTICLES + "?published_at__year=2024&published_at__month=7"))
    assert [title for _, title in days] == ["1 July", "31 July"]
    # The periods are those of every article; a filter does not narrow them (a seek each
    # on the date's index, where a filter's rows could mean a scan).
    Article.objects.filter(published_at__year=2019).update(status="review")
    in_review = _drill(client.get(ARTICLES + "?status__exact=review"))
    assert [title for _, title in in_review] == ["2019", "2024", "2026"]
    # A contributor's periods are those of their own stories.
    mine = ArticleFactory(
        published_at=timezone.make_aware(datetime.datetime(2021, 5, 5, 9, 0)),
        status="review",
        section=section,
        authors=[contributor],
    )
    client.force_login(contributor)
    assert [title for _, title in _drill(client.get(ARTICLES))] == ["5 May"]
    assert mine.published_at.year == 2021


def test_the_author_filter_lists_writers_and_their_articles(client, world, contributor):
    writer, other = world["writers"][0], world["writers"][1]
    mine = ArticleFactory(authors=[writer], section=world["sections"][0])
    ArticleFactory(authors=[other], section=world["sections"][0])
    shared = ArticleFactory(authors=[contributor, other], section=world["sections"][0])
    client.force_login(world["admin"])
    response = client.get(ARTICLES + f"?author={writer.pk}")
    assert list(response.context["cl"].result_list) == [mine]
    spec = next(
        s
        for s in response.context["cl"].filter_specs
        if getattr(s, "parameter_name", "") == "author"
    )
    assert {int(pk) for pk, _ in spec.lookup_choices} == {writer.pk, other.pk, contributor.pk}
    assert client.get(ARTICLES + "?author=x").status_code == 200  # ignored, not a 500
    # A contributor sees only the people on their own stories, and only those stories.
    client.force_login(contributor)
    response = client.get(ARTICLES + f"?author={other.pk}")
    assert list(response.context["cl"].result_list) == [shared]
    spec = next(
        s
        for s in response.context["cl"].filter_specs
        if getattr(s, "parameter_name", "") == "author"
    )
    assert {int(pk) for pk, _ in spec.lookup_choices} == {contributor.pk, other.pk}


def test_by_an_author_the_list_is_newest_story_first_and_writers_are_a_column_check(client, world):
    """By an author the list orders by id, which the author's byline index serves (by
    -updated_at MariaDB sorts all of a prolific author's stories); the people in the
    filter are found by an EXISTS in the SELECT, which MariaDB does not turn into a
    semi-join over every byline."""
    writer = world["writers"][0]
    first = ArticleFactory(authors=[writer], section=world["sections"][0])
    second = ArticleFactory(authors=[writer], section=world["sections"][0])
    Article.objects.filter(pk=second.pk).update(
        updated_at=first.updated_at - datetime.timedelta(days=1)
    )
    client.force_login(world["admin"])
    with CaptureQueriesContext(connection) as captured:
        response = client.get(ARTICLES + f"?author={writer.pk}")
    assert list(response.context["cl"].result_list) == [second, first]
    people = [q["sql"] for q in captured if 'FROM "accounts_user"' in q["sql"].replace("`", '"')]
    assert any("EXISTS" in sql for sql in people)
    assert not any("WHERE EXISTS" in sql for sql in people)


def test_by_an_author_alone_the_count_reads_the_bylines(client, world, contributor):
    """An editor's list by one author counts that author's bylines (one a story, from
    their index), not the stories; by an author and "published", the bylines that carry
    a public_since (scheduled stories too); with another filter, or for a contributor,
    the stories as listed."""
    writer = world["writers"][0]
    mine = [ArticleFactory(authors=[writer], section=world["sections"][0]) for _ in range(3)]
    Article.objects.filter(pk=mine[0].pk).update(status="review")
    for trait in ("published", "scheduled"):
        ArticleFactory(authors=[writer], section=world["sections"][0], **{trait: True})
    ArticleFactory(authors=[world["writers"][1]], section=world["sections"][0], published=True)

    def counted(url):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(ARTICLES + url)
        counts = [q["sql"].replace("`", '"') for q in captured if "COUNT(" in q["sql"]]
        return response.context["cl"].result_count, counts

    client.force_login(world["admin"])
    total, counts = counted(f"?author={writer.pk}")
    assert total == 5 and len(counts) == 1
    assert '"articles_articleauthor"' in counts[0] and '"articles_article"' not in counts[0]
    total, counts = counted(f"?author={writer.pk}&status__exact=published")
    assert total == 2 and len(counts) == 1
    assert '"articles_articleauthor"' in counts[0] and '"articles_article"' not in counts[0]
    total, counts = counted(f"?author={writer.pk}&status__exact=draft")
    assert total == 2 and '"articles_article"' in counts[0] and "LIMIT 1001" in counts[0]
    total, counts = counted(f"?author={writer.pk}&status__exact=published&featured__exact=0")
    assert total == 2 and '"articles_article"' in counts[0]
    client.force_login(contributor)
    total, counts = counted(f"?author={writer.pk}")
    assert total == 0 and '"articles_article"' in counts[0]


def _explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB's plans")
def test_language_choices_and_event_sources_come_from_indexes_alone(client, world, two_a_page):
    """The language filters' choices are a seek a language (a loose index scan, which
    MariaDB does not do on a descending key: it read the desk's 100k entries, 60-100 ms);
    a page's sources come from the items' (event, source) index, not from their rows."""
    client.force_login(world["admin"])
    grow(world, 30)
    Item.objects.filter(pk=Item.objects.earliest("first_seen_at").pk).update(language="")
    for listing, languages in ((ITEMS, ["unknown", "de", "en"]), (EVENTS, ["en"])):
        response, queries = _run(client, listing)
        cl = response.context["cl"]
        spec = next(s for s in cl.filter_specs if s.title == "language")
        assert [c["display"] for c in spec.choices(cl)][1:] == languages
        (choices,) = [sql for sql in queries if sql.startswith("SELECT DISTINCT")]
        plan = _explain(choices)
        assert "Using index for group-by" in plan[0]["Extra"], plan
    _, queries = _run(client, EVENTS)
    (sources,) = [sql for sql in queries if "INNER JOIN `newswire_source`" in sql]
    (items,) = [row for row in _explain(sources) if row["table"] == "newswire_item"]
    assert items["key"] == "item_event_idx" and "Using index" in items["Extra"], items


@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB's plans")
@pytest.mark.parametrize(
    "case, index",
    [
        ("", "cluster_order_idx"),
        ("?items=all", "cluster_order_idx"),
        ("?items=single", "cluster_order_idx"),
        ("?p=2", "cluster_order_idx"),
        ("?language=en", "cluster_language_order_idx"),
        ("?language=en&items=several", "cluster_language_order_idx"),
        ("?placed=yes", "cluster_order_idx"),
        ("?placed=no&items=all", "cluster_order_idx"),
        ("?language=en&placed=yes", "cluster_language_order_idx"),
    ],
)
def test_the_events_order_and_size_filter_are_read_from_an_index_alone(
    client, world, two_a_page, case, index
):
    """The events list orders by each event's stored number of sources (no longer counted
    from the items a request: 50 ms at 10k events, 258 at 50k): a page's events, in order,
    and its size and "placed by an editor" filters come from one index read backward,
    with no sort."""
    client.force_login(world["admin"])
    grow(world, 30)
    items = list(Item.objects.order_by("pk").values_list("pk", "cluster_id"))[:20]
    for (_, event), (pk, _) in zip(items[::2], items[1::2], strict=True):
        Item.objects.filter(pk=pk).update(cluster=event)  # ten events of two, ten of one
    Cluster.objects.recount_or_remove()  # grow() marks every fourth item by hand
    _, queries = _run(client, EVENTS + case)
    (page,) = [
        sql
        for sql in queries
        if sql.startswith("SELECT `newswire_cluster`.`id` AS `pk` FROM") and "ORDER BY" in sql
    ]
    assert "ORDER BY `newswire_cluster`.`source_count` DESC" in page
    (plan,) = _explain(page)
    assert plan["key"] == index, plan
    assert "Using index" in plan["Extra"] and "filesort" not in plan["Extra"], plan


@pytest.mark.skipif(connection.vendor != "mysql", reason="MariaDB's plans")
def test_one_events_items_use_the_event_index(client, world):
    """The items' event column has no index of its own (migration 0014): the desk's list of
    one event's items seeks the event in item_event_idx, which begins with it. (The events
    list's "placed by an editor" filter reads the events' own index since migration 0018.)"""
    client.force_login(world["admin"])
    grow(world, 30)
    event = Cluster.objects.order_by("pk").first()
    _, queries = _run(client, f"{ITEMS}?cluster={event.pk}")
    (page,) = [
        sql for sql in queries if "LIMIT" in sql and "`newswire_item`.`cluster_id` =" in sql
    ]
    (items,) = [row for row in _explain(page) if row["table"] == "newswire_item"]
    assert items["key"] == "item_event_idx" and items["type"] == "ref", items


def test_by_an_author_and_another_filter_the_count_stops_sooner(client, world, monkeypatch):
    """An author with another filter matches two indexes a story at a time: the count
    stops at the admin's combined_count_bound and the list says "more than"."""
    monkeypatch.setattr(article_admin.ArticleAdmin, "combined_count_bound", 2)
    writer = world["writers"][0]
    for _ in range(3):
        ArticleFactory(authors=[writer], section=world["sections"][0])
    client.force_login(world["admin"])
    drafts = client.get(ARTICLES + f"?author={writer.pk}&status__exact=draft")
    assert re.search(r"more than 2\s+articles", drafts.content.decode())
    assert drafts.context["cl"].paginator.num_pages == 1  # to the bound, at 100 a page
    alone = client.get(ARTICLES + f"?author={writer.pk}")
    assert alone.context["cl"].result_count == 3 and "more than" not in alone.content.decode()
