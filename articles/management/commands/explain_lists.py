"""Fail when a reader list query sorts rows or builds a temporary table.

Runs every list the public site, feeds and sitemaps read (home, section, tag and
author pages and feeds, their deeper pages, the sitemaps), captures the SQL each really
sends, and asks MySQL/MariaDB to EXPLAIN it. A query that picks and orders a page
(it has a LIMIT) must show neither "Using filesort" nor "Using temporary": on a
large archive either means reading and sorting every matching row per request.
A page after a cursor must read a range that starts at the cursor.
Follow-up queries fetch rows by the ids a page query returned, so their cost is
bounded by the page size; they are shown but never sort the archive.
"""

import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from articles import listing, sitemaps
from articles.models import Article, ArticleAuthor, ArticleTag, Section, Tag

ANALYZED = (Article, ArticleTag, ArticleAuthor, Section, User)
BAD_PLANS = ("Using filesort", "Using temporary")
NEXT_PAGE = ", next page"
LIMIT_RE = re.compile(r"\bLIMIT\s+\d+", re.IGNORECASE)


def _extremes(queryset, field):
    """The (busiest, quietest) values of field among public rows, by row count."""
    counts = list(queryset.values(field).annotate(n=Count("pk")).order_by("-n", field))
    if not counts:
        return []
    picked = [counts[0][field], counts[-1][field]]
    return list(dict.fromkeys(picked))


def _page(stream):
    return lambda: stream[: listing.PAGE_SIZE]


def _next_page(stream):
    """The page after the first, when there is one."""
    first = stream[: listing.PAGE_SIZE]
    if len(first) < listing.PAGE_SIZE:
        return None
    return _page(stream.before(listing.position(first[-1])))


def _sitemap_page(sitemap_class):
    return lambda: list(sitemap_class().paginator.page(1).object_list)


class Command(BaseCommand):
    help = (
        "EXPLAIN the reader site's list queries on this database; exit non-zero when any "
        "page query uses a filesort or a temporary table."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--analyze",
            action="store_true",
            help="Refresh the tables' index statistics first (after a bulk load).",
        )

    def handle(self, *args, analyze=False, **options):
        if connection.vendor != "mysql":
            raise CommandError(
                f"explain_lists checks MySQL/MariaDB plans; DATABASE_URL points at "
                f"{connection.vendor}."
            )
        if not Article.objects.published().exists():
            raise CommandError("No published articles to explain; run seed_demo first.")

        if analyze:
            tables = [model._meta.db_table for model in ANALYZED]
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE TABLE {', '.join(tables)}")
                cursor.fetchall()

        self.stdout.write(
            "page  = a query that picks and orders a page: it must not sort or use a "
            "temporary table\nfetch = rows looked up by the ids a page query returned, "
            "at most one page of them\n"
        )
        failures = []
        for name, run in self._lists():
            with CaptureQueriesContext(connection) as captured:
                run()
            selects = [
                q["sql"] for q in captured if q["sql"].lstrip().upper().startswith("SELECT")
            ]
            self.stdout.write(self.style.MIGRATE_HEADING(f"{name}: {len(selects)} queries"))
            for sql in selects:
                failures += self._explain(name, sql, seek=name.endswith(NEXT_PAGE))

        if failures:
            for line in failures:
                self.stderr.write(line)
            raise CommandError(
                f"{len(failures)} list queries sort, use a temporary table or do not seek."
            )
        self.stdout.write(self.style.SUCCESS("Every list query reads an index in order."))

    def _lists(self):
        """(name, callable) for every list the public site reads."""
        public = Article.objects.published()
        yield "home lead story", listing.lead_story
        yield "home section blocks", lambda: listing.section_blocks(Section.objects.all())
        lists = [("home", listing.latest())]

        sections = Section.objects.in_bulk(
            _extremes(public.filter(section__isnull=False), "section")
        )
        lists += [(f"section {s.slug!r}", listing.in_section(s)) for s in sections.values()]
        live_tags = ArticleTag.objects.filter(public_since__isnull=False)
        tags = Tag.objects.filter(pk__in=_extremes(live_tags, "tag"))
        lists += [(f"tag {tag.slug!r}", listing.tagged(tag)) for tag in tags]
        live_bylines = ArticleAuthor.objects.filter(public_since__isnull=False)
        users = User.objects.filter(pk__in=_extremes(live_bylines, "author"))
        lists += [(f"author {user.slug!r}", listing.by_author(user)) for user in users]

        # Pages read the cards' ids (stream.cards); feeds read whole rows (stream).
        for name, whole in lists:
            yield f"{name} feed", _page(whole)  # feeds show the first slice only
            yield f"{name} page", _page(whole.cards)
            if next_page := _next_page(whole.cards):
                yield f"{name} page{NEXT_PAGE}", next_page

        for name, sitemap_class in {**sitemaps.SITEMAPS, "news": sitemaps.NewsSitemap}.items():
            yield f"sitemap {name}", _sitemap_page(sitemap_class)

    def _explain(self, name, sql, *, seek=False):
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}")
            columns = [column[0].lower() for column in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        page_query = bool(LIMIT_RE.search(sql))
        failures = []
        for row in rows:
            extra = row.get("extra") or ""
            self.stdout.write(
                f"  {'page ' if page_query else 'fetch'} {row['table']}: type={row['type']} "
                f"key={row['key']} rows={row['rows']} {extra}".rstrip()
            )
            bad = [plan for plan in BAD_PLANS if plan in extra]
            if page_query and bad:
                failures.append(
                    f"{name}: {' and '.join(bad)} on {row['table']} (key={row['key']}): "
                    f"{sql[:300]}"
                )
            # A page after a cursor must start reading at the cursor: a "ref" read
            # of a list index walks it from the newest story down to the cursor.
            if seek and row["type"] == "ref" and (row["key"] or "").endswith("public_idx"):
                failures.append(
                    f"{name}: reads {row['table']} with type={row['type']}, not a range "
                    f"from the cursor: {sql[:300]}"
                )
        return failures
