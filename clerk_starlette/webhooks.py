"""Clerk webhook endpoints for Starlette and FastAPI.

router = WebhookRouter()

@router.on("user.created")
async def created(event): ...

app.add_route("/api/webhooks/clerk", webhook_endpoint(router), methods=["POST"])   # Starlette
app.include_router(webhook_api_router(router))                                      # FastAPI
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from clerk_core import ClerkOptions, WebhookRouter, WebhookVerifier, handle_webhook_async
from clerk_core.responses import AuthResponse
from clerk_core.webhooks import too_large

__all__ = ["read_body", "webhook_api_router", "webhook_endpoint"]


async def read_body(request: Request, limit: int) -> bytes | None:
    """The raw body, or ``None`` as soon as it exceeds ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _render(response: AuthResponse) -> Response:
    return Response(
        response.body, status_code=response.status, headers=dict(response.headers), media_type=None
    )


def _verifier(verifier: WebhookVerifier | None, options: ClerkOptions | None) -> WebhookVerifier:
    return verifier if verifier is not None else WebhookVerifier.from_options(options)


def webhook_endpoint(
    router: WebhookRouter,
    *,
    verifier: WebhookVerifier | None = None,
    options: ClerkOptions | None = None,
) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint: 400 for a bad delivery, 413 when too large, 2xx once handled."""
    checked = _verifier(verifier, options)  # a bad or missing secret fails here, at start-up

    async def endpoint(request: Request) -> Response:
        body = await read_body(request, checked.max_body_bytes)
        if body is None:
            return _render(too_large(checked))
        headers = dict(request.headers.items())
        return _render(await handle_webhook_async(body, headers, router, checked))

    return endpoint


def webhook_api_router(
    router: WebhookRouter,
    *,
    path: str = "/api/webhooks/clerk",
    verifier: WebhookVerifier | None = None,
    options: ClerkOptions | None = None,
    **route_kwargs: Any,
) -> Any:
    """A FastAPI ``APIRouter`` with the webhook endpoint at ``path`` (hidden from OpenAPI)."""
    from fastapi import APIRouter

    api = APIRouter()
    endpoint = webhook_endpoint(router, verifier=verifier, options=options)
    api.add_api_route(path, endpoint, methods=["POST"], include_in_schema=False, **route_kwargs)
    return api
