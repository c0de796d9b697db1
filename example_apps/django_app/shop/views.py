from __future__ import annotations

import os

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from clerk_core import ClerkOptions
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


def _real_options() -> ClerkOptions:
    return ClerkOptions.from_env()


def sign_in(request: HttpRequest) -> HttpResponse:
    """With real keys: Clerk's sign-in UI, loaded from the instance's Frontend API."""
    options = _real_options()
    return render(
        request,
        "shop/sign_in.html",
        {"frontend_api": options.frontend_api, "publishable_key": options.publishable_key},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    options = _real_options()
    return render(
        request,
        "shop/sign_out.html",
        {
            "frontend_api": options.frontend_api,
            "publishable_key": options.publishable_key,
            "env_ok": bool(os.environ.get("CLERK_PUBLISHABLE_KEY")),
        },
    )
