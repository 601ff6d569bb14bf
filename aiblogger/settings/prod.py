"""Production: every secret from the environment, HTTPS behind Nginx."""

from . import MissingEnvironment
from .base import *  # noqa: F403
from .base import env, tune_database

REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "DATABASE_URL",
    "SITE_URL",
]
# All at once, so an operator fixes the environment in one go (manage.py and
# wsgi.py print this one line instead of a traceback).
if missing := [name for name in REQUIRED if not env.str(name, default="").strip()]:
    raise MissingEnvironment(
        f"Production settings need these environment variables: {', '.join(missing)}"
    )

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS")
DATABASES = {"default": env.db("DATABASE_URL")}
tune_database(DATABASES["default"])
SITE_URL = env("SITE_URL").rstrip("/")
SITE_INDEXABLE = env.bool("SITE_INDEXABLE", default=True)

# Nginx terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)
# gunicorn listens on a unix socket, so REMOTE_ADDR is empty until
# ForwardedClientIPMiddleware (base.py) takes it from Nginx's header.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# Nginx answers plain HTTP itself; health checks from the proxy come over the socket.
SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=63072000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script of ours reads the CSRF cookie; forms carry the token in the page.
CSRF_COOKIE_HTTPONLY = True
# __Host- cookies are bound to this exact host, HTTPS and path /.
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"
X_FRAME_OPTIONS = "DENY"
# Security headers on application responses are Django's alone (nginx/
# aiblogger.conf.j2 adds them only to what Nginx answers itself): HSTS,
# nosniff, Referrer-Policy, X-Frame-Options, COOP and the CSP (base.py).
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# A tiny view that touches no database, for `make bench` only (aiblogger/urls.py).
BENCH_ENDPOINTS = env.bool("BENCH_ENDPOINTS", default=False)

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
