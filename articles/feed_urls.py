"""Feeds and sitemaps, mounted at the site root by aiblogger/urls.py."""

app_name = "feeds"

urlpatterns = []
