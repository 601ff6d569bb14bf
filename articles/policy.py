"""Newsroom rules: who may do what with an article. The admin asks here, nowhere else.

The README's role table, rule by rule:

    Contributor    writes and edits own drafts and submits them for review; cannot
                   publish, cannot touch others' work, nor their own once published
    Author         all of Contributor, and publishes, schedules and unpublishes own
                   articles
    Editor         every article, section and tag; publishes and features anything;
                   approves sign-ups; preview links; recovers deleted articles
    Administrator  everything (a superuser)

A role is a group (migration 0002) holding Django's model permissions and two of
ours: `articles.publish_article` (Author, Editor) and `articles.edit_others_articles`
(Editor). An article is the user's own when they have a byline on it; "published"
is the status, so a scheduled story counts as out. Approving sign-ups is
`accounts.approve_user`, which the user admin checks.

Functions taking article=None answer for articles in general (may the user open
the list at all?), as Django's has_*_permission hooks ask.
"""

from .models import Article

PUBLISH = "articles.publish_article"
EDIT_OTHERS = "articles.edit_others_articles"
PUBLISHED = Article.Status.PUBLISHED


def articles_for(user, articles):
    """The articles this member may open in the newsroom, from a queryset."""
    return articles if can_edit_others(user) else articles.filter(authors=user)


def can_see(user, article=None):
    allowed = user.has_perm("articles.view_article") or user.has_perm("articles.change_article")
    return allowed and (article is None or _reaches(user, article))


def can_edit(user, article=None):
    return user.has_perm("articles.change_article") and _may_touch(user, article)


def can_delete(user, article=None):
    return user.has_perm("articles.delete_article") and _may_touch(user, article)


def can_publish(user, article=None):
    """Publish, schedule and unpublish (and so set the publication time)."""
    return user.has_perm(PUBLISH) and (article is None or _reaches(user, article))


def can_set_status(user, status):
    return status != PUBLISHED or can_publish(user)


def can_edit_others(user):
    """Editors: every article, whoever's byline it carries (theirs may be removed)."""
    return user.has_perm(EDIT_OTHERS)


def can_feature(user, article=None):
    """Feature on the home page: an editor's call, for any article."""
    return can_edit_others(user)


def can_share_previews(user):
    """Create and revoke preview links for readers outside the newsroom."""
    return can_edit_others(user)


def can_recover(user):
    """Browse and restore deleted articles."""
    return can_edit_others(user)


def _reaches(user, article):
    return can_edit_others(user) or article.authors.filter(pk=user.pk).exists()


def _may_touch(user, article):
    if article is None:
        return True
    if article.status == PUBLISHED and not user.has_perm(PUBLISH):
        return False  # contributors cannot touch a story once it is out
    return _reaches(user, article)
