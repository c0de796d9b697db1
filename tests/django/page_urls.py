"""tests/test_handshake_return_trip_adapters.py: one page that says who it sees."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path

from clerk_django import get_auth


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"view:{get_auth(request).user_id}")


urlpatterns = [path("page", page)]
