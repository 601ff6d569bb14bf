import unicodedata
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import DatabaseError, connection
from django.db.models import Prefetch
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, TemplateView

from accounts.models import User

from . import listing
from .caching import cache_public_page
from .models import Article, ArticleAuthor, ArticleSlug, PreviewLink, Section, Tag

# Numbered pages use a small OFFSET; past this one, "Older stories" switches
# to a keyset cursor so no page ever makes the database skip many rows.
MAX_NUMBERED_PAGES = 5
SEARCH_MAX_PAGES = 10
SEARCH_MAX_CHARS = 200


def _mark_preview(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


def _absolute(path):
    return f"{settings.SITE_URL}{path}"


class PagedArticlesMixin:
    """Numbered first pages, then keyset pages, read from ?page= and ?before=."""

    max_pages = MAX_NUMBERED_PAGES

    def fetch(self, cursor, limit, offset):
        raise NotImplementedError

    def page_request(self):
        page, before = self.request.GET.get("page"), self.request.GET.get("before")
        if page is not None and before is not None:
            raise BadRequest("Use either page or before, not both.")
        if before is not None:
            try:
                cursor = listing.decode_cursor(before)
            except listing.BadCursor:
                raise BadRequest("That page address is not valid.") from None
            # Cursors come from published stories, so none lies in the future.
            if cursor[0] > timezone.now() + timedelta(days=1):
                raise BadRequest("That page address is not valid.")
            return cursor, 1
        if page is None:
            return None, 1
        if not page.isascii() or not page.isdigit() or len(page) > 6:
            raise BadRequest("The page number must be a whole number.")
        number = int(page)
        if not 1 <= number <= self.max_pages:
            raise Http404("There is no such page.")
        return None, number

    def paged_context(self):
        cursor, number = self.page_request()
        limit = listing.PAGE_SIZE
        rows = self.fetch(cursor, limit, (number - 1) * limit)
        articles, has_older = rows[:limit], len(rows) > limit
        if not articles and (number > 1 or cursor is not None):
            raise Http404("There are no stories on this page.")
        path = self.request.path
        older_url = newer_url = None
        if has_older:
            if cursor is None and number < self.max_pages:
                older_url = f"{path}?page={number + 1}"
            else:
                older_url = f"{path}?before={listing.encode_cursor(articles[-1])}"
        if number > 2:
            newer_url = f"{path}?page={number - 1}"
        elif number == 2 or cursor is not None:
            newer_url = path
        if cursor is not None:
            canonical = f"{path}?before={self.request.GET['before']}"
        else:
            canonical = f"{path}?page={number}" if number > 1 else path
        return {
            "articles": articles,
            "page_number": number,
            "older_than": cursor[0] if cursor else None,
            "older_url": older_url,
            "newer_url": newer_url,
            "is_first_page": number == 1 and cursor is None,
            "canonical_url": _absolute(canonical),
        }


@method_decorator(cache_public_page, name="dispatch")
class HomeView(PagedArticlesMixin, TemplateView):
    template_name = "articles/home.html"

    def fetch(self, cursor, limit, offset):
        exclude = self.lead.pk if self.lead else None
        return listing.latest(cursor, limit, offset=offset, exclude=exclude, cards=False)

    def get_context_data(self, **kwargs):
        # The lead story opens page one and is left out of the stream below it.
        self.lead = listing.lead_story()
        context = super().get_context_data(**kwargs)
        context.update(self.paged_context())
        cards = list(context["articles"])
        if context["is_first_page"]:
            shown = [article.pk for article in cards]
            if self.lead:
                shown.append(self.lead.pk)
                cards.append(self.lead)
            context["lead"] = self.lead
            context["section_blocks"] = listing.section_blocks(exclude=shown)
            cards += [a for _, articles in context["section_blocks"] for a in articles]
        # One prefetch for every card on the page keeps the query count fixed.
        listing.with_cards(cards, tags=False)
        return context


@method_decorator(cache_public_page, name="dispatch")
class ArticleDetailView(DetailView):
    """A published article; newsroom members may also preview their unpublished ones."""

    context_object_name = "article"

    def base_queryset(self):
        return Article.objects.select_related("section").prefetch_related(
            "tags",
            "corrections",
            Prefetch(
                "author_links",
                queryset=ArticleAuthor.objects.select_related("author").order_by("position", "id"),
            ),
        )

    def get_object(self, queryset=None):
        slug = self.kwargs["slug"]
        article = self.base_queryset().published().filter(slug=slug).first()
        if article is not None:
            return article
        user = self.request.user
        if user.is_authenticated and user.is_staff:
            article = self.base_queryset().editable_by(user).filter(slug=slug).first()
            if article is not None:
                self.is_preview = True
                return article
        raise Http404("No article at this address.")

    def get(self, request, *args, **kwargs):
        self.is_preview = False
        try:
            self.object = self.get_object()
        except Http404:
            old = ArticleSlug.objects.filter(slug=kwargs["slug"]).select_related("article")
            old = old.first()
            if old and old.article.is_published:
                return redirect(old.article, permanent=True)
            raise
        response = self.render_to_response(self.get_context_data(object=self.object))
        if self.is_preview:
            return _mark_preview(response)
        response["Last-Modified"] = http_date(last_modified(self.object).timestamp())
        return response

    def get_context_data(self, **kwargs):
        article = self.object
        return super().get_context_data(
            is_preview=self.is_preview,
            related=listing.related(article),
            canonical_url=article.canonical_url or _absolute(article.get_absolute_url()),
            **kwargs,
        )


def last_modified(article):
    """When anything on the article's page last changed, corrections included."""
    times = [article.updated_at, article.published_at]
    times += [correction.noted_at for correction in article.corrections.all()]
    return max(t for t in times if t is not None)


def preview_link(request, token):
    link = get_object_or_404(PreviewLink.objects.active().select_related("article"), token=token)
    response = render(
        request,
        "articles/article_detail.html",
        {"article": link.article, "object": link.article, "is_preview": True, "related": []},
    )
    return _mark_preview(response)


class _SubjectPageView(PagedArticlesMixin, DetailView):
    """A section, tag or author with its stories, newest first."""

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        context = self.get_context_data(object=self.object)
        context.update(self.paged_context())
        return self.render_to_response(context)


@method_decorator(cache_public_page, name="dispatch")
class SectionView(_SubjectPageView):
    model = Section
    context_object_name = "section"

    def fetch(self, cursor, limit, offset):
        return listing.in_section(self.object, cursor, limit, offset=offset)


@method_decorator(cache_public_page, name="dispatch")
class TagView(_SubjectPageView):
    model = Tag
    context_object_name = "tag"

    def fetch(self, cursor, limit, offset):
        return listing.tagged(self.object, cursor, limit, offset=offset)


@method_decorator(cache_public_page, name="dispatch")
class AuthorView(_SubjectPageView):
    model = User
    context_object_name = "author"
    template_name = "articles/author_detail.html"

    def fetch(self, cursor, limit, offset):
        return listing.by_author(self.object, cursor, limit, offset=offset)

    def paged_context(self):
        context = super().paged_context()
        # Readers who signed up have accounts too; only bylines get a public page.
        if not context["articles"] and not self.object.is_staff:
            raise Http404("No author at this address.")
        return context


def clean_query(raw):
    """The search words as typed, or BadRequest for input no person types."""
    if len(raw) > SEARCH_MAX_CHARS:
        raise BadRequest(f"Search terms are limited to {SEARCH_MAX_CHARS} characters.")
    text = " ".join(raw.split())
    for char in text:
        if char == "\ufffd" or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            raise BadRequest("The search contains characters that are not text.")
    return text


@method_decorator(cache_public_page, name="dispatch")
class SearchView(PagedArticlesMixin, TemplateView):
    template_name = "articles/search.html"
    max_pages = SEARCH_MAX_PAGES

    def fetch(self, cursor, limit, offset):
        return listing.search(self.query, limit, offset=offset)

    def page_request(self):
        if "before" in self.request.GET:
            raise BadRequest("Search results are numbered pages.")
        return super().page_request()

    def get(self, request, *args, **kwargs):
        self.query = clean_query(request.GET.get("q", ""))
        response = super().get(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        if self.query:
            context.update(self.paged_context())
            context["has_terms"] = bool(listing.search_terms(self.query))
            page = context["page_number"]
            for key in ("older_url", "newer_url"):
                if context[key]:
                    context[key] = _with_query(context[key], self.query)
            suffix = f"&page={page}" if page > 1 else ""
            context["canonical_url"] = _absolute(_with_query(self.request.path, self.query))
            context["canonical_url"] += suffix
        return context


def _with_query(url, query):
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}{urlencode({'q': query})}"


@require_safe
def robots_txt(request):
    if settings.SITE_INDEXABLE:
        lines = [
            "User-agent: *",
            "Disallow: /admin/",
            "Disallow: /accounts/",
            "Disallow: /preview/",
            "Disallow: /search/",
            "",
            f"Sitemap: {_absolute('/sitemap.xml')}",
        ]
    else:
        # Staging and development hosts stay out of search engines entirely.
        lines = ["User-agent: *", "Disallow: /", "", f"Sitemap: {_absolute('/sitemap.xml')}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """200 when the database answers, 503 otherwise; for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


def bad_request(request, exception):
    """The 400 page in the site's design, saying what was wrong where we know it."""
    reason = str(exception) if isinstance(exception, BadRequest) else ""
    return render(request, "400.html", {"reason": reason}, status=400)


def server_error(request):
    """The 500 page, rendered without the request: the database may be what failed."""
    html = loader.get_template("500.html").render({"site_name": settings.SITE_NAME})
    return HttpResponseServerError(html)
