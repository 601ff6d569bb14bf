"""Durations in words for people, not ISO 8601 ("15 minutes", not "PT15M")."""

from django import template
from django.utils.timesince import timesince
from django.utils.timezone import now

register = template.Library()


@register.filter
def in_words(delta):
    """A timedelta as "15 minutes" or "1 hour, 30 minutes"; empty for nothing."""
    if not delta:
        return ""
    end = now()
    return timesince(end - delta, end, depth=2)
