"""Clerk webhook endpoint for Django, and an idempotency store on Django's cache framework.

# urls.py
from clerk_django.webhooks import DjangoCacheIdempotencyStore, webhook_view
router = WebhookRouter(store=DjangoCacheIdempotencyStore())   # any cache backend, Redis included
urlpatterns = [path("api/webhooks/clerk", webhook_view(router))]

``webhook_view`` is a sync view and runs plain (``def``) handlers; ``webhook_view_async`` is an async
view that also awaits ``async def`` handlers (plain ones run in a worker thread).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from clerk_core import WebhookRouter, WebhookVerifier, handle_webhook, handle_webhook_async
from clerk_core.webhooks import too_large

from ._http import render
from .conf import build_options, clerk_settings

__all__ = ["DjangoCacheIdempotencyStore", "webhook_view", "webhook_view_async"]


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


def _verifier(verifier: WebhookVerifier | None) -> WebhookVerifier:
    return verifier or WebhookVerifier.from_options(build_options(clerk_settings()))


def _read(request: HttpRequest, verifier: WebhookVerifier) -> bytes | HttpResponseBase:
    """The raw body (never parsed before verification), or the response that refuses it."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > verifier.max_body_bytes:
        return render(too_large(verifier))
    body = request.body
    if len(body) > verifier.max_body_bytes:
        return render(too_large(verifier))
    return body


def webhook_view(
    router: WebhookRouter, *, verifier: WebhookVerifier | None = None
) -> Callable[[HttpRequest], HttpResponseBase]:
    """A CSRF-exempt POST view: 400 for a bad delivery, 413 when too large, 2xx once handled.

    The secret comes from ``settings.CLERK["webhook_signing_secret"]`` or
    ``CLERK_WEBHOOK_SIGNING_SECRET``; it is checked the first time the view is built. The view runs
    handlers synchronously: a router with an async handler raises ``ClerkConfigurationError`` here
    (or when such a handler is registered later); use :func:`webhook_view_async` for those.
    """
    router.require_sync_handlers("clerk_django.webhooks.webhook_view")
    checked = _verifier(verifier)

    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponseBase:
        body = _read(request, checked)
        if not isinstance(body, bytes):
            return body
        return render(handle_webhook(body, dict(request.headers.items()), router, checked))

    return view


def webhook_view_async(
    router: WebhookRouter, *, verifier: WebhookVerifier | None = None
) -> Callable[[HttpRequest], Awaitable[HttpResponseBase]]:
    """The async form of :func:`webhook_view` (an async view, best under ASGI): ``async def``
    handlers are awaited, plain ones run in a worker thread, as do the idempotency store's calls."""
    checked = _verifier(verifier)

    async def view(request: HttpRequest) -> HttpResponseBase:
        body = _read(request, checked)
        if not isinstance(body, bytes):
            return body
        headers = dict(request.headers.items())
        return render(await handle_webhook_async(body, headers, router, checked))

    view.csrf_exempt = True  # type: ignore[attr-defined]  # as csrf_exempt marks it, kept async
    return view
