"""URLs of the user-sync tests: the library's ready webhook view (and, in ``admin_urls``, the
Django admin)."""

from __future__ import annotations

from django.urls import path

from clerk_django.sync import sync_view

from .urls import urlpatterns as base

urlpatterns = [*base, path("clerk/webhooks", sync_view())]
