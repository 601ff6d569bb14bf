"""One settings module per environment: base, dev, test, prod."""

from django.core.exceptions import ImproperlyConfigured


class MissingEnvironment(ImproperlyConfigured):
    """Required environment variables are unset; the message names every one, on one line."""
