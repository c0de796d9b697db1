"""Views exercising every way clerk_django protects a view."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_core import AuthObject, create_route_matcher
from clerk_django import aget_auth, get_auth
from clerk_django.decorators import (
    ClerkLoginRequiredMixin,
    ClerkProtectMixin,
    auth_required,
    protect,
)
from clerk_django.drf import Has, HasPermission, HasRole, IsSignedIn

is_guarded = create_route_matcher(["/guarded(.*)"])


def guard(auth: AuthObject, request: HttpRequest) -> Any:
    if request.path == "/maintenance":
        return HttpResponse("down", status=503)
    if is_guarded(request):
        auth.protect(role="org:admin")
    return None


async def async_guard(auth: AuthObject, request: HttpRequest) -> None:
    if is_guarded(request):
        auth.protect(role="org:admin")


def describe(auth: AuthObject) -> dict[str, Any]:
    return {
        "user_id": auth.user_id,
        "org_role": auth.org_role,
        "type": auth.token_type,
        "authenticated": auth.is_authenticated,
    }


def open_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(get_auth(request)))


async def async_open_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(await aget_auth(request)))


@auth_required
def private(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request.auth))


@auth_required
async def async_private(request: HttpRequest) -> JsonResponse:
    return JsonResponse(describe(request.auth))


@protect(role="org:admin")
def admin_only(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"admin": True})


@protect(role="org:admin", unauthorized_url="/no-access")
async def admin_redirect(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"admin": True})


@protect(condition=lambda has: has(plan="pro") or has(role="org:admin"))
def condition_view(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def whoami_user(request: HttpRequest) -> JsonResponse:
    user = request.user
    return JsonResponse(
        {"username": getattr(user, "username", None), "authenticated": user.is_authenticated}
    )


class OrdersView(ClerkProtectMixin, View):
    clerk_protect = {"permission": "org:orders:read"}

    def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"orders": [1, 2]})


class AsyncMembersView(ClerkLoginRequiredMixin, View):
    async def get(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"user_id": request.auth.user_id})


class ApiSignedIn(APIView):
    permission_classes = [IsSignedIn]

    def get(self, request: Request) -> Response:
        return Response({"user_id": request.auth.user_id, "drf_user": str(request.user)})


class ApiOrders(APIView):
    permission_classes = [HasPermission("org:orders:read")]

    def get(self, request: Request) -> Response:
        return Response({"orders": [1, 2]})


class ApiAdmins(APIView):
    permission_classes = [IsSignedIn, HasRole("org:admin")]

    def get(self, request: Request) -> Response:
        return Response({"admin": True})


class ApiFeature(APIView):
    permission_classes = [Has(feature="dashboard", plan="pro")]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


def transfer(request: HttpRequest) -> JsonResponse:
    """A plain view acting for the signed-in user (POST-able)."""
    return JsonResponse({"user_id": get_auth(request).user_id})


@csrf_exempt
def transfer_exempt(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user_id": get_auth(request).user_id})


@auth_required
def private_transfer(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user_id": request.auth.user_id})


class TransferView(ClerkLoginRequiredMixin, View):
    def post(self, request: HttpRequest) -> JsonResponse:
        return JsonResponse({"user_id": request.auth.user_id})


class ApiTransfer(APIView):
    permission_classes = [IsSignedIn]

    def post(self, request: Request) -> Response:
        return Response({"user_id": request.auth.user_id})


def cookie_view(request: HttpRequest) -> JsonResponse:
    """Sets cookies of its own (tests/set_cookie_lines.py APP_COOKIES)."""
    response = JsonResponse({"user_id": get_auth(request).user_id})
    response.set_cookie("theme", "dark", path="/", samesite="Lax")
    response.set_cookie("__session", "app-owned", path="/app")
    return response
