"""What the fast-path tests share: an engine beside one that runs the full procedure only, the
questions adapters ask before they build a view, and what two answers must agree on."""

from __future__ import annotations

from typing import Any

from clerk_core import Clerk, RequestState, RequestView
from clerk_core.testing import LocalClerkInstance
from tests.conftest import FakeClock


def outcome(state: Any) -> tuple[Any, ...]:
    """Everything a request state decides, its auth object's kind and user included."""
    auth = state.to_auth()
    return (
        state.status,
        state.reason,
        state.message,
        state.headers,
        state.token,
        state.token_source,
        state.token_type,
        state.dev_browser_token,
        state.location,
        type(auth).__name__,
        auth.user_id,
    )


def pair(instance: LocalClerkInstance, clock: FakeClock, **options: Any) -> tuple[Clerk, Clerk]:
    """An engine with its fast paths, and the same engine with both header memories off (the
    full procedure, with the verified-token memory)."""
    fast = instance.clerk(networkless=True, clock=clock, **options)
    full = instance.clerk(networkless=True, clock=clock, **options)
    full._cookie_fast = full._signed_out_fast = False
    return fast, full


def ask(engine: Clerk, request: RequestView) -> RequestState | None:
    """What a WSGI adapter asks before it builds a view (``""`` for no ``Cookie`` header)."""
    headers = request.headers
    if "authorization" in headers:
        return None
    return engine.remembered_cookie_state(
        headers.get("cookie", ""),
        method=request.method,
        query=request.url.partition("?")[2],
        sec_fetch_dest=headers.get("sec-fetch-dest"),
        referer=headers.get("referer"),
    )


def ask_raw(engine: Clerk, request: RequestView) -> RequestState | None:
    """What an ASGI adapter asks (the header's bytes as the server delivered them)."""
    headers = request.headers
    if "authorization" in headers:
        return None
    dest, referer = headers.get("sec-fetch-dest"), headers.get("referer")
    return engine.remembered_raw_cookie_state(
        headers.get("cookie", "").encode("latin-1"),
        request.method,
        request.url.partition("?")[2].encode("latin-1"),
        None if dest is None else dest.encode("latin-1"),
        None if referer is None else referer.encode("latin-1"),
    )
