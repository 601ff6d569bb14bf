from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils import timezone

from .models import User


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
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "byline", "email", "is_staff", "date_joined", "approved_at")
    list_filter = (PendingApprovalFilter, "is_superuser", "groups")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    readonly_fields = ("approved_at", "last_login", "date_joined")
    prepopulated_fields = {"slug": ("display_name",)}
    actions = ["approve"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Public profile", {"fields": ("display_name", "slug", "bio", "avatar")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "approved_at")}),
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
