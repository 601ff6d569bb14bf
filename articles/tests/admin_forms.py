"""Build the POST body the article change form sends, inlines included."""

from django.urls import reverse

INLINE_PREFIXES = ("author_links", "corrections", "preview_links")


def article_form_data(article=None, **overrides):
    data = {
        "title": article.title if article else "Harbour reopens after storm",
        "standfirst": article.standfirst if article else "Ferries run again from Monday.",
        "body": article.body if article else "The harbour **reopened** today.",
        "featured_image_alt": "",
        "featured_image_caption": "",
        "featured_image_credit": "",
        "section": article.section_id if article and article.section_id else "",
        "status": article.status if article else "draft",
        "meta_title": "",
        "meta_description": "",
        "canonical_url": "",
        "_save": "Save",
    }
    if article and article.pk:
        # The version the form would carry if opened now (aiblogger/concurrency.py).
        data["concurrency_version"] = type(article).objects.get(pk=article.pk).version
    if article and article.published_at:
        data["published_at_0"] = article.published_at.strftime("%Y-%m-%d")
        data["published_at_1"] = article.published_at.strftime("%H:%M:%S")
    for prefix in INLINE_PREFIXES:
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def add_url():
    return reverse("admin:articles_article_add")


def changelist_url():
    return reverse("admin:articles_article_changelist")
