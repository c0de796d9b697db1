"""tests/test_refusal_adapters.py: the same two rules as a view decorator and as DRF permissions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_django.decorators import protect, require_auth
from clerk_django.drf import ClerkAuthentication, HasRole, IsSignedIn


@require_auth
def signed_in(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"user_id": request.auth.user_id})


@protect(role="org:admin")
def admin(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"user_id": request.auth.user_id})


class SignedInAPI(APIView):
    authentication_classes = [ClerkAuthentication]
    permission_classes = [IsSignedIn]

    def get(self, request: Request) -> Response:
        return Response({"user_id": request.auth.user_id})


class AdminAPI(APIView):
    authentication_classes = [ClerkAuthentication]
    permission_classes: list[Any] = [HasRole("org:admin")]

    def get(self, request: Request) -> Response:
        return Response({"user_id": request.auth.user_id})


class EitherAPI(APIView):
    """A composition decides as a whole: anyone may read, though IsSignedIn alone would refuse."""

    authentication_classes = [ClerkAuthentication]
    permission_classes = [IsSignedIn | AllowAny]

    def get(self, request: Request) -> Response:
        return Response({"user_id": request.auth.user_id if request.auth else None})


urlpatterns = [
    path("drf/either", EitherAPI.as_view()),
    path("signed-in", signed_in),
    path("admin", admin),
    path("drf/signed-in", SignedInAPI.as_view()),
    path("drf/admin", AdminAPI.as_view()),
]
