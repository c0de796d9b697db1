"""tests/test_template_adapters.py: pages built with the ``{% load clerk %}`` tags."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.urls import path

PAGE = engines["django"].from_string(
    "{% load clerk %}<html><head>{% clerk_js after_sign_out_url='/' %}</head><body>"
    "{% signed_in %}IN:{% clerk_user_button after_sign_out_url='/' %}{% end_signed_in %}"
    "{% signed_out %}OUT{% endsigned_out %}"
    '{% clerk_sign_in redirect_url=next appearance=\'{"variables": {"colorPrimary": "red"}}\' %}'
    "{% clerk_organization_switcher hide_personal=True %}"
    "{% clerk_sign_out_button 'Leave' redirect_url='/' %}"
    "<p id=nonce>{% clerk_nonce %}</p></body></html>"
)


def page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(PAGE.render({"next": request.GET.get("next", "/")}, request))


def page_with_policy(request: HttpRequest) -> HttpResponse:
    response = page(request)
    response["Content-Security-Policy"] = "script-src 'self' 'nonce-app'; img-src 'none'"
    return response


def data(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"ok": True})


def nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(getattr(request, "clerk_nonce", "-"), content_type="text/plain")


urlpatterns = [
    path("page", page),
    path("page-with-policy", page_with_policy),
    path("data", data),
    path("nonce", nonce),
]
