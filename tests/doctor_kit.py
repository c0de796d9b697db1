"""The doctor's test transport: a local instance's Backend API and a Frontend API JWKS, with a
``Date`` header on every answer (as Clerk's servers send)."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable

import httpx

from clerk_core.testing import LocalClerkInstance


def both_apis(
    backend: LocalClerkInstance,
    frontend: LocalClerkInstance | None = None,
    *,
    date_offset: float | None = 0.0,
    clock: Callable[[], float] = time.time,
) -> httpx.MockTransport:
    """``backend``'s Backend API, and ``frontend``'s (default: the same instance's) Frontend API
    JWKS at ``https://<frontend_api>/.well-known/jwks.json``. ``date_offset`` seconds are added to
    ``clock()`` for the ``Date`` header (``None``: no ``Date``). The secret key must never reach
    the Frontend API: a request that carries it is answered 400."""
    fapi = frontend or backend

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.host == fapi.frontend_api and request.url.path == "/.well-known/jwks.json":
            if "authorization" in request.headers:
                response = httpx.Response(400, json={"error": "credential sent to the FAPI"})
            else:
                response = httpx.Response(200, json=fapi.jwks())
        else:
            response = backend.backend.handle_request(request)
        if date_offset is not None:
            response.headers["Date"] = email.utils.formatdate(clock() + date_offset, usegmt=True)
        return response

    return httpx.MockTransport(handle)


def environ_for(instance: LocalClerkInstance, **extra: str) -> dict[str, str]:
    """The ``CLERK_*`` variables an app on ``instance`` reads."""
    env = {
        "CLERK_PUBLISHABLE_KEY": instance.publishable_key,
        "CLERK_SECRET_KEY": instance.secret_key,
        "CLERK_API_URL": instance.api_url,
        "CLERK_AUTHORIZED_PARTIES": ",".join(instance.authorized_parties),
        "CLERK_WEBHOOK_SIGNING_SECRET": instance.webhook_signing_secret,
    }
    env.update(extra)
    return {k: v for k, v in env.items() if v}
