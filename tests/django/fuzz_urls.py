"""The route-guard fuzz test's URLconf (tests/django/test_route_fuzz.py)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path

from tests import route_fuzz


def public(request: HttpRequest, **_: str) -> JsonResponse:
    return JsonResponse({"route": "public"})


def protected(request: HttpRequest, **_: str) -> JsonResponse:
    return JsonResponse({"route": "protected"})


deny_list_guard = route_fuzz.guard_for("deny-list")
allow_list_guard = route_fuzz.guard_for("allow-list")

urlpatterns = [
    path("", public),
    path("public/<path:rest>", public),
    path("files/<str:name>", public),
    path("orgs/<str:slug>/billing", public),
    path("admin", protected),
    re_path(r"^admin/(?P<rest>.*)$", protected),
    path("api/admin/users", protected),
    path("orgs/<str:slug>/settings/billing", protected),
    path("account", protected),
    path("dashboard", protected),
    path("dashboard/<path:rest>", protected),
]
