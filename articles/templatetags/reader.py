"""Template helpers for the reader site: navigation, images, SEO markup."""

import json

from django import template
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from aiblogger.site import absolute_url
from articles import hooks
from articles.pagecache import CARD_TEMPLATE, public_sections

register = template.Library()

# What json_script escapes, so article text can never close the <script> element.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
FEATURED_SIZES = "(min-width: 52rem) 48rem, 100vw"


@register.simple_tag(takes_context=True)
def nav_sections(context):
    """Every section for the menu, cached until the next change readers could see."""
    return [(section.name, section.url) for section in public_sections(context.get("request"))]


register.filter("absolute", absolute_url)

# The reader URL of each public model, by its slug (the models' get_absolute_url).
_PAGE_URL_NAMES = {
    "articles.article": "articles:detail",
    "articles.section": "articles:section",
    "articles.tag": "articles:tag",
    "accounts.user": "articles:author",
}
_SLUG_MARK = "slug-mark"
_url_prefixes = {}


def _url_parts(name, slug):
    """reverse(name) split where the slug goes, reversed once per URLconf; None if no such URL."""
    key = (name, slug, get_urlconf(), get_script_prefix(), settings.ROOT_URLCONF)
    if key not in _url_prefixes:
        try:
            url = reverse(name, kwargs={"slug": _SLUG_MARK} if slug else None)
        except NoReverseMatch:
            url = None
        _url_prefixes[key] = url.split(_SLUG_MARK) if url else None
    return _url_prefixes[key]


@register.filter
def page_url(obj):
    """obj.get_absolute_url() from a prefix reversed once: a list page shows a hundred links."""
    name = _PAGE_URL_NAMES[obj._meta.label_lower]
    parts = _url_parts(name, slug=True)
    if parts is None:
        raise NoReverseMatch(f"No URL named {name!r}.")
    return f"{parts[0]}{obj.slug}{parts[1]}"


@register.simple_tag
def reader_url(name, slug=None):
    """{% url %} for the links every page repeats, reversed once; "" when there is no such URL."""
    parts = _url_parts(name, slug=slug is not None)
    if parts is None or slug == "":  # {% url ... as x %} gives "" where reverse() fails
        return ""
    return f"{parts[0]}{slug}{parts[1]}" if slug is not None else parts[0]


@register.simple_tag(takes_context=True)
def article_card(context, article, is_lead=False, level=3, compact=False, hide_section=False):
    """One article card (includes/article_card.html), from the card cache if the view uses it."""
    # Flags an including template left unset arrive as "": one card, one key.
    options = {
        "is_lead": bool(is_lead),
        "level": level or 3,
        "compact": bool(compact),
        "hide_section": bool(hide_section),
    }
    request = context.get("request")
    cards = getattr(request, "article_cards", None)
    if cards is not None:
        return mark_safe(cards.add(article, options))  # noqa: S308 (our own marker)
    return context.template.engine.get_template(CARD_TEMPLATE).render(
        template.Context({"article": article, **options}, autoescape=context.autoescape)
    )


@register.simple_tag(takes_context=True)
def csp_nonce_attr(context):
    """' nonce="…"' when django-csp gives this request a nonce, else nothing."""
    request = context.get("request")
    if request is None or not hasattr(request, "csp_nonce"):
        return ""
    return format_html(' nonce="{}"', str(request.csp_nonce))


def social_image_url(article):
    if article.social_image:
        return absolute_url(article.social_image.url)
    if article.featured_image:
        return absolute_url(article.rendition_url("image_social"))
    return ""


@register.simple_tag
def article_social_image(article):
    return social_image_url(article)


@register.inclusion_tag("includes/featured_image.html")
def featured_image(article, sizes=FEATURED_SIZES, eager=False):
    """A responsive <img> whose width/height reserve its box before it loads."""
    renditions = article.renditions()
    if not renditions:
        return {"image": None}
    url, width = renditions[-1]
    return {
        "image": {
            "src": url,
            "srcset": ", ".join(f"{u} {w}w" for u, w in renditions),
            "sizes": sizes,
            "width": width,
            "height": article.rendition_height(width),
            "alt": article.featured_image_alt,
            "eager": eager,
        },
        "caption": article.featured_image_caption,
        "credit": article.featured_image_credit,
    }


@register.simple_tag(takes_context=True)
def article_jsonld(context, article):
    """schema.org NewsArticle for search engines, safe inside a <script> element."""
    authors = [
        {
            "@type": "Person",
            "name": link.author.byline,
            "url": absolute_url(link.author.get_absolute_url()),
        }
        for link in article.author_links.all()
    ]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title[:110],
        "description": article.seo_description,
        "mainEntityOfPage": context.get("canonical_url")
        or absolute_url(article.get_absolute_url()),
        "datePublished": article.published_at,
        "dateModified": max(filter(None, [article.updated_at, article.published_at])),
        "author": authors,
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "url": settings.SITE_URL + "/",
        },
    }
    image = social_image_url(article)
    if image:
        data["image"] = [image]
    if article.section_id:
        data["articleSection"] = article.section.name
    for extra in hooks.jsonld_extras:  # other apps' additions (articles/hooks.py)
        data.update(extra(article))
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    nonce = csp_nonce_attr(context)
    return format_html(
        '<script type="application/ld+json"{}>{}</script>',
        nonce,
        mark_safe(text),  # noqa: S308
    )
