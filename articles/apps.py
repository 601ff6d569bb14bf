from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from . import checks  # noqa: F401 - registers the search engine's checks
        from .pagecache import connect_signals

        connect_signals()
