from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from clerk_django import current_user, get_auth
from clerk_django.conf import get_clerk
from clerk_django.decorators import auth_required

from .models import Profile


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/home.html")


@auth_required
def dashboard(request: HttpRequest) -> HttpResponse:
    claims = request.auth.session_claims or {}
    return render(
        request,
        "shop/dashboard.html",
        {
            "name": claims.get("name") or request.auth.user_id,
            "django_user": request.user,
            "profile": Profile.objects.filter(user_id=request.user.pk).first(),
            "user": current_user(request),
            "memberships": get_clerk().backend_api.users.organization_memberships(
                request.auth.user_id or ""
            ),
        },
    )


def admin_area(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/admin.html")


def no_access(request: HttpRequest) -> HttpResponse:
    return render(request, "shop/no_access.html", status=403)


def me(request: HttpRequest) -> JsonResponse:
    auth = get_auth(request)
    fields = (
        "is_authenticated",
        "token_type",
        "user_id",
        "session_id",
        "org_id",
        "org_role",
        "org_slug",
        "org_permissions",
    )
    return JsonResponse({name: getattr(auth, name) for name in fields})


def sign_in(request: HttpRequest) -> HttpResponse:
    """Clerk's sign-in ({% clerk_sign_in %}): Clerk's own UI with real keys, the local instance's
    ClerkJS stand-in without them (which posts the chosen test user to the local instance)."""
    return render(request, "shop/sign_in.html")
