from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "aiblogger newsroom"
admin.site.site_title = "aiblogger newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("articles.feed_urls")),
    path("", include("articles.urls")),
]
