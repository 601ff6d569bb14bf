"""The Jinja2 environment of the reader pages (jinja2/): Django's helpers and the site's own.

Output matches what the Django template language gave these pages: Django's
escaping (`&quot;`, `&#x27;`), dates in the current time zone, and a missing
attribute, even a chain of them, printed as nothing.
"""

import html
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr, pluralize, truncatechars
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from django.utils.timezone import now, template_localtime
from jinja2 import ChainableUndefined, Environment, pass_context, pass_environment
from markupsafe import Markup

from aiblogger.site import absolute_url
from articles import hooks
from articles.pagecache import CARD_TEMPLATE, public_sections
from newswire.drafts import sources_for

# What json_script escapes, so article text can never close the <script> element.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}
FEATURED_SIZES = "(min-width: 52rem) 48rem, 100vw"
FEATURED_TEMPLATE = "includes/featured_image.html"


def environment(**options):
    """The engine's environment (TEMPLATES' "environment" option)."""
    # Django's backend sets both; under DEBUG, DebugUndefined would print "{{ name }}".
    for name in ("autoescape", "undefined"):
        options.pop(name, None)
    env = Environment(
        autoescape=True,
        undefined=ChainableUndefined,
        keep_trailing_newline=True,  # as Django's templates do
        finalize=escape,
        **options,
    )
    env.globals.update(
        url=url,
        static=static,
        reader_url=reader_url,
        nav_sections=nav_sections,
        article_card=article_card,
        csp_nonce_attr=csp_nonce_attr,
        featured_image=featured_image,
        article_jsonld=article_jsonld,
        article_social_image=social_image_url,
        article_sources=sources_for,
    )
    env.filters.update(
        date=date,
        in_words=in_words,
        linebreaksbr=linebreaksbr,
        page_url=page_url,
        pluralize=pluralize,
        truncatechars=truncatechars,
    )
    return env


def escape(value):
    """Django's escaping of what a template prints: markupsafe's differs in quotes only."""
    if type(value) is str and '"' not in value and "'" not in value:
        return value  # markupsafe's faster escape gives the same
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value)))  # noqa: S704 (escaped here)


def url(name, *args, **kwargs):
    """{% url %}: the path of a named URL."""
    return reverse(name, args=args, kwargs=kwargs)


def date(value, arg=None):
    """Django's date filter, given the value in the current time zone as Django's templates do."""
    if not value:
        return ""
    return date_filter(template_localtime(value), arg)


def in_words(delta):
    """A timedelta as "15 minutes" or "1 hour, 30 minutes"; empty for nothing."""
    if not delta:
        return ""
    end = now()
    return timesince(end - delta, end, depth=2)


@pass_context
def nav_sections(context):
    """Every section for the menu, cached until the next change readers could see."""
    return [(section.name, section.url) for section in public_sections(context.get("request"))]


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
            path = reverse(name, kwargs={"slug": _SLUG_MARK} if slug else None)
        except NoReverseMatch:
            path = None
        _url_prefixes[key] = path.split(_SLUG_MARK) if path else None
    return _url_prefixes[key]


def page_url(obj):
    """obj.get_absolute_url() from a prefix reversed once: a list page shows a hundred links."""
    name = _PAGE_URL_NAMES[obj._meta.label_lower]
    parts = _url_parts(name, slug=True)
    if parts is None:
        raise NoReverseMatch(f"No URL named {name!r}.")
    return f"{parts[0]}{obj.slug}{parts[1]}"


def reader_url(name, slug=None):
    """url() for the links every page repeats, reversed once; "" when there is no such URL."""
    parts = _url_parts(name, slug=slug is not None)
    if parts is None or slug == "":
        return ""
    return f"{parts[0]}{slug}{parts[1]}" if slug is not None else parts[0]


@pass_context
def article_card(context, article, is_lead=False, level=3, compact=False, hide_section=False):
    """One article card (includes/article_card.html), from the card cache if the view uses it."""
    # Flags an including template left unset arrive undefined: one card, one key.
    options = {
        "is_lead": bool(is_lead),
        "level": level or 3,
        "compact": bool(compact),
        "hide_section": bool(hide_section),
    }
    cards = getattr(context.get("request"), "article_cards", None)
    if cards is not None:
        return Markup(cards.add(article, options))  # noqa: S704 (our own marker)
    card = context.environment.get_template(CARD_TEMPLATE)
    return Markup(card.render(article=article, **options))  # noqa: S704 (autoescaped)


@pass_context
def csp_nonce_attr(context):
    """' nonce="…"' when django-csp gives this request a nonce, else nothing.

    A part rendered for every reader (articles.views.StoryPage) passes
    csp_nonce_attribute, a marker each request replaces with its own attribute.
    """
    marker = context.get("csp_nonce_attribute")
    if marker is not None:
        return marker
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


@pass_environment
def featured_image(env, article, sizes=FEATURED_SIZES, eager=False):
    """A responsive <img> whose width/height reserve its box before it loads."""
    renditions = article.renditions()
    if not renditions:
        return ""
    src, width = renditions[-1]
    image = {
        "src": src,
        "srcset": ", ".join(f"{u} {w}w" for u, w in renditions),
        "sizes": sizes,
        "width": width,
        "height": article.rendition_height(width),
        "alt": article.featured_image_alt,
        "eager": eager,
    }
    figure = env.get_template(FEATURED_TEMPLATE).render(
        image=image,
        caption=article.featured_image_caption,
        credit=article.featured_image_credit,
    )
    return Markup(figure)  # noqa: S704 (autoescaped)


@pass_context
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
    return format_html(
        '<script type="application/ld+json"{}>{}</script>',
        csp_nonce_attr(context),
        mark_safe(text),  # noqa: S308
    )
