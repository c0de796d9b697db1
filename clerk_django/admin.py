"""The Django admin: the Clerk id of each user with a link to Clerk's dashboard, and the mirrored
organizations and memberships (read-only: Clerk is where they change).

The user admin registered when this module loads (``django.contrib.auth``'s, or yours if your app
comes before ``clerk_django`` in ``INSTALLED_APPS``) gets a "Clerk" column and inline. If you
register your own user admin later, add :class:`ClerkUserAdminMixin` to it::

    @admin.register(User)
    class MyUserAdmin(ClerkUserAdminMixin, UserAdmin): ...
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils.html import format_html

from .dashboard import dashboard_url
from .models import ClerkMembership, ClerkOrganization, ClerkUserLink

__all__ = ["ClerkUserAdminMixin", "ClerkUserLinkInline"]


def _link(kind: str, clerk_id: str | None) -> str:
    if not clerk_id:
        return "-"
    return format_html(
        '<a href="{}" target="_blank" rel="noopener noreferrer">Open in Clerk</a>',
        dashboard_url(kind, clerk_id),
    )


class ClerkUserLinkInline(admin.StackedInline):
    """The Clerk user of a Django user: id, dashboard link, version applied, deletion."""

    model = ClerkUserLink
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 0
    verbose_name = "Clerk user"
    verbose_name_plural = "Clerk"
    fields = ("clerk_id", "clerk_dashboard", "updated_at", "deleted", "deleted_at", "seen_at")
    readonly_fields = fields

    @admin.display(description="Clerk dashboard")
    def clerk_dashboard(self, obj: ClerkUserLink) -> str:
        return _link("users", obj.clerk_id)


class ClerkUserAdminMixin:
    """Adds the Clerk id (a column and an inline with the dashboard link) to a user admin."""

    def get_inlines(self, request: Any, obj: Any) -> list[Any]:
        inlines = list(super().get_inlines(request, obj))  # type: ignore[misc]
        return [*inlines, ClerkUserLinkInline] if ClerkUserLinkInline not in inlines else inlines

    def get_list_display(self, request: Any) -> list[Any]:
        columns = list(super().get_list_display(request))  # type: ignore[misc]
        return [*columns, "clerk_id"] if "clerk_id" not in columns else columns

    def get_queryset(self, request: Any) -> Any:
        return super().get_queryset(request).select_related("clerk_link")  # type: ignore[misc]

    @admin.display(description="Clerk id")
    def clerk_id(self, obj: Any) -> str:
        try:
            return str(obj.clerk_link.clerk_id)
        except ClerkUserLink.DoesNotExist:  # a user Clerk never saw (createsuperuser)
            return "-"


def _extend_user_admin(site: admin.AdminSite) -> None:
    model = get_user_model()
    current = site._registry.get(model)
    if current is None or isinstance(current, ClerkUserAdminMixin):
        return
    extended = type(type(current).__name__, (ClerkUserAdminMixin, type(current)), {})
    site.unregister(model)
    site.register(model, extended)


_extend_user_admin(admin.site)


class MembershipInline(admin.TabularInline):
    model = ClerkMembership
    extra = 0
    can_delete = False
    fields = ("clerk_id", "clerk_user_id", "user", "role", "updated_at")
    readonly_fields = fields

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ClerkOrganization)
class ClerkOrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "clerk_id", "clerk_dashboard")
    search_fields = ("name", "slug", "clerk_id")
    inlines = (MembershipInline,)
    readonly_fields = (
        "clerk_id",
        "clerk_dashboard",
        "name",
        "slug",
        "image_url",
        "public_metadata",
        "private_metadata",
        "updated_at",
        "seen_at",
    )

    @admin.display(description="Clerk dashboard")
    def clerk_dashboard(self, obj: ClerkOrganization) -> str:
        return _link("organizations", obj.clerk_id)

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(ClerkMembership)
class ClerkMembershipAdmin(admin.ModelAdmin):
    list_display = ("organization", "clerk_user_id", "user", "role")
    list_filter = ("role",)
    search_fields = ("clerk_user_id", "organization__name", "organization__slug")
    readonly_fields = (
        "clerk_id",
        "organization",
        "clerk_user_id",
        "user",
        "role",
        "permissions",
        "public_metadata",
        "updated_at",
        "seen_at",
    )

    def has_add_permission(self, request: Any) -> bool:
        return False
