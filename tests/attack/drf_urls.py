"""URLs for tests/attack: the DRF endpoints without ClerkAuthentication, under /api/."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [path("api/", include("tests.django.drf_csrf_urls"))]
