"""Local development: DEBUG, embedded SQLite, console e-mail."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
# `make run` passes HOST and PORT; links in feeds, sitemaps and pages follow them.
HOST = env("HOST", default="127.0.0.1")
PORT = env("PORT", default="8000")
_LINK_HOST = "127.0.0.1" if HOST in ("0.0.0.0", "::", "") else HOST  # noqa: S104
SITE_URL = env("SITE_URL", default=f"http://{_LINK_HOST}:{PORT}").rstrip("/")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=sorted({"127.0.0.1", "localhost", HOST}))
DEMO_PASSWORD_FILE = BASE_DIR / "var" / "demo-password"
