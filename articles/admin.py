from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.html import format_html
from reversion_compare.admin import CompareVersionAdmin

from .cache import invalidate_public_pages
from .models import Article, ArticleAuthor, Correction, PreviewLink, Section, Tag
from .publishing import article_publish, article_submit_for_review, article_unpublish

PUBLISHED = Article.Status.PUBLISHED


def can_publish(user):
    return user.has_perm("articles.publish_article")


def can_edit_others(user):
    return user.has_perm("articles.edit_others_articles")


class ArticleAdminForm(forms.ModelForm):
    # Tags live in a through table (for fast tag pages), which the admin cannot
    # edit as a plain field; this field edits it with the same autocomplete.
    tag_choices = forms.ModelMultipleChoiceField(
        label="Tags",
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
        help_text="Start typing to find a tag. Readers can follow every tag.",
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
            "body": forms.Textarea(attrs={"rows": 24, "class": "vLargeTextField"}),
            "meta_title": forms.TextInput(attrs={"class": "vLargeTextField"}),
            "meta_description": forms.Textarea(attrs={"rows": 2, "class": "vLargeTextField"}),
            "canonical_url": forms.URLInput(attrs={"class": "vLargeTextField"}),
        }

    user = None  # set by ArticleAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_choices"].initial = list(self.instance.tags.all())
        status = self.fields.get("status")
        if status is not None and not can_publish(self.user):
            status.choices = [c for c in status.choices if c[0] != PUBLISHED]
            status.help_text = "Set “In review” when the story is ready for an editor."

    def clean_status(self):
        status = self.cleaned_data["status"]
        if status == PUBLISHED and not can_publish(self.user):
            raise forms.ValidationError("You cannot publish; submit the story for review.")
        return status


class ArticleAuthorInline(admin.TabularInline):
    model = ArticleAuthor
    fields = ("author", "position")
    autocomplete_fields = ("author",)
    extra = 0
    min_num = 0
    verbose_name = "byline"
    verbose_name_plural = "Bylines (first is the lead; you are added if you leave this empty)"


class CorrectionInline(admin.StackedInline):
    model = Correction
    extra = 0
    verbose_name_plural = "Corrections (shown to readers under the story)"


class PreviewLinkInline(admin.TabularInline):
    model = PreviewLink
    extra = 0
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

        def save(self, commit=True):
            if self.cleaned_data.get("revoke") and self.instance.revoked_at is None:
                self.instance.revoked_at = timezone.now()
            return super().save(commit=commit)

    @admin.display(description="link")
    def link(self, obj):
        if not obj.pk:
            return "Saved with the article"
        return format_html('<a href="{0}">{0}</a>', obj.get_absolute_url())

    @admin.display(description="status")
    def status_text(self, obj):
        if obj.revoked_at:
            return "revoked"
        return "active" if obj.is_active else "expired"


@admin.register(Article)
class ArticleAdmin(CompareVersionAdmin):
    form = ArticleAdminForm
    list_display = ("title", "status_badge", "section", "byline", "published_at", "featured")
    list_filter = ("status", "section", "featured", ("authors", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("section",)
    search_fields = ("title", "standfirst", "body")
    date_hierarchy = "published_at"
    ordering = ("-updated_at",)
    inlines = [ArticleAuthorInline, CorrectionInline, PreviewLinkInline]
    readonly_fields = ("slug_display", "updated_at")
    actions = ["publish_now", "unpublish", "submit_for_review", "feature", "unfeature"]
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

    # --- who sees and changes what -------------------------------------------
    def get_queryset(self, request):
        bylines = ArticleAuthor.objects.select_related("author")  # ordered by position
        qs = super().get_queryset(request).prefetch_related(Prefetch("author_links", bylines))
        return qs.editable_by(request.user)

    def get_object(self, request, object_id, from_field=None):
        """404 for an article outside the user's reach, so existence does not leak."""
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such article.")
        return obj

    def _is_own(self, request, obj):
        return can_edit_others(request.user) or obj.authors.filter(pk=request.user.pk).exists()

    def has_view_permission(self, request, obj=None):
        allowed = super().has_view_permission(request, obj)
        return allowed and (obj is None or self._is_own(request, obj))

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        if obj.status == PUBLISHED and not can_publish(request.user):
            return False  # contributors cannot touch a story once it is out
        return self._is_own(request, obj)

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        if not allowed or obj is None:
            return allowed
        if obj.status == PUBLISHED and not can_publish(request.user):
            return False
        return self._is_own(request, obj)

    def has_publish_permission(self, request):
        return can_publish(request.user)

    def has_feature_permission(self, request):
        return can_edit_others(request.user)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not can_publish(request.user):
            fields.append("published_at")
        if not can_edit_others(request.user):
            fields.append("featured")
        return fields

    def get_inlines(self, request, obj):
        if can_edit_others(request.user):
            return self.inlines
        return [i for i in self.inlines if i is not PreviewLinkInline]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def _check_post(self, request):
        """Refuse a POST that asks for what the role may not do, however it was sent."""
        posted = request.POST.get("status") if request.method == "POST" else None
        if posted == PUBLISHED and not can_publish(request.user):
            raise PermissionDenied("You cannot publish articles.")

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        self._check_post(request)
        extra_context = extra_context or {}
        if object_id and request.method == "GET":
            obj = self.get_object(request, unquote(object_id))
            extra_context["prepublish_warnings"] = obj.prepublish_warnings()
        return super().changeform_view(request, object_id, form_url, extra_context)

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
        return super().revision_view(request, object_id, version_id, extra_context)

    def recoverlist_view(self, request, extra_context=None):
        if not can_edit_others(request.user):
            raise PermissionDenied
        return super().recoverlist_view(request, extra_context)

    def recover_view(self, request, version_id, extra_context=None):
        if not can_edit_others(request.user):
            raise PermissionDenied
        return super().recover_view(request, version_id, extra_context)

    # --- saving ------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        if change and not can_publish(request.user):
            # The form cannot offer it, but a stale instance could carry it.
            original = Article.objects.only("status").get(pk=obj.pk)
            if original.status == PUBLISHED or obj.status == PUBLISHED:
                raise PermissionDenied("You cannot publish articles.")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        article.tags.set(
            form.cleaned_data.get("tag_choices", []),
            through_defaults={"public_since": article.public_since},
        )
        # Whoever writes a story keeps their byline unless an editor removed it.
        if not article.author_links.exists() or (
            not can_edit_others(request.user)
            and not article.author_links.filter(author=request.user).exists()
        ):
            last = article.author_links.order_by("-position").first()
            ArticleAuthor.objects.create(
                article=article, author=request.user, position=(last.position + 1) if last else 0
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is PreviewLink:
            for link in formset.save(commit=False):
                if link.created_by_id is None:
                    link.created_by = request.user
                link.save()
            formset.save_m2m()
            return
        super().save_formset(request, form, formset, change)

    # --- list columns -----------------------------------------------------------
    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        if obj.is_scheduled:
            return format_html(
                "Scheduled for {}", timezone.localtime(obj.published_at).strftime("%d %b %H:%M")
            )
        return obj.get_status_display()

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
        self._bulk(
            request, queryset, lambda a: article_publish(article=a, by=request.user), "published"
        )

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
            count = queryset.update(featured=featured)
            transaction.on_commit(invalidate_public_pages)
        done = "featured" if featured else "no longer featured"
        self.message_user(request, f"{count} article(s) {done}.", messages.SUCCESS)

    @admin.action(description="Feature on the home page", permissions=["feature"])
    def feature(self, request, queryset):
        self._set_featured(request, queryset, True)

    @admin.action(description="Stop featuring", permissions=["feature"])
    def unfeature(self, request, queryset):
        self._set_featured(request, queryset, False)


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
