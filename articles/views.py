import hashlib
import logging
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.core.exceptions import BadRequest
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, TemplateView

from accounts.models import User
from aiblogger import site
from aiblogger.site import absolute_url

from . import hooks, listing, policy
from . import search as search_api
from .models import Article, ArticleAuthor, ArticleSlug, PreviewLink, Section, Tag
from .pagecache import (
    NONCE_ATTRIBUTE,
    card_fragments,
    generation_cached_with_sections,
    public_sections,
    with_nonce,
)
from .pagination import Paginator

# Numbered pages use a small OFFSET; past this one, "Older stories" switches
# to a keyset cursor (see articles/pagination.py).
MAX_NUMBERED_PAGES = 5
SEARCH_MAX_PAGES = 10
SEARCH_MAX_CHARS = 200

log = logging.getLogger(__name__)


def _mark_preview(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


class CardPageResponse(TemplateResponse):
    """A page whose article cards come from the card cache (articles/pagecache.py)."""

    @property
    def rendered_content(self):
        content = super().rendered_content
        cards = getattr(self._request, "article_cards", None)
        return cards.fill(content) if cards is not None else content


class CachedCardsMixin:
    """Render the view's article cards through the card cache."""

    response_class = CardPageResponse

    def dispatch(self, request, *args, **kwargs):
        card_fragments(request)  # before any article is read: its generation labels the cards
        return super().dispatch(request, *args, **kwargs)


class PagedArticlesMixin:
    """A list view paged by articles.pagination; subclasses say which stream().

    Pages show the stream's cards (listing.Card), filled in from the card cache.
    """

    max_pages = MAX_NUMBERED_PAGES

    def stream(self):
        raise NotImplementedError

    def paginate(self, **params):
        cards = self.stream().cards
        paginator = Paginator(
            cards, per_page=listing.PAGE_SIZE, max_pages=self.max_pages, params=params
        )
        return paginator.page(self.request)


class HomeView(CachedCardsMixin, PagedArticlesMixin, TemplateView):
    template_name = "articles/home.html"

    def stream(self):
        return listing.latest(exclude=self.lead.pk if self.lead else None)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.GET.keys() & {"page", "before"}:
            context.update(self.home_page())
        else:
            # Page one, the most read page there is, changes only with the generation.
            front = generation_cached_with_sections(self.request, "home-front", self.home_page)
            context.update(front)
        context["canonical_url"] = context["page"].canonical_url
        # Whole articles are read only for the cards the card cache lacks, in one
        # query and one prefetch of bylines (CardFragments.fill).
        return context

    def home_page(self):
        """The page asked for; page one also has the lead story and a block per section."""
        # The lead story opens page one and is left out of the stream on every page.
        self.lead = listing.lead_story()
        page = self.paginate()
        if not page.is_first:
            return {"page": page}
        shown = [card.pk for card in page.articles] + ([self.lead.pk] if self.lead else [])
        sections = public_sections(self.request)
        blocks = listing.section_blocks(sections, exclude=shown)
        return {"lead": self.lead, "page": page, "section_blocks": blocks}


class ArticleDetailView(DetailView):
    """A published article; newsroom members may also preview their unpublished ones.

    The page is a StoryPage: its parts that are the same for every reader, rendered
    once per public generation for a public story, in the request's page shell.
    """

    context_object_name = "story"
    template_name = "articles/article_detail.html"

    def base_queryset(self):
        return (
            Article.objects.select_related("section", *hooks.detail_select_related)
            .prefetch_related("tags", "corrections")
            .with_bylines()
        )

    def published_story(self, slug):
        """The StoryPage of the public article at slug, or None; kept in the cache
        until the next change readers could see, like the pages, and read in one
        round trip."""

        def load():
            article = self.base_queryset().published().filter(slug=slug).first()
            return None if article is None else StoryPage.of(article, is_preview=False)

        # Hashed: an address may be longer than a cache key should be.
        key = hashlib.blake2b(slug.encode(), digest_size=16).hexdigest()
        # A new shape of entry takes a new name: two releases share the cache while a
        # deploy rolls, and neither may read what the other stored.
        return generation_cached_with_sections(self.request, f"story-page-2:{key}", load)

    def get_object(self, queryset=None):
        slug = self.kwargs["slug"]
        story = self.published_story(slug)
        if story is not None:
            return story
        user = self.request.user
        if user.is_authenticated and user.is_staff:
            article = policy.articles_for(user, self.base_queryset()).filter(slug=slug).first()
            if article is not None:  # a preview is never cached
                return StoryPage.of(article, is_preview=True)
        raise Http404("No article at this address.")

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            old = ArticleSlug.objects.filter(slug=kwargs["slug"]).select_related("article")
            old = old.first()
            if old and old.article.is_published:
                return redirect(old.article, permanent=True)
            raise
        response = self.render_to_response(self.get_context_data(object=self.object))
        if self.object.is_preview:
            return _mark_preview(response)
        response["Last-Modified"] = http_date(self.object.last_modified.timestamp())
        return response

    def get_context_data(self, **kwargs):
        return super().get_context_data(**self.object.context(self.request), **kwargs)


# The parts of an article page that are the same for every reader, by context name.
STORY_TEMPLATES = {
    "story_meta": "articles/_story_meta.html",
    "story_body": "articles/_story_body.html",
}


@dataclass(frozen=True)
class StoryPage:
    """What an article's page shows, the same for every reader: the page shell's
    few fields and, as HTML, the meta tags (JSON-LD included) and the story with
    its related stories, with NONCE_ATTRIBUTE where the request's CSP nonce goes.

    Plain values, so the cache reads one back in a few microseconds (a pickled
    article, with its bylines, tags and related stories, took 0.4 ms).
    """

    title: str
    description: str
    section: tuple | None  # (slug, name)
    canonical_url: str
    last_modified: datetime
    is_preview: bool
    parts: dict

    @classmethod
    def of(cls, article, *, is_preview, with_related=True):
        """Render the article's page parts; without a request, so the related
        stories' cards are rendered here rather than through the card cache."""
        for loader in hooks.detail_loaders:
            loader(article)
        canonical = article.canonical_url or absolute_url(article.get_absolute_url())
        context = {
            **site.context(None),
            "article": article,
            "related": listing.related(article) if with_related else [],
            "is_preview": is_preview,
            "canonical_url": canonical,
            "csp_nonce_attribute": mark_safe(NONCE_ATTRIBUTE),  # noqa: S308 (a constant)
        }
        section = article.section
        return cls(
            title=article.seo_title,
            description=article.seo_description or article.title,
            section=(section.slug, section.name) if section else None,
            canonical_url=canonical,
            last_modified=last_modified(article),
            is_preview=is_preview,
            parts={
                name: get_template(path).render(context) for name, path in STORY_TEMPLATES.items()
            },
        )

    def context(self, request):
        """The page's context: the parts, with this request's CSP nonce."""
        # Without CSP middleware, as csp_nonce_attr: no attribute at all.
        nonce = str(request.csp_nonce) if hasattr(request, "csp_nonce") else ""
        parts = {
            name: mark_safe(with_nonce(html, nonce))  # noqa: S308 (autoescaped when rendered)
            for name, html in self.parts.items()
        }
        return {"is_preview": self.is_preview, **parts}


def last_modified(article):
    """When anything on the article's page last changed, corrections included."""
    times = [article.updated_at, article.published_at]
    times += [correction.noted_at for correction in article.corrections.all()]
    return max(t for t in times if t is not None)


def preview_link(request, token):
    """The draft for a reviewer without an account; 410 once the link expired or was withdrawn."""
    link = get_object_or_404(PreviewLink.objects.select_related("article"), token=token)
    if not secrets.compare_digest(link.token.encode(), token.encode()):
        raise Http404("No such preview link.")  # the column's collation was not exact
    if not link.is_active:
        response = render(request, "articles/preview_gone.html", {"link": link}, status=410)
        return _mark_preview(response)
    story = StoryPage.of(link.article, is_preview=True, with_related=False)
    response = render(
        request, "articles/article_detail.html", {"story": story, **story.context(request)}
    )
    return _mark_preview(response)


class _SubjectPageView(CachedCardsMixin, PagedArticlesMixin, DetailView):
    """A section, tag or author with its stories, newest first."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        page = self.paginate()
        context = self.get_context_data(
            object=self.object, page=page, canonical_url=page.canonical_url
        )
        return self.render_to_response(context)


class SectionView(_SubjectPageView):
    model = Section
    context_object_name = "section"

    def stream(self):
        return listing.in_section(self.object)


class TagView(_SubjectPageView):
    model = Tag
    context_object_name = "tag"

    def stream(self):
        return listing.tagged(self.object)


class AuthorView(_SubjectPageView):
    model = User
    context_object_name = "author"
    template_name = "articles/author_detail.html"

    def stream(self):
        return listing.by_author(self.object)

    def paginate(self, **params):
        page = super().paginate(**params)
        # Readers who signed up have accounts too; only bylines get a public page.
        if not page.articles and not self.object.is_staff:
            raise Http404("No author at this address.")
        return page


def clean_query(raw):
    """The search words as typed, or BadRequest for input no person types."""
    if len(raw) > SEARCH_MAX_CHARS:
        raise BadRequest(f"Search terms are limited to {SEARCH_MAX_CHARS} characters.")
    text = " ".join(raw.split())
    for char in text:
        if char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            raise BadRequest("The search contains characters that are not text.")
    return text


# Date ranges a reader can pick with one link: (parameter value, label, days back).
SEARCH_PERIODS = [
    ("week", "Past week", 7),
    ("month", "Past month", 31),
    ("year", "Past year", 366),
]
SEARCH_ORDERS = [("relevance", "Best match"), ("newest", "Newest first")]


def _search_date(raw, name):
    if not raw:
        return None
    try:
        day = datetime.strptime(raw, "%Y-%m-%d")
    except ValueError:
        raise BadRequest(f"The {name} date must look like 2024-05-31.") from None
    return timezone.make_aware(day, timezone.get_default_timezone())


def _bylined_staff(limit=60):
    """The people with a byline, for search's author links (a newsroom has dozens)."""
    bylines = ArticleAuthor.objects.filter(author=OuterRef("pk"))
    staff = User.objects.filter(is_staff=True).filter(Exists(bylines))
    return list(staff.order_by("display_name", "username")[:limit])


class SearchView(CachedCardsMixin, PagedArticlesMixin, TemplateView):
    """Reader search over the whole archive (articles.search): relevance blended with
    recency or newest first, filtered by section, author and dates with plain links."""

    template_name = "articles/search.html"
    max_pages = SEARCH_MAX_PAGES

    def stream(self):
        self.results = listing.search(self.query, filters=self.filters, order=self.order)
        return self.results

    def get(self, request, *args, **kwargs):
        self.query = clean_query(request.GET.get("q", ""))
        self.params = self._filter_params(request.GET)
        try:
            response = super().get(request, *args, **kwargs)
            response.render()
        except search_api.SearchUnavailable:
            log.warning("Search unavailable", exc_info=True)
            response = TemplateResponse(
                request, "articles/search_unavailable.html", {"query": self.query}, status=503
            )
            response["Retry-After"] = "60"
            response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def _filter_params(self, get):
        """The filters asked for, checked: the params to keep in links; sets self.filters."""
        params = {}
        section = author = None
        if get.get("section"):
            section = Section.objects.filter(slug=get["section"]).first()
            if section is None:
                raise BadRequest("There is no such section.")
            params["section"] = section.slug
        if get.get("author"):
            # The author page's slug: a login name never reaches a public page.
            author = User.objects.filter(slug=get["author"], is_staff=True).first()
            if author is None:
                raise BadRequest("There is no such author.")
            params["author"] = author.slug
        since = _search_date(get.get("from", ""), "from")
        until = _search_date(get.get("to", ""), "to")
        period = get.get("period", "")
        days = {value: days for value, _, days in SEARCH_PERIODS}
        if period:
            if period not in days:
                raise BadRequest("Pick a period from the list.")
            since, until, params["period"] = (
                timezone.now() - timedelta(days=days[period]),
                None,
                period,
            )
        else:
            params.update({k: get[k] for k in ("from", "to") if get.get(k)})
        self.date_error = None
        if since and until and since > until:
            # A form error, not a search: the reader's dates stay in the form to correct.
            self.date_error = (
                f"The From date ({get['from']}) is after the To date ({get['to']}): "
                "swap them, or clear one."
            )
        if until:
            until += timedelta(days=1)  # "to" names the last day shown
        self.order = get.get("order", "relevance")
        if self.order not in dict(SEARCH_ORDERS):
            raise BadRequest("Pick an order from the list.")
        if self.order != "relevance":
            params["order"] = self.order
        self.section, self.author = section, author
        self.filters = search_api.Filters(
            section=section.pk if section else None,
            author=author.pk if author else None,
            since=since,
            until=until,
        )
        return params

    def _link(self, **changes):
        """This search's address with some filters changed (None drops one), page one."""
        params = {"q": self.query, **self.params, **changes}
        if "period" in changes:
            params.pop("from", None), params.pop("to", None)
        return "?" + urlencode({k: v for k, v in params.items() if v})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        context.update(date_error=self.date_error, date_from=self.params.get("from", ""),
                       date_to=self.params.get("to", ""), params=self.params)  # fmt: skip
        if not self.query or self.date_error:
            return context
        page = context["page"] = self.paginate(q=self.query, **self.params)
        result = self.results.rows.result
        context.update(
            canonical_url=page.canonical_url,
            has_terms=bool(search_api.parse(self.query)),
            total=result.total if result else 0,
            more_than_total=result.more_than_bound if result else False,
            newest=result.newest if result else None,
            stopped=result.stopped if result else False,
            snippets=result.snippets if result else {},
            orders=[(label, self._link(order=value), value == self.order)
                    for value, label in SEARCH_ORDERS],
            sections=[(s.name, self._link(section=s.slug), s == self.section)
                      for s in public_sections(self.request)],
            any_section=self._link(section=None),
            periods=[(label, self._link(period=value), self.params.get("period") == value)
                     for value, label, _ in SEARCH_PERIODS],
            any_period=self._link(period=None),
            authors=[(str(a), self._link(author=a.slug),
                      a == self.author) for a in _bylined_staff()],
            any_author=self._link(author=None),
        )  # fmt: skip
        return context
