"""tests/test_protect_routes_adapters.py: per-route token types, reverification and the sign-in /
sign-up redirects as Django views and DRF views."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_core import AuthObject
from clerk_django.decorators import protect, redirect_to_sign_in, redirect_to_sign_up
from clerk_django.drf import ClerkAuthentication, Has, IsSignedIn


def fields(auth: AuthObject) -> dict[str, Any]:
    return {
        "token_type": auth.token_type,
        "user_id": auth.user_id,
        "id": auth.id,
        "subject": auth.subject,
        "scopes": auth.scopes,
        "claims": dict(auth.claims) if auth.claims is not None else None,
        "name": auth.name,
    }


@protect(token="session_token")
def session_only(request: HttpRequest) -> HttpResponse:
    return JsonResponse(fields(request.auth))


@protect(token=["api_key", "m2m_token"])
def machines(request: HttpRequest) -> HttpResponse:
    return JsonResponse(fields(request.auth))


@protect(token=["api_key", "m2m_token"])
async def amachines(request: HttpRequest) -> HttpResponse:
    return JsonResponse(fields(request.auth))


@protect(reverification="strict")
def reverify(request: HttpRequest) -> HttpResponse:
    return JsonResponse(fields(request.auth))


def sign_in_please(request: HttpRequest) -> HttpResponseBase:
    return redirect_to_sign_in(request)


def sign_up_please(request: HttpRequest) -> HttpResponseBase:
    return redirect_to_sign_up(request, return_back_url="/after")


class SessionOnlyAPI(APIView):
    authentication_classes = [ClerkAuthentication.accepting("session_token")]
    permission_classes = [IsSignedIn]

    def get(self, request: Request) -> Response:
        return Response(fields(request.auth))


class SessionOnlyPermissionAPI(APIView):
    """The app's authentication (app-wide accepts_token), narrowed by the permission."""

    permission_classes = [IsSignedIn(token="session_token")]

    def get(self, request: Request) -> Response:
        return Response(fields(request.auth))


class MachinesAPI(APIView):
    authentication_classes = [ClerkAuthentication.accepting(["api_key", "m2m_token"])]
    permission_classes = [IsSignedIn(token=["api_key", "m2m_token"])]

    def get(self, request: Request) -> Response:
        return Response(fields(request.auth))


class ReverifyAPI(APIView):
    permission_classes = [Has(reverification="strict")]

    def get(self, request: Request) -> Response:
        return Response(fields(request.auth))


urlpatterns = [
    path("session-only", session_only),
    path("machines", machines),
    path("amachines", amachines),
    path("reverify", reverify),
    path("sign-in-please", sign_in_please),
    path("sign-up-please", sign_up_please),
    path("drf/session-only", SessionOnlyAPI.as_view()),
    path("drf/machines", MachinesAPI.as_view()),
    path("drf/session-only-permission", SessionOnlyPermissionAPI.as_view()),
    path("drf/reverify", ReverifyAPI.as_view()),
]
