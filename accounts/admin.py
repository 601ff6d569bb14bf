from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from aiblogger.concurrency import ConcurrentAdmin, save_versioned, snapshot, versioned_form
from aiblogger.images import ImageUploadField
from aiblogger.uploads import UploadAdminMixin

from .models import NAMELESS_BYLINE, User


def can_edit_profile(user, profile):
    """Everyone edits their own public profile; editors edit anyone's."""
    return user.pk == profile.pk or user.has_perm("articles.edit_others_articles")


def public_name_warnings(profile):
    """What an editor should fix before this person's bylines and author page look right."""
    if not profile.pk or not profile.is_staff:
        return []
    warnings = []
    if not profile.public_name:
        warnings.append(
            f"Readers see this person's stories bylined “{NAMELESS_BYLINE}”: set a display "
            "name (or a first and last name) under Public profile."
        )
    if profile.slug_shows_login_name:
        warnings.append(
            f"The author page address /author/{profile.slug}/ is the login name, which "
            "readers should not see: an administrator changes the “author slug” on the "
            "account's page, under Public profile (links to the old address then stop working)."
        )
    return warnings


def warn_about_public_name(request, profile):
    if request.method == "GET":
        for warning in public_name_warnings(profile):
            messages.warning(request, warning)


class ProfileForm(forms.ModelForm):
    """The public side of an account: what readers see in bylines and on author pages."""

    class Meta:
        model = User
        fields = ("display_name", "bio", "avatar")
        field_classes = {"avatar": ImageUploadField}


class PendingApprovalFilter(admin.SimpleListFilter):
    title = "newsroom access"
    parameter_name = "access"

    def lookups(self, request, model_admin):
        return [("pending", "Waiting for approval"), ("staff", "In the newsroom")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(is_staff=False, is_active=True)
        if self.value() == "staff":
            return queryset.filter(is_staff=True)
        return queryset


@admin.register(User)
class UserAdmin(UploadAdminMixin, ConcurrentAdmin, BaseUserAdmin):
    list_display = ("username", "byline", "email", "is_staff", "date_joined", "approved_at")
    list_filter = (PendingApprovalFilter, "is_superuser", "groups")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    readonly_fields = ("approved_at", "last_login", "date_joined", "profile_link")
    prepopulated_fields = {"slug": ("display_name",)}
    actions = ["approve"]
    formfield_overrides = {models.ImageField: {"form_class": ImageUploadField}}
    revision_exclude = ("password", "last_login")
    # A public name at creation, so the new member's bylines and author page start right.
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "display_name",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Public profile", {"fields": ("profile_link", "display_name", "slug", "bio", "avatar")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "approved_at")}),
    )

    def get_urls(self):
        profile = self.admin_site.admin_view(self.profile_view)
        return [
            path("profile/", profile, name="accounts_user_my_profile"),
            path("<path:object_id>/profile/", profile, name="accounts_user_profile"),
            *super().get_urls(),
        ]

    def profile_view(self, request, object_id=None):
        """Edit a public profile: one's own (every staff member) or, for editors, anyone's."""
        profile = request.user
        if object_id is not None:
            profile = self.get_object(request, unquote(object_id))
        if profile is None:
            raise Http404("No such account.")
        if not can_edit_profile(request.user, profile):
            raise PermissionDenied("You can edit only your own profile.")
        own = profile.pk == request.user.pk
        form = versioned_form(ProfileForm)(
            request.POST or None, request.FILES or None, instance=profile
        )
        snapshot(profile)  # the base a re-apply after a refused save compares with
        warn_about_public_name(request, profile)
        if request.method == "POST" and form.is_valid() and save_versioned(form, by=request.user):
            done = "Your profile was saved." if own else f"The profile of {profile} was saved."
            self.message_user(request, done, messages.SUCCESS)
            return redirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": "My profile" if own else f"Profile of {profile}",
            "form": form,
            "profile": profile,
            "opts": self.opts,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/accounts/user/profile.html", context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            warn_about_public_name(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="public profile")
    def profile_link(self, obj):
        if not obj.pk:
            return "-"
        return format_html(
            '<a href="{}">Edit display name, bio and avatar</a>',
            reverse("admin:accounts_user_profile", args=[obj.pk]),
        )

    @staticmethod
    def _is_autocomplete(request):
        match = request.resolver_match
        return match is not None and match.url_name == "autocomplete"

    def has_view_permission(self, request, obj=None):
        # Every newsroom member may pick bylines from the author autocomplete,
        # which lists display names only; the user list itself stays private.
        if obj is None and self._is_autocomplete(request):
            return request.user.is_active and request.user.is_staff
        return super().has_view_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        if self._is_autocomplete(request):
            queryset = queryset.filter(is_staff=True, is_active=True)
        return super().get_search_results(request, queryset, search_term)

    def has_approve_permission(self, request):
        return request.user.has_perm("accounts.approve_user")

    @admin.action(description="Approve into the newsroom as Contributor", permissions=["approve"])
    def approve(self, request, queryset):
        contributors = Group.objects.get(name="Contributor")
        pending = list(queryset.filter(is_staff=False, is_active=True))
        for user in pending:
            user.is_staff = True
            user.approved_at = timezone.now()
            user.save(update_fields=["is_staff", "approved_at"])
            user.groups.add(contributors)
        self.message_user(
            request,
            f"{len(pending)} account(s) approved as Contributor.",
            messages.SUCCESS,
        )
