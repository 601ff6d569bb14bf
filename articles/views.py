from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.generic import DetailView, ListView

from accounts.models import User

from .models import Article, ArticleSlug, PreviewLink, Section, Tag


def _mark_preview(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store"
    return response


class HomeView(ListView):
    paginate_by = 20

    def get_queryset(self):
        return Article.objects.published().select_related("section")


class ArticleDetailView(DetailView):
    """A published article; newsroom members may also preview their unpublished ones."""

    def get_object(self, queryset=None):
        slug = self.kwargs["slug"]
        article = Article.objects.published().filter(slug=slug).first()
        if article is not None:
            return article
        user = self.request.user
        if user.is_authenticated and user.is_staff:
            article = Article.objects.editable_by(user).filter(slug=slug).first()
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
        response = self.render_to_response(
            self.get_context_data(object=self.object, is_preview=self.is_preview)
        )
        return _mark_preview(response) if self.is_preview else response


def preview_link(request, token):
    link = get_object_or_404(PreviewLink.objects.active().select_related("article"), token=token)
    response = render(
        request,
        "articles/article_detail.html",
        {"article": link.article, "object": link.article, "is_preview": True},
    )
    return _mark_preview(response)


class _FilteredListView(ListView):
    paginate_by = 20
    template_name = "articles/article_list.html"
    model_class = None
    filter_name = None

    def get_queryset(self):
        self.subject = get_object_or_404(self.model_class, slug=self.kwargs["slug"])
        return Article.objects.published().filter(**{self.filter_name: self.subject})

    def get_context_data(self, **kwargs):
        return super().get_context_data(subject=self.subject, **kwargs)


class SectionView(_FilteredListView):
    model_class, filter_name = Section, "section"


class TagView(_FilteredListView):
    model_class, filter_name = Tag, "tags"


class AuthorView(_FilteredListView):
    model_class, filter_name = User, "authors"
