"""Copy the published articles of an aiblogger database into this site as StoryPages.

Bulk inserts with treebeard paths computed here: add_child() per page would
take minutes for 10,000 stories. Safe to run again: it replaces the index.
"""

import uuid

import environ
import MySQLdb
from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from wagtail.models import Locale, Page, Site

from news.models import NewsIndexPage, StoryPage

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
STEPLEN = 4
BATCH = 1000


def step(number):
    """treebeard's materialised-path step for the number-th child (1-based)."""
    digits = ""
    for _ in range(STEPLEN):
        number, rest = divmod(number, len(ALPHABET))
        digits = ALPHABET[rest] + digits
    return digits


def source_articles(url):
    db = environ.Env.db_url_config(url)
    conn = MySQLdb.connect(
        host=db["HOST"] or "127.0.0.1",
        port=int(db["PORT"] or 3306),
        user=db["USER"],
        password=db["PASSWORD"],
        database=db["NAME"],
        charset="utf8mb4",
    )
    cursor = conn.cursor()
    cursor.execute(
        "SELECT slug, title, standfirst, body_html, published_at FROM articles_article "
        "WHERE status = 'published' AND published_at <= UTC_TIMESTAMP() "
        "ORDER BY published_at, id"
    )
    rows = cursor.fetchall()
    conn.close()
    return rows


class Command(BaseCommand):
    help = "Load the published articles of SOURCE_DATABASE_URL as story pages."

    def add_arguments(self, parser):
        parser.add_argument("source_database_url")

    @transaction.atomic
    def handle(self, *args, source_database_url, **options):
        rows = source_articles(source_database_url)
        root = Page.get_first_root_node()
        for old in NewsIndexPage.objects.all():
            old.delete()
        index = root.add_child(instance=NewsIndexPage(title="News", slug="news"))
        Site.objects.update_or_create(
            is_default_site=True,
            defaults={"hostname": "localhost", "port": 443, "root_page": index},
        )
        self._stories(index, rows)
        Page.objects.filter(pk=index.pk).update(numchild=len(rows))
        self.stdout.write(f"{len(rows)} stories loaded under {index.url_path}")

    def _stories(self, index, rows):
        story_type = ContentType.objects.get_for_model(StoryPage)
        locale = Locale.get_default()
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            pages = [
                Page(
                    title=title,
                    draft_title=title,
                    slug=slug,
                    content_type=story_type,
                    path=index.path + step(start + n + 1),
                    depth=index.depth + 1,
                    numchild=0,
                    url_path=f"{index.url_path}{slug}/",
                    live=True,
                    first_published_at=published_at,
                    last_published_at=published_at,
                    locale=locale,
                    translation_key=uuid.uuid4(),
                )
                for n, (slug, title, _, _, published_at) in enumerate(batch)
            ]
            Page.objects.bulk_create(pages)
            ids = dict(
                Page.objects.filter(path__in=[p.path for p in pages]).values_list("path", "pk")
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO news_storypage (page_ptr_id, date, standfirst, body) "
                    "VALUES (%s, %s, %s, %s)",
                    [
                        (ids[page.path], row[4], row[2], row[3])
                        for page, row in zip(pages, batch, strict=True)
                    ],
                )
