"""Retire cached public pages after any change readers could see."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from .cache import invalidate_public_pages
from .models import Article, ArticleAuthor, ArticleTag, Correction, Section, Tag

PUBLIC_MODELS = (
    Article,
    ArticleAuthor,
    ArticleTag,
    Correction,
    Section,
    Tag,
    settings.AUTH_USER_MODEL,
)


# Saves that change nothing a reader sees: every log-in writes last_login.
PRIVATE_FIELDS = frozenset({"last_login", "password"})


def _invalidate_after_commit(**kwargs):
    if kwargs.get("raw"):
        return  # fixtures being loaded
    update_fields = kwargs.get("update_fields")
    if update_fields and update_fields <= PRIVATE_FIELDS:
        return
    transaction.on_commit(invalidate_public_pages)


for model in PUBLIC_MODELS:
    post_save.connect(_invalidate_after_commit, sender=model, dispatch_uid=f"pub-save-{model}")
    post_delete.connect(_invalidate_after_commit, sender=model, dispatch_uid=f"pub-delete-{model}")


@receiver(m2m_changed, sender=Article.tags.through)
def _tags_changed(action, **kwargs):
    if action.startswith("post_"):
        _invalidate_after_commit(**kwargs)
