"""tests/test_cookie_cache_control.py: one public page that its view marks publicly cacheable."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path


def home(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("hello")
    response["Cache-Control"] = "public, max-age=300"
    return response


urlpatterns = [path("", home)]
