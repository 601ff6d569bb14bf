"""Refill reader search's window of the newest stories (articles.models.SearchWindow).

Article.save() keeps the window; this refills it after rows went in behind
save()'s back (a bulk import, a restored backup) and, on MySQL/MariaDB,
rebuilds its FULLTEXT index, which otherwise keeps every story that ever
passed through the window until the table is rebuilt.
"""

from django.core.management.base import BaseCommand
from django.db import connection

from aiblogger.metrics import JobTimer
from articles.models import SearchWindow


class Command(BaseCommand):
    help = "Refill search's window of the newest published stories and compact its index."

    def handle(self, *args, **options):
        with JobTimer("search_window"):
            SearchWindow.rebuild()
            if connection.vendor == "mysql":
                with connection.cursor() as cursor:
                    cursor.execute(f"OPTIMIZE TABLE {SearchWindow._meta.db_table}")
                    cursor.fetchall()
        count = SearchWindow.objects.count()
        self.stdout.write(f"Search window refilled: the newest {count} published stories.")
