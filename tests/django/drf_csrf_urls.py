"""DRF endpoints without ClerkAuthentication that read the Clerk auth with ``get_auth``
(tests/django/test_origin_check.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import path
from rest_framework.decorators import api_view, authentication_classes
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from clerk_django import get_auth


@api_view(["POST"])
@authentication_classes([])
def transfer(request: Request) -> Response:
    """Acts for whoever Clerk says is signed in, via the documented ``get_auth(request)``."""
    auth = get_auth(request._request)
    if not auth.is_authenticated:
        return Response({"error": "signed out"}, status=401)
    return Response({"moved_money_for": auth.user_id})


class Transfer(APIView):
    authentication_classes = ()  # the app's own choice: no DRF authenticator
    permission_classes = ()

    def post(self, request: Request) -> Response:
        django_request: HttpRequest = request._request
        return Response({"moved_money_for": get_auth(django_request).user_id})


urlpatterns = [path("transfer", transfer), path("cbv-transfer", Transfer.as_view())]
