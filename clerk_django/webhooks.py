"""Clerk webhook endpoint for Django, and an idempotency store on Django's cache framework.

# urls.py
from clerk_django.webhooks import DjangoCacheIdempotencyStore, webhook_view
router = WebhookRouter(store=DjangoCacheIdempotencyStore())   # any cache backend, Redis included
urlpatterns = [path("api/webhooks/clerk", webhook_view(router))]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from clerk_core import WebhookRouter, WebhookVerifier, handle_webhook
from clerk_core.webhooks import too_large

from ._http import render
from .conf import build_options, clerk_settings

__all__ = ["DjangoCacheIdempotencyStore", "webhook_view"]


class DjangoCacheIdempotencyStore:
    """Processed delivery ids in a Django cache (``cache.add`` is the atomic claim)."""

    def __init__(self, alias: str = "default", *, prefix: str = "clerk-webhook:") -> None:
        self.alias = alias
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"DjangoCacheIdempotencyStore(alias={self.alias!r})"

    @property
    def cache(self) -> Any:
        from django.core.cache import caches

        return caches[self.alias]

    def claim(self, key: str, ttl: float) -> bool:
        return bool(self.cache.add(self.prefix + key, "processing", timeout=ttl))

    def is_done(self, key: str) -> bool:
        return bool(self.cache.get(self.prefix + key) == "done")

    def complete(self, key: str, ttl: float) -> None:
        self.cache.set(self.prefix + key, "done", timeout=ttl)

    def release(self, key: str) -> None:
        self.cache.delete(self.prefix + key)


def webhook_view(
    router: WebhookRouter, *, verifier: WebhookVerifier | None = None
) -> Callable[[HttpRequest], HttpResponseBase]:
    """A CSRF-exempt POST view: 400 for a bad delivery, 413 when too large, 2xx once handled.

    The secret comes from ``settings.CLERK["webhook_signing_secret"]`` or
    ``CLERK_WEBHOOK_SIGNING_SECRET``; it is checked the first time the view is built.
    """
    checked = verifier or WebhookVerifier.from_options(build_options(clerk_settings()))

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponseBase:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        declared = request.META.get("CONTENT_LENGTH") or ""
        if declared.isdigit() and int(declared) > checked.max_body_bytes:
            return render(too_large(checked))
        body = request.body  # raw bytes: never parsed before verification
        if len(body) > checked.max_body_bytes:
            return render(too_large(checked))
        headers = dict(request.headers.items())
        return render(handle_webhook(body, headers, router, checked))

    return view
