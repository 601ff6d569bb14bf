from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy

from accounts.forms import AdminLoginForm
from aiblogger.metrics import metrics_view
from aiblogger.views import bench_hello, favicon, healthz, robots_txt

handler400 = "aiblogger.views.bad_request"
handler500 = "aiblogger.views.server_error"

# Lazy, so the admin always shows the SITE_NAME in force when a page renders.
admin.site.site_header = lazy(lambda: f"{settings.SITE_NAME} newsroom", str)()
admin.site.site_title = admin.site.site_header
admin.site.index_title = "Newsroom"
# Bounded fields: an over-long name never reaches django-axes' columns.
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("favicon.ico", favicon),
    path("admin/", admin.site.urls),
    # Prometheus; Nginx answers it only to loopback and the monitoring host.
    path("metrics", metrics_view, name="metrics"),
    path("accounts/", include("accounts.urls")),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", healthz, name="healthz"),
    path("", include("articles.syndication_urls")),
    path("", include("articles.urls")),
]

# Nginx serves uploads in production; `make run` has only Django.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

if getattr(settings, "BENCH_ENDPOINTS", False):  # `make bench` only
    urlpatterns.append(path("bench/hello/", bench_hello))
