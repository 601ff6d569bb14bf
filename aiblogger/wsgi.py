"""WSGI entry point for gunicorn."""

import os
import sys

from django.core.wsgi import get_wsgi_application

from aiblogger.settings import MissingEnvironment

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aiblogger.settings.prod")

try:
    application = get_wsgi_application()
except MissingEnvironment as error:
    print(error, file=sys.stderr, flush=True)
    # 3 is gunicorn's "worker failed to boot": it stops instead of respawning forever.
    sys.exit(3)
