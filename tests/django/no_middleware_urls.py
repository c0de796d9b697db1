"""Django URLs for tests/django/test_without_middleware.py: Clerk used *without* ``ClerkMiddleware``.

The decorators, ``ClerkAuthentication`` and ``get_auth`` document that they authenticate the
request themselves when the middleware did not run.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_django import get_auth
from clerk_django.decorators import auth_required
from clerk_django.drf import ClerkAuthentication, IsSignedIn


@auth_required
def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"view:{get_auth(request).user_id}")


class ApiPage(APIView):
    authentication_classes = (ClerkAuthentication,)
    permission_classes = (IsSignedIn,)

    def get(self, request: Request) -> Response:
        return Response(f"view:{request.auth.user_id}")


def plain_transfer(request: HttpRequest) -> JsonResponse:
    """A plain view acting for whoever ``get_auth`` says is signed in."""
    auth = get_auth(request)
    if not auth.is_authenticated:
        return JsonResponse({"error": "signed out"}, status=401)
    return JsonResponse({"moved_money_for": auth.user_id})


urlpatterns: list[Any] = [
    path("page", page),
    path("api-page", ApiPage.as_view()),
    path("plain-transfer", plain_transfer),
]
