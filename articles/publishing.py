"""Status changes made outside the change form, each recorded as a revision."""

import copy
import json

import reversion
from django.contrib.admin.models import LogEntry
from reversion.models import Version

from . import hooks
from .models import Article, now_to_the_second

ACKNOWLEDGE_LABEL = "I have rewritten this story in the newsroom's own words"


class PublishRefused(Exception):
    """Publishing is refused; str() gives the reasons. `confirmable`: the editor's confirmation
    of a rewrite on the change form would let it through (False: the text must change)."""

    def __init__(self, reasons, confirmable=True):
        super().__init__(" ".join(reasons))
        self.reasons = reasons
        self.confirmable = confirmable


def publish_blockers(article):
    """Warnings that refuse a plain Publish (a source's headline, copied wording)."""
    return [reason for check in hooks.publish_blockers for reason in check(article)]


def publish_refusals(article):
    """What refuses publishing whatever is confirmed (editor-only text left in the story)."""
    return [reason for check in hooks.publish_refusals for reason in check(article)]


def _as_saved(article, data):
    probe = copy.copy(article)  # the text as it would be saved
    for name in ("title", "standfirst", "body"):
        if name in data:
            setattr(probe, name, data[name])
    return probe


def refusals_on_save(article, data):
    """What refuses this change form's save when it would leave `article` public with `data`.

    Any save that leaves the story published or scheduled is checked, an edit of a story
    already out included: the rewrite confirmation does not override these.
    """
    if data.get("status", article.status) != Article.Status.PUBLISHED:
        return []
    return publish_refusals(_as_saved(article, data))


def blockers_on_publish(article, data, stored=None):
    """What refuses this change form's save when it would publish `article` with `data`.

    Only a save that puts the story out (published or scheduled, from any other status) is
    checked; an edit of a story already out is not a publish. `stored` is the status the
    story had before the request (a revision restore has already reverted the row when the
    form is cleaned); by default it is read from the database.
    """
    if data.get("status") != Article.Status.PUBLISHED or not article.pk:
        return []
    if stored is None:
        stored = Article.objects.filter(pk=article.pk).values_list("status", flat=True).first()
    if stored == Article.Status.PUBLISHED:
        return []
    return publish_blockers(_as_saved(article, data))


def acknowledged_message(message, reasons):
    """The history entry of a save published over `reasons`: it says so, with the reasons."""
    if not reasons:
        return message
    readable = LogEntry(change_message=json.dumps(message)).get_change_message()
    shown = "; ".join(reason if len(reason) <= 200 else reason[:200] + "…" for reason in reasons)
    return f"{readable} Published with “{ACKNOWLEDGE_LABEL}” ticked, over: {shown}"


def ensure_first_version(article_id):
    """Record an article's stored state as its first version if it has none yet.

    Stories that arrived without one (seed_demo's bulk rows, imports, rows older
    than the history) then get one the first time anyone changes them, so that
    change can be compared and undone. Call it before the change's revision.
    """
    if not article_id or Version.objects.get_for_object_reference(Article, article_id).exists():
        return
    stored = Article.objects.filter(pk=article_id).first()
    if stored is None:
        return
    with reversion.create_revision():
        reversion.add_to_revision(stored)
        reversion.set_comment("First version: the story as it was before any recorded change.")
        reversion.set_date_created(stored.updated_at)


def _save_revision(article, *, by, comment):
    ensure_first_version(article.pk)
    with reversion.create_revision():
        article.save()
        reversion.set_user(by)
        reversion.set_comment(comment)


def article_publish(*, article, by):
    """Publish now; return False if it was already live, PublishRefused while a rewrite is due
    (that confirmation is given on the change form)."""
    if article.is_published:
        return False
    refusals = publish_refusals(article)
    if refusals:
        raise PublishRefused(refusals, confirmable=False)
    reasons = publish_blockers(article)
    if reasons:
        raise PublishRefused(reasons)
    article.status = Article.Status.PUBLISHED
    article.published_at = now_to_the_second()
    _save_revision(article, by=by, comment="Published now.")
    return True


def article_unpublish(*, article, by):
    """Take a published or scheduled article back to draft; False if it was not."""
    if article.status != Article.Status.PUBLISHED:
        return False
    article.status = Article.Status.DRAFT
    _save_revision(article, by=by, comment="Unpublished.")
    return True


def article_submit_for_review(*, article, by):
    """Hand a draft to the editors; False unless it was a draft."""
    if article.status != Article.Status.DRAFT:
        return False
    article.status = Article.Status.REVIEW
    _save_revision(article, by=by, comment="Submitted for review.")
    return True
