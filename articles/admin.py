from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ORDER_VAR, PAGE_VAR
from django.contrib.admin.widgets import AdminSplitDateTime, AutocompleteSelectMultiple
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from accounts.models import User
from aiblogger.admin_lists import BoundedCountPaginator, LargeListMixin  # noqa: F401 (tests)
from aiblogger.concurrency import ConcurrentAdmin, bump
from aiblogger.images import ImageUploadField
from aiblogger.uploads import UploadAdminMixin

from . import policy, publishing
from .markdown import render_markdown
from .models import (
    BODY_MAX_CHARS,
    Article,
    ArticleAuthor,
    Correction,
    PreviewLink,
    Section,
    Tag,
    clean_text,
)
from .pagecache import invalidate_public_pages
from .publishing import (
    article_publish,
    article_submit_for_review,
    article_unpublish,
    ensure_first_version,
)
from .search.admin import EngineSearchMixin


def _bylines(article, version):
    """(position, author id) of the article's bylines as saved in that revision."""
    links = version.revision.version_set.filter(
        content_type=ContentType.objects.get_for_model(ArticleAuthor)
    )
    return sorted(
        (link["position"], link["author_id"])
        for link in (v.field_dict for v in links)
        if link["article_id"] == article.pk
    )


def _to_the_second(value):
    return value.replace(microsecond=0) if value else value


class StoredTextField(forms.CharField):
    """Text as the model stores it (clean_text), so the \r\n line endings a browser
    sends back for an untouched textarea are not a change."""

    def to_python(self, value):
        return clean_text(super().to_python(value))

    def has_changed(self, initial, data):
        initial = clean_text(initial)
        if self.strip and isinstance(initial, str):
            initial = initial.strip()  # as to_python strips what is sent back
        return super().has_changed(initial, data)


TEXT_OVERRIDES = {
    models.CharField: {"form_class": StoredTextField},
    # Kept as typed: leading spaces start a Markdown code block.
    models.TextField: {"form_class": StoredTextField, "strip": False},
}


class MarkdownEditor(forms.Textarea):
    """The body's textarea with a live preview rendered by the server, as readers get it.

    static/js/markdown-preview.js posts the text to the admin's markdown-preview
    view and shows the sanitised HTML below, in a frame with the reader site's
    stylesheet and the published page's classes. Without JavaScript the link to the
    staff preview at the article's real address remains.
    """

    article_url = ""  # set per form: the saved article's address, for the no-JS preview

    class Media:
        js = ["js/markdown-preview.js"]

    def render(self, name, value, attrs=None, renderer=None):
        textarea = super().render(name, value, attrs, renderer)
        if self.article_url:
            fallback = format_html(
                '<a href="{}" target="_blank" rel="noopener">Preview the saved version '
                "at its real address</a> (opens a new tab).",
                self.article_url,
            )
        else:
            fallback = "Save the draft to preview it at its real address too."
        # The preview is a sandboxed frame (no scripts) wearing the reader site's
        # stylesheet, so it looks as the published story does, not as the admin.
        return format_html(
            '<div class="markdown-editor" data-preview-url="{}" data-stylesheet="{}">{}'
            '<section class="markdown-preview" aria-labelledby="{}-preview-title" hidden>'
            '<h3 id="{}-preview-title" class="markdown-preview__title">'
            "Preview, as readers will see it</h3>"
            '<iframe class="markdown-preview__frame" sandbox="allow-same-origin" '
            'title="Preview of the story body, as readers will see it"></iframe></section>'
            '<p class="help markdown-preview__fallback">{}</p></div>',
            reverse("admin:articles_article_markdown_preview"),
            static("css/site.css"),
            textarea,
            name,
            name,
            fallback,
        )


class TagsWidget(AutocompleteSelectMultiple):
    """The admin's tag autocomplete, accessible: its search box is named
    (static/js/admin-labels.js) and it draws no "remove all" control inside the
    list of chosen tags (each tag keeps its own)."""

    def build_attrs(self, base_attrs, extra_attrs=None):
        return {**super().build_attrs(base_attrs, extra_attrs), "data-allow-clear": "false"}

    @property
    def media(self):
        return super().media + forms.Media(js=["js/admin-labels.js"])


class LabelledSplitDateTime(AdminSplitDateTime):
    """The admin's date and time boxes, each with a name of its own: the field's
    label names the pair (a legend), which axe and screen readers do not apply to each."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        label = context["widget"]["attrs"].get("aria-label")
        for subwidget, part in zip(context["widget"]["subwidgets"], ("date", "time"), strict=True):
            subwidget["attrs"]["aria-label"] = f"{label}, {part}" if label else part.capitalize()
        return context


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their column's name: a header cell is no label."""

    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        row_name = self.verbose_name

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                row = f" {index + 1}" if index is not None else ""
                for name, field in form.fields.items():
                    label = "Delete" if name == "DELETE" else capfirst(field.label or name)
                    field.widget.attrs.setdefault("aria-label", f"{label} ({row_name}{row})")

        return LabelledFormSet


class ArticleAdminForm(forms.ModelForm):
    # Tags live in a through table (for fast tag pages), which the admin cannot
    # edit as a plain field; this field edits it with the same autocomplete.
    tag_choices = forms.ModelMultipleChoiceField(
        label="Tags",
        queryset=Tag.objects.all(),
        required=False,
        widget=TagsWidget(Article._meta.get_field("tags"), admin.site),
        help_text="Start typing to find a tag. Readers can follow every tag.",
    )
    create_preview_link = forms.BooleanField(
        label="Create a preview link",
        required=False,
        help_text="Tick and save: you get a link anyone can open without an account, "
        "listed under “Preview links” below with its expiry.",
    )

    rewrite_acknowledged = forms.BooleanField(
        label=publishing.ACKNOWLEDGE_LABEL,
        required=False,
        help_text="Needed to publish while the copy guard or the source-headline warning "
        "still fires. Your confirmation is recorded in the story's history.",
    )

    class Meta:
        model = Article
        fields = (
            "title", "standfirst", "body", "featured_image", "featured_image_alt",
            "featured_image_caption", "featured_image_credit", "section", "status",
            "published_at", "featured", "meta_title", "meta_description",
            "social_image", "canonical_url",
        )  # fmt: skip
        widgets = {
            "title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "standfirst": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
            "body": MarkdownEditor(attrs={"rows": 24, "class": "vLargeTextField"}),
            "meta_title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "meta_description": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
            "canonical_url": forms.URLInput(attrs={"class": "vLargeTextField"}),
        }

    user = None  # set by ArticleAdmin.get_form
    stored_status = None  # set by ArticleAdmin.get_form on a revision restore
    opened_fields = ("tag_choices",)  # tags are not in the revisions (aiblogger/concurrency.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_choices"].initial = list(self.instance.tags.all())
        if "body" in self.fields and self.instance.pk:
            self.fields["body"].widget.article_url = self.instance.get_absolute_url()
        status = self.fields.get("status")
        if status is not None and not policy.can_publish(self.user):
            status.choices = [c for c in status.choices if policy.can_set_status(self.user, c[0])]
            status.help_text = "Set “In review” when the story is ready for an editor."

    def clean_status(self):
        status = self.cleaned_data["status"]
        if not policy.can_set_status(self.user, status):
            raise forms.ValidationError("You cannot publish; submit the story for review.")
        return status

    def clean(self):
        data = super().clean()
        # A draft still in a source's words is published only over an explicit confirmation.
        reasons = publishing.blockers_on_publish(self.instance, data, self.stored_status)
        if reasons and not data.get("rewrite_acknowledged"):
            self.add_error(
                "rewrite_acknowledged",
                "Not published: " + " ".join(reasons) + " Rewrite it, or tick this box to "
                "confirm you have.",
            )
        self.acknowledged_reasons = reasons if data.get("rewrite_acknowledged") else []
        # Editor-only text (a drafter's section or note) never goes out, confirmed or not.
        for refusal in publishing.refusals_on_save(self.instance, data):
            self.add_error("body", f"Not published: {refusal}")
        return data


class ArticleAuthorInline(LabelledTabularInline):
    model = ArticleAuthor
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    extra = 0
    min_num = 0
    verbose_name = "byline"
    verbose_name_plural = "Bylines (first is the lead; you are added if you leave this empty)"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if policy.can_edit_others(request.user):
            return formset
        own = request.user.pk

        class OwnBylineStays(formset):
            # save_related gives a writer's own byline back: no Delete box that would lie.
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields and form.instance.author_id == own:
                    form.fields["DELETE"] = forms.BooleanField(
                        required=False, disabled=True, widget=forms.HiddenInput
                    )

        return OwnBylineStays


class CorrectionInline(admin.StackedInline):
    model = Correction
    formfield_overrides = {
        models.DateTimeField: {"widget": LabelledSplitDateTime},
        **TEXT_OVERRIDES,
    }
    extra = 0
    verbose_name_plural = "Corrections (shown to readers under the story)"


class PreviewLinkInline(LabelledTabularInline):
    model = PreviewLink
    extra = 0
    verbose_name = "preview link"
    fields = ("link", "expires_at", "created_by", "status_text", "revoke")
    readonly_fields = ("link", "created_by", "status_text")
    verbose_name_plural = (
        "Preview links (anyone with the link can read the draft until it expires)"
    )

    class form(forms.ModelForm):
        revoke = forms.BooleanField(
            required=False, help_text="Tick and save to stop the link working now."
        )

        class Meta:
            model = PreviewLink
            fields = ("expires_at",)

        def has_changed(self):
            # A new row left at its default expiry is still a request for a link.
            return self.instance.pk is None or super().has_changed()

        def save(self, commit=True):
            if self.cleaned_data.get("revoke") and self.instance.revoked_at is None:
                self.instance.revoked_at = timezone.now()
            return super().save(commit=commit)

    @admin.display(description="link")
    def link(self, obj):
        if not obj.pk:
            return "Saved with the article"
        return format_html('<a href="{0}">{0}</a>', settings.SITE_URL + obj.get_absolute_url())

    @admin.display(description="status")
    def status_text(self, obj):
        if obj.revoked_at:
            return "revoked"
        return "active" if obj.is_active else "expired"


class BylineFilter(admin.SimpleListFilter):
    """By author: the people with a byline the member can see, each found by an index seek
    (not a DISTINCT over every article), and their articles by a subquery (no DISTINCT).

    The EXISTS is a column, not a WHERE condition: in the WHERE MariaDB turns it into a
    semi-join that reads every byline (a million, 0.5 s) to answer for a handful of
    people; as a column it is one seek on author_public_idx a person."""

    title = "author"
    parameter_name = "author"

    def lookups(self, request, model_admin):
        bylines = ArticleAuthor.objects.filter(author=OuterRef("pk"))
        if not policy.can_edit_others(request.user):
            bylines = bylines.filter(
                article__in=policy.articles_for(request.user, Article.objects)
            )
        people = User.objects.annotate(writes=Exists(bylines)).order_by("display_name", "username")
        return [(str(user.pk), str(user)) for user in people if user.writes]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        links = ArticleAuthor.objects.filter(author=int(self.value())).values("article")
        return queryset.filter(pk__in=links)


@admin.register(Article)
class ArticleAdmin(EngineSearchMixin, LargeListMixin, UploadAdminMixin, ConcurrentAdmin):
    form = ArticleAdminForm
    formfield_overrides = {
        models.ImageField: {"form_class": ImageUploadField},
        models.DateTimeField: {"widget": LabelledSplitDateTime},
        **TEXT_OVERRIDES,
    }
    # Five columns that fit beside the sidebar at 1280 px; static/css/admin.css
    # keeps title, status and time at phone width. "Featured" shows in the status.
    # "updated" is the default order (newest change first): shown, so the list reads as sorted.
    list_display = ("title", "status_badge", "section", "byline", "published", "updated")
    list_filter = ("status", "section", "featured", BylineFilter)
    list_select_related = ("section",)
    # What the columns read (bylines come by their own prefetch): not body nor body_html.
    list_columns = (
        "title", "status", "featured", "published_at", "updated_at", "version", "section__name",
    )  # fmt: skip
    # The search box asks the search engine (articles/search/admin.py).
    search_fields = ("title", "standfirst", "body")
    date_hierarchy = "published_at"
    ordering = ("-updated_at",)

    combined_count_bound = 1_000

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        """By an author alone, for a member who may list every story: count the author's
        bylines (one a story, from author_public_idx) and not the stories they join to.
        Counting 10,001 stories reads their rows from the 3 GB table (8,500 pages from
        disk, 0.9 s at 1M with a 128 MB buffer pool); the bylines' index is 44 pages.

        By an author and "published": the bylines that carry a public_since, which a
        byline has exactly while its story is published (3 ms at 1M, where matching
        the author's bylines with the published stories' index took 240 ms).

        By an author and any other filter: the count matches the author's bylines with
        the other filter's index a story at a time, and stops at combined_count_bound
        (1,000: 13-20 ms at 1M for a draft, section or featured filter, where 10,000 took
        180-210 ms); past it the list says "more than 1,000" and pages to it."""
        paginator = super().get_paginator(
            request, queryset, per_page, orphans, allow_empty_first_page
        )
        author = request.GET.get(BylineFilter.parameter_name, "")
        if not (author.isdigit() and policy.can_edit_others(request.user)):
            return paginator
        bylines = ArticleAuthor.objects.filter(author=int(author))
        others = set(request.GET) - {BylineFilter.parameter_name, PAGE_VAR, ORDER_VAR}
        if not others:
            paginator.count_rows = bylines
        elif (
            others == {"status__exact"}
            and request.GET["status__exact"] == Article.Status.PUBLISHED
        ):
            paginator.count_rows = bylines.filter(public_since__isnull=False)
        else:
            paginator.BOUND = self.combined_count_bound
        return paginator

    def get_ordering(self, request):
        """By an author: newest story first (by id). The author's bylines are then read
        from the index in that order and the page stops at 100; by -updated_at MariaDB
        would join and sort all of a prolific author's stories (200k at 1M: 20 s)."""
        ordering = super().get_ordering(request)
        if BylineFilter.parameter_name in request.GET and ordering == self.ordering:
            return ("-pk",)
        return ordering

    # A million stories: no second COUNT(*) of the whole table, and a bounded first one.
    inlines = [ArticleAuthorInline, CorrectionInline, PreviewLinkInline]
    readonly_fields = ("slug_display", "updated_at")
    actions = [
        "publish_now", "unpublish", "submit_for_review", "feature", "unfeature",
        "delete_selected",
    ]  # fmt: skip
    # Django's list with reversion's "Recover deleted articles" link for whoever may recover.
    change_list_template = "admin/articles/article/change_list.html"
    fieldsets = (
        ("Story", {"fields": ("title", "slug_display", "standfirst", "body")}),
        (
            "Featured image",
            {
                "fields": (
                    "featured_image",
                    "featured_image_alt",
                    "featured_image_caption",
                    "featured_image_credit",
                )
            },
        ),
        ("Filing", {"fields": ("section", "tag_choices")}),
        ("Publishing", {"fields": ("status", "published_at", "featured", "updated_at")}),
        (
            "Social & SEO",
            {
                "classes": ("collapse",),
                "fields": ("meta_title", "meta_description", "social_image", "canonical_url"),
            },
        ),
    )

    def get_urls(self):
        preview = self.admin_site.admin_view(self.markdown_preview_view)
        return [
            path("markdown-preview/", preview, name="articles_article_markdown_preview"),
            *super().get_urls(),
        ]

    @method_decorator(require_POST)
    def markdown_preview_view(self, request):
        """The body as readers will see it: the same Markdown and sanitiser as on save."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        body = request.POST.get("body", "")
        if len(body) > BODY_MAX_CHARS:
            return JsonResponse(
                {"error": f"The body is over {BODY_MAX_CHARS:,} characters."}, status=400
            )
        return JsonResponse({"html": render_markdown(body)})

    # --- revision compare: only what an editor would call a change -------------
    # Derived or bookkeeping values; the body's diff already shows body_html's.
    compare_exclude = ("body_html", "created_at", "updated_at")

    def compare(self, obj, version1, version2):
        """Drop reversion-compare's false changes: bylines whose derived dates moved
        and times that differ below the second the form shows."""
        diff, has_unfollowed_fields = super().compare(obj, version1, version2)
        diff = [d for d in diff if self._differs(d["field"], obj, version1, version2)]
        return diff, has_unfollowed_fields

    def _differs(self, field, obj, version1, version2):
        if getattr(field, "related_name", None) == "author_links":
            return _bylines(obj, version1) != _bylines(obj, version2)
        if isinstance(field, models.DateTimeField):
            one, two = (v.field_dict.get(field.name) for v in (version1, version2))
            return _to_the_second(one) != _to_the_second(two)
        return True

    # --- who sees and changes what -------------------------------------------
    def get_queryset(self, request):
        return policy.articles_for(request.user, super().get_queryset(request).with_bylines())

    def get_object(self, request, object_id, from_field=None):
        """404 for an article outside the user's reach, so existence does not leak."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such article.")
        return obj

    def has_view_permission(self, request, obj=None):
        return policy.can_see(request.user, obj)

    def has_change_permission(self, request, obj=None):
        return policy.can_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return policy.can_delete(request.user, obj)

    def has_publish_permission(self, request):
        return policy.can_publish(request.user)

    def has_feature_permission(self, request):
        return policy.can_feature(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not policy.can_publish(request.user):
            fields.append("published_at")
        if not policy.can_feature(request.user):
            fields.append("featured")
        return fields

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        # The confirmation shows where it may be needed: a story with a warning that blocks
        # publishing, or any re-shown POST (its edit may have brought one back).
        if obj is not None and (request.method == "POST" or publishing.publish_blockers(obj)):
            fieldsets = [
                (name, {**opts, "fields": (*opts["fields"], "rewrite_acknowledged")})
                if name == "Publishing"
                else (name, opts)
                for name, opts in fieldsets
            ]
        if not self._may_create_preview_links(request):
            return fieldsets
        return [
            (name, {**opts, "fields": (*opts["fields"], "create_preview_link")})
            if name == "Publishing"
            else (name, opts)
            for name, opts in fieldsets
        ]

    @staticmethod
    def _may_create_preview_links(request):
        return policy.can_share_previews(request.user)

    def get_inlines(self, request, obj):
        if policy.can_share_previews(request.user):
            return self.inlines
        return [i for i in self.inlines if i is not PreviewLinkInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        stored_status = getattr(request, "_status_before_restore", None)
        return type(form.__name__, (form,), {"user": request.user, "stored_status": stored_status})

    def _check_post(self, request):
        """Refuse a POST that asks for what the role may not do, however it was sent."""
        posted = request.POST.get("status") if request.method == "POST" else None
        if not policy.can_set_status(request.user, posted):
            raise PermissionDenied("You cannot publish articles.")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        self._check_post(request)
        extra_context = extra_context or {}
        if object_id and request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            extra_context["prepublish_warnings"] = obj.prepublish_warnings()
        return super().changeform_view(request, object_id, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "POST":
            # Outside the revision VersionAdmin.change_view opens, so it is a version of its own.
            ensure_first_version(self.get_object(request, unquote(object_id)).pk)
        return super().change_view(request, object_id, form_url, extra_context)

    # Revision views look objects up without get_queryset; check ownership first.
    def _require_reachable(self, request, object_id):
        self.get_object(request, unquote(object_id))

    def history_view(self, request, object_id, extra_context=None):
        self._require_reachable(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def compare_view(self, request, object_id, extra_context=None):
        self._require_reachable(request, object_id)
        return super().compare_view(request, object_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        self._require_reachable(request, object_id)
        self._check_post(request)
        # django-reversion reverts the row before the form is cleaned: remember what the
        # story was, so that restoring a published revision of a draft is a publish.
        request._status_before_restore = (
            Article.objects.filter(pk=unquote(object_id)).values_list("status", flat=True).first()
        )
        return super().revision_view(request, object_id, version_id, extra_context)

    def changelist_view(self, request, extra_context=None):
        context = {"can_recover": policy.can_recover(request.user), **(extra_context or {})}
        return super().changelist_view(request, context)

    def recoverlist_view(self, request, extra_context=None):
        if not policy.can_recover(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not policy.can_recover(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    # --- saving ------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        if change and not policy.can_publish(request.user):
            # The form cannot offer it, but a stale instance could carry it.
            original = Article.objects.only("status").get(pk=obj.pk)
            allowed = policy.can_edit(request.user, original)
            if not allowed or not policy.can_set_status(request.user, obj.status):
                raise PermissionDenied("You cannot publish articles.")
        super().save_model(request, obj, form, change)

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        return publishing.acknowledged_message(message, getattr(form, "acknowledged_reasons", []))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._create_preview_link(request, form)
        article = form.instance
        if "tag_choices" in form.cleaned_data:  # absent: a re-apply keeps the current tags
            article.set_tags(form.cleaned_data["tag_choices"])
        # Whoever writes a story keeps their byline unless an editor removed it.
        if not article.author_links.exists() or (
            not policy.can_edit_others(request.user)
            and not article.author_links.filter(author=request.user).exists()
        ):
            article.add_byline(request.user)

    def _create_preview_link(self, request, form):
        if not (
            form.cleaned_data.get("create_preview_link")
            and self._may_create_preview_links(request)
        ):
            return
        link = PreviewLink.objects.create(article=form.instance, created_by=request.user)
        request._created_preview_link = link
        self.message_user(
            request,
            format_html(
                'Preview link created; it works until {}: <a href="{}">{}</a>',
                timezone.localtime(link.expires_at).strftime("%d %b %Y %H:%M"),
                settings.SITE_URL + link.get_absolute_url(),
                settings.SITE_URL + link.get_absolute_url(),
            ),
            messages.SUCCESS,
        )

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_created_preview_link", None):
            return HttpResponseRedirect(self._change_form_url(obj))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_created_preview_link", None):
            return HttpResponseRedirect(self._change_form_url(obj))  # the link, to copy
        return super().response_change(request, obj)

    def _change_form_url(self, obj):
        return reverse("admin:articles_article_change", args=[obj.pk])

    def save_formset(self, request, form, formset, change):
        if formset.model is PreviewLink:
            for link in formset.save(commit=False):
                if link.created_by_id is None:
                    link.created_by = request.user
                    request._created_preview_link = link
                link.save()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)

    # --- list columns -----------------------------------------------------------
    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        if obj.is_scheduled:
            status = format_html(
                "Scheduled for {}", timezone.localtime(obj.published_at).strftime("%d %b %Y %H:%M")
            )
        else:
            status = obj.get_status_display()
        if obj.featured:
            return format_html('{} <span class="badge">· featured</span>', status)
        return status

    @admin.display(description="published", ordering="published_at")
    def published(self, obj):
        return _list_time(obj.published_at)

    @admin.display(description="updated", ordering="updated_at")
    def updated(self, obj):
        return _list_time(obj.updated_at)

    @admin.display(description="byline")
    def byline(self, obj):
        return ", ".join(str(link.author) for link in obj.author_links.all())

    @admin.display(description="address")
    def slug_display(self, obj):
        if not obj.pk:
            return "Made from the title when you save."
        note = " (fixed: the story has been published)" if obj.first_published_at else ""
        return format_html('<a href="{}">{}</a>{}', obj.get_absolute_url(), obj.slug, note)

    # --- actions ---------------------------------------------------------------
    def _bulk(self, request, queryset, change, done):
        with transaction.atomic():
            count = sum(1 for article in queryset.select_for_update() if change(article))
        self.message_user(request, f"{count} article(s) {done}.", messages.SUCCESS)

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        refused = []

        def publish(article):
            try:
                return article_publish(article=article, by=request.user)
            except publishing.PublishRefused as exc:
                refused.append((f"“{article}” was not published: {exc}", exc.confirmable))
                return False

        self._bulk(request, queryset, publish, "published")
        for reason, confirmable in refused:
            then = (
                "Open it, rewrite it, or confirm the rewrite on its page."
                if confirmable
                else "Open it and delete that text first."
            )
            self.message_user(request, f"{reason} {then}", messages.ERROR)

    @admin.action(description="Delete selected articles", permissions=["delete"])
    def delete_selected(self, request, queryset):
        """Django's confirm-then-delete, once every selected story is one the user may
        delete; otherwise say which are not and why, not "related objects"."""
        rows = queryset.select_related(None).prefetch_related(None).only("pk", "title", "status")
        kept = [f"“{row}”" for row in rows if not self.has_delete_permission(request, row)]
        if not kept:
            return delete_selected(self, request, queryset)
        self.message_user(
            request,
            f"Nothing deleted: {', '.join(kept)} {'is' if len(kept) == 1 else 'are'} "
            "published or scheduled, and a contributor cannot delete a story once it is "
            "out. Select only stories that are not out, or ask an editor.",
            messages.ERROR,
        )
        return None

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda a: article_unpublish(article=a, by=request.user),
            "unpublished",
        )

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._bulk(
            request,
            queryset,
            lambda a: article_submit_for_review(article=a, by=request.user),
            "submitted for review",
        )

    def _set_featured(self, request, queryset, featured):
        with transaction.atomic():
            count = bump(queryset, featured=featured)
            invalidate_public_pages()
        done = "featured" if featured else "no longer featured"
        self.message_user(request, f"{count} article(s) {done}.", messages.SUCCESS)

    @admin.action(description="Feature on the home page", permissions=["feature"])
    def feature(self, request, queryset):
        self._set_featured(request, queryset, True)

    @admin.action(description="Stop featuring", permissions=["feature"])
    def unfeature(self, request, queryset):
        self._set_featured(request, queryset, False)


@admin.register(Section)
class SectionAdmin(ConcurrentAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(ConcurrentAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


def _list_time(value):
    """A list column's date and time, always with the year (the archive spans years, and
    "30 Oct" could be any of them); "-" when there is none."""
    if value is None:
        return "-"
    when = timezone.localtime(value)
    return format_html(
        '<time datetime="{}">{}</time>', when.isoformat(), when.strftime("%d %b %Y %H:%M")
    )
