"""Settings shared by every environment; each environment module is a short diff."""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# An optional .env file beside manage.py; real environment variables win.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

SITE_NAME = env("SITE_NAME", default="aiblogger")
# Absolute origin used in feeds, sitemaps, canonical links and e-mails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# False on staging and every non-production host: pages then carry noindex.
SITE_INDEXABLE = env.bool("SITE_INDEXABLE", default=False)

INSTALLED_APPS = [
    "accounts",
    "articles",
    "newswire",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "axes",
    "reversion",
    "reversion_compare",
    "imagekit",
    "csp",
    "django_prometheus",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    # Outermost pair (django-prometheus): every request's count and latency.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # First, so everything after it sees the reader's address (no-op without proxies).
    "aiblogger.middleware.ForwardedClientIPMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Readers' cached pages are answered here, before sessions, auth and CSRF
    # (articles/pagecache.py); after Security, so they get its redirect and headers.
    "articles.pagecache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, so it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "aiblogger.urls"
WSGI_APPLICATION = "aiblogger.wsgi.application"

_CONTEXT_PROCESSORS = [
    "django.template.context_processors.request",
    "django.contrib.auth.context_processors.auth",
    "django.contrib.messages.context_processors.messages",
    "aiblogger.site.context",
]
# Reader, error and account pages are Jinja2 (jinja2/), several times faster to
# render; the admin, sitemaps and e-mails stay in Django's language (templates/).
# Jinja2 is asked first, so jinja2/ must not reuse a name the admin renders.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "aiblogger.jinja2.environment",
            "context_processors": _CONTEXT_PROCESSORS,
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": _CONTEXT_PROCESSORS,
            # The admin lists' date drill-down (templates/admin/change_list.html).
            "libraries": {"admin_lists": "aiblogger.admin_lists"},
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")
}


METRICS_DATABASE_ENGINES = {
    "django.db.backends.mysql": "django_prometheus.db.backends.mysql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}


def tune_database(db):
    """Apply the MySQL/MariaDB options the project relies on."""
    if db["ENGINE"] == "django.db.backends.mysql":
        db.setdefault("OPTIONS", {})
        db["OPTIONS"].setdefault("charset", "utf8mb4")
        db["OPTIONS"].setdefault(
            "init_command",
            "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
            "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
        )
        db["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
        db["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        db["CONN_HEALTH_CHECKS"] = True
    elif db["ENGINE"] == "django.db.backends.sqlite3":
        # Concurrent writers (the poller's threads, the task worker, runserver): WAL lets
        # readers go on while one writes; IMMEDIATE takes the write lock at BEGIN, so a
        # transaction waits its turn (busy timeout) instead of failing when it upgrades.
        db.setdefault("OPTIONS", {})
        db["OPTIONS"].setdefault(
            "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL"
        )
        db["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
        db["OPTIONS"].setdefault("timeout", env.int("SQLITE_BUSY_TIMEOUT", default=30))
    # django-prometheus's wrappers of the same backends count queries and errors.
    db["ENGINE"] = METRICS_DATABASE_ENGINES.get(db["ENGINE"], db["ENGINE"])
    return db


tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
# Local memory unless CACHE_URL (or REDIS_URL) names a shared cache.
_cache_url = env("CACHE_URL", default="") or env("REDIS_URL", default="")
if _cache_url:
    CACHES = {"default": env.cache_url_config(_cache_url)}
    if CACHES["default"]["BACKEND"].endswith("RedisCache"):
        # Django's Redis backend made fail-soft (aiblogger/cache.py), whichever one
        # django-environ names: an outage must not fail a page.
        CACHES["default"]["BACKEND"] = "aiblogger.cache.FailSoftRedisCache"
        # A hung Redis costs a page at most this long (seconds) before it renders uncached.
        _cache_timeout = env.float("CACHE_SOCKET_TIMEOUT", default=0.25)
        CACHES["default"]["OPTIONS"] = {
            "socket_connect_timeout": _cache_timeout,
            "socket_timeout": _cache_timeout,
        }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "aiblogger",
        }
    }
CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", default="aiblogger")
CACHES["default"].setdefault("KEY_PREFIX", CACHE_KEY_PREFIX)
# The same backends, counting gets, hits and misses (aiblogger/cache_backends.py);
# the Redis one stays fail-soft (aiblogger/cache.py).
METRICS_CACHE_BACKENDS = {
    "django.core.cache.backends.locmem.LocMemCache": "aiblogger.cache_backends.LocMemCache",
    "aiblogger.cache.FailSoftRedisCache": "aiblogger.cache_backends.RedisCache",
}
CACHES["default"]["BACKEND"] = METRICS_CACHE_BACKENDS.get(
    CACHES["default"]["BACKEND"], CACHES["default"]["BACKEND"]
)
# Longest time an unchanged public page stays in the cache; changes and scheduled
# stories retire pages sooner (articles/pagecache.py states the takedown bound).
PUBLIC_CACHE_SECONDS = env.int("PUBLIC_CACHE_SECONDS", default=60)

# --- Accounts and passwords -----------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "articles:home"
LOGOUT_REDIRECT_URL = "articles:home"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out user+IP pair is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: a user+IP pair is locked after AXES_FAILURE_LIMIT failures,
# so a stranger elsewhere cannot lock a user out by username alone.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Proxies in front whose X-Forwarded-For is trusted (Nginx: 1, set in prod).
# ForwardedClientIPMiddleware then puts the reader's address in REMOTE_ADDR,
# which axes, Django's logs and gunicorn's access log all read.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Forms that send mail: (requests, seconds) per client address and per target
# e-mail address, counted in the cache (aiblogger/throttle.py).
# Change forms keep an editor's unsaved input this often (aiblogger/concurrency.py).
AUTOSAVE_SECONDS = 30
THROTTLE_LIMITS = {
    "password_reset_ip": (10, 3600),
    "password_reset_address": (5, 3600),
    "signup_ip": (10, 3600),
    "signup_address": (5, 3600),
}

# --- Content-Security-Policy (django-csp) ------------------------------------
# No 'unsafe-inline': a page's own inline script must carry the request's
# nonce (<script nonce="{{ request.csp_nonce }}">, e.g. JSON-LD). The hashes
# admit the few inline styles of the Django admin and django-reversion-compare
# that cannot be moved: the change list's column width, the raw diff page's
# stylesheet and a hidden radio button (its attribute needs 'unsafe-hashes').
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [
            SELF,
            UNSAFE_HASHES,
            "'sha256-blvLUW3UscWqsXGByNOqdBboM+ShWAuugp2mC/wbafU='",
            "'sha256-69z6rLodeRbEFqaLdhN8Q+hZKPADYBy7vtqP27XTP1s='",
            "'sha256-I/4Jcdrg5KNFrU0X4p2nNmjeGh9aI+9ac0cUllI5SwY='",
        ],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="newsroom@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE", default="en-gb")
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media files -----------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
STORAGES = {
    # Uploads are written under a temporary name and renamed when complete.
    "default": {"BACKEND": "aiblogger.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_MAX_AGE = 31536000  # hashed names may be cached for a year
# A cluster's web hosts share one media store: a media host reached over SFTP
# with a key, whose Nginx serves the files to every web host (ansible/README.md
# "A cluster: shared media"). Unset: MEDIA_ROOT on this host.
if env("MEDIA_SFTP_HOST", default=""):
    STORAGES["default"] = {
        "BACKEND": "aiblogger.storage_sftp.AtomicSFTPStorage",
        "OPTIONS": {
            "host": env("MEDIA_SFTP_HOST"),
            "root_path": env("MEDIA_SFTP_ROOT", default="/media"),
            "params": {
                "port": env.int("MEDIA_SFTP_PORT", default=22),
                "username": env("MEDIA_SFTP_USER", default="aiblogger-media"),
                "key_filename": env("MEDIA_SFTP_KEY_FILE"),
                "timeout": 10,
                "allow_agent": False,
                "look_for_keys": False,
            },
            "known_host_file": env("MEDIA_SFTP_KNOWN_HOSTS"),
            "file_mode": 0o644,
            "dir_mode": 0o755,
            "base_url": MEDIA_URL,
        },
    }

# Uploads: Nginx's client_max_body_size is set just above this (nginx/).
FEATURED_IMAGE_MAX_BYTES = 10 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Renditions are written when the image is saved, never while a page renders.
IMAGEKIT_DEFAULT_CACHEFILE_STRATEGY = "imagekit.cachefiles.strategies.Optimistic"
IMAGEKIT_CACHEFILE_DIR = "renditions"

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # A database outage fails every request: log it once, not once per request.
    "filters": {"database_outage": {"()": "aiblogger.views.DatabaseOutageLogFilter"}},
    "loggers": {"axes": {"level": "WARNING"}, "django.request": {"filters": ["database_outage"]}},
}

# --- Monitoring (README "Monitoring") ---------------------------------------------
# Where short-lived jobs (publish_due, poll_feeds, the backup) leave their last
# run for node_exporter's textfile collector; empty: they write nothing.
METRICS_TEXTFILE_DIR = env("METRICS_TEXTFILE_DIR", default="")

# --- Newsroom ---------------------------------------------------------------
# Revision compare: a foreign key counts as changed when its target changed,
# not whenever any other field of the article did.
REVERSION_COMPARE_FOREIGN_OBJECTS_AS_ID = True
# Where seed_demo keeps the demo accounts' password between runs (dev: var/).
DEMO_PASSWORD_FILE = None
# Shareable preview links for reviewers without an account expire after this.
PREVIEW_LINK_DAYS = env.int("PREVIEW_LINK_DAYS", default=7)
# Django 6 behaviour now: a scheme-less URL typed into a form means https.
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Newswire -----------------------------------------------------------------
# Feeds are URLs people type: fetching loopback, private, link-local, multicast
# or reserved addresses is refused unless this is on (tests, a feed on the host).
NEWSWIRE_ALLOW_PRIVATE_NETWORKS = env.bool("NEWSWIRE_ALLOW_PRIVATE_NETWORKS", default=False)
NEWSWIRE_FETCH_TIMEOUT = env.float("NEWSWIRE_FETCH_TIMEOUT", default=20)  # seconds, whole fetch
NEWSWIRE_MAX_BYTES = env.int("NEWSWIRE_MAX_BYTES", default=5 * 1024 * 1024)  # after gunzip
NEWSWIRE_MAX_ITEMS = env.int("NEWSWIRE_MAX_ITEMS", default=1000)  # per feed document
NEWSWIRE_MAX_REDIRECTS = env.int("NEWSWIRE_MAX_REDIRECTS", default=5)
NEWSWIRE_CONCURRENCY = env.int("NEWSWIRE_CONCURRENCY", default=8)  # sources fetched at once
NEWSWIRE_RETENTION_DAYS = env.int("NEWSWIRE_RETENTION_DAYS", default=30)
NEWSWIRE_USER_AGENT = env("NEWSWIRE_USER_AGENT", default=f"{SITE_NAME}-newswire/1.0")

# Background work: Django's tasks API (the django-tasks backport), stored in the
# database and run by `manage.py db_worker`. Another backend moves the same
# tasks to RQ or Celery workers.
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        # "mail": aiblogger/mail.py's messages, so a worker can be given only them.
        "QUEUES": ["default", "mail"],
    }
}

# The search engine (articles/search/): "" for SQLite's FTS5 in the site's own
# database (development), or "sphinx://host:port/index" for the shared searchd.
SEARCH_URL = env("SEARCH_URL", default="")
