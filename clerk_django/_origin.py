"""Cross-site requests signed in by the session cookie, for Django's plain views.

Django checks unsafe requests with ``CsrfViewMiddleware`` (a CSRF token and the ``Origin``), for
every view that is not ``csrf_exempt``. When it is installed, Clerk leaves the decision to it. When
it is not, ``ClerkMiddleware`` (or a decorator, without the middleware) applies the core origin rule
of :mod:`clerk_core.origin` to views that are not ``csrf_exempt``, so a cookie-authenticated unsafe
request always passes one of the two. DRF views are ``csrf_exempt``; ``ClerkAuthentication`` runs
Django's CSRF check for them, and a DRF view that does not list ``ClerkAuthentication`` (but may
still read the Clerk auth with ``get_auth``) gets the origin rule from the middleware.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.module_loading import import_string

from clerk_core.origin import cross_origin_refusal, needs_origin_check

from ._http import render, request_state, request_view
from .conf import get_clerk

CHECKED_ATTR = "_clerk_origin_checked"


def django_csrf_installed() -> bool:
    """Whether ``MIDDLEWARE`` holds ``CsrfViewMiddleware`` or a subclass of it."""
    for path in getattr(settings, "MIDDLEWARE", None) or ():
        if path == "django.middleware.csrf.CsrfViewMiddleware":
            return True
        try:
            middleware = import_string(path)
        except ImportError:
            continue
        if isinstance(middleware, type) and issubclass(middleware, CsrfViewMiddleware):
            return True
    return False


def drf_view_without_clerk_authentication(view: Any) -> bool:
    """Whether ``view`` is a Django REST framework view (``APIView.as_view()``, ``@api_view``) whose
    authenticators do not include ``ClerkAuthentication``, so nothing runs Django's CSRF check for
    a request the session cookie signed in (DRF exempts its views from ``CsrfViewMiddleware``)."""
    cls = getattr(view, "cls", None)
    if not isinstance(cls, type):
        return False
    try:
        from rest_framework.views import APIView

        from .drf import ClerkAuthentication
    except ImportError:
        return False
    if not issubclass(cls, APIView):
        return False
    classes = getattr(cls, "authentication_classes", None) or ()
    return not any(isinstance(c, type) and issubclass(c, ClerkAuthentication) for c in classes)


def origin_refusal(request: HttpRequest, view: Any = None) -> HttpResponseBase | None:
    """The 403 for a cookie-authenticated unsafe request from another origin, when Django's own
    CSRF check does not cover it; ``None`` when the request may go on. Checked once per request."""
    state = request_state(request)
    if state is None or getattr(request, CHECKED_ATTR, False):
        return None
    setattr(request, CHECKED_ATTR, True)
    options = get_clerk().options
    # Most requests stop here (safe methods, Bearer tokens, signed out), before any other work.
    if not needs_origin_check(request.method or "GET", state, options):
        return None
    if getattr(request, "_dont_enforce_csrf_checks", False):
        return None  # Django's test client, unless Client(enforce_csrf_checks=True), as Django does
    # DRF makes every view csrf_exempt and leaves the check to its authenticators: that is not the
    # app's opt-out, so a DRF view that ClerkAuthentication does not guard gets the origin rule.
    drf_unguarded = view is not None and drf_view_without_clerk_authentication(view)
    if view is not None and getattr(view, "csrf_exempt", False) and not drf_unguarded:
        return None
    if django_csrf_installed() and not drf_unguarded:
        return None
    refusal = cross_origin_refusal(request_view(request), state, options)
    return render(refusal) if refusal is not None else None
