"""Status changes made outside the change form, each recorded as a revision."""

import reversion

from .models import Article, now_to_the_second


def _save_revision(article, *, by, comment):
    with reversion.create_revision():
        article.save()
        reversion.set_user(by)
        reversion.set_comment(comment)


def article_publish(*, article, by):
    """Publish now; return False if it was already live."""
    if article.is_published:
        return False
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
