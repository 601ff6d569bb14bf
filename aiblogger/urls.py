from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from aiblogger.views import bench_hello

handler400 = "articles.views.bad_request"
handler500 = "articles.views.server_error"

admin.site.site_header = "aiblogger newsroom"
admin.site.site_title = "aiblogger newsroom"
admin.site.index_title = "Newsroom"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("articles.feed_urls")),
    path("", include("articles.urls")),
]

# Nginx serves uploads in production; `make run` has only Django.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if getattr(settings, "BENCH_ENDPOINTS", False):  # `make bench` only
    urlpatterns.append(path("bench/hello/", bench_hello))
