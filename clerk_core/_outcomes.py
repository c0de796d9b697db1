"""Outcome builders: the signed-out and handshake states every step of the flow ends in.

Read by the header flow, the cookie flow, refresh and the handshake: :func:`signed_out` (with
Clerk's ``x-clerk-auth-*`` debug headers) and :func:`handshake_or_signed_out`, which sends a page
request to Clerk's handshake (a 307 ``Location``, guarded by the redirect-loop counter) and signs
out anything else. See docs/architecture.md.
"""

from __future__ import annotations

import logging
from urllib.parse import SplitResult, quote, unquote_plus, urlencode

from ._context import AuthenticateContext
from ._js import js_number_to_string
from ._orgsync import organization_sync_target
from .errors import TokenVerificationErrorReason as R
from .keys import CLERK_API_VERSION_HEADER
from .redirects import with_query
from .request import RequestView
from .state import AuthErrorReason, AuthStatus, Headers, RequestState

__all__ = [
    "MAX_REDIRECTS",
    "debug_headers",
    "eligible_for_handshake",
    "handshake_or_signed_out",
    "header_safe",
    "message",
    "redirect_count_cookie",
    "signed_out",
    "unexpected",
]

logger = logging.getLogger("clerk_core")

MAX_REDIRECTS = 3
"""Clerk's handshake redirect-loop limit (``__clerk_redirect_count``)."""


def header_safe(value: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else " " for ch in value)


def message(text: str, reason: str, carrier: str) -> str:
    return f"{text} (reason={reason}, token-carrier={carrier})"


def debug_headers(status: AuthStatus, reason: str | None, text: str | None) -> Headers:
    headers: Headers = [("x-clerk-auth-status", status.value)]
    if reason:
        headers.append(("x-clerk-auth-reason", reason))
    if text:
        headers.append(("x-clerk-auth-message", header_safe(text)))
    return headers


def redirect_count_cookie(count: float) -> tuple[str, str]:
    """The next ``__clerk_redirect_count``, written as JavaScript writes ``count + 1``."""
    return (
        "set-cookie",
        f"__clerk_redirect_count={js_number_to_string(count + 1)}; SameSite=Lax; HttpOnly; Max-Age=2",
    )


def signed_out(reason: str, text: str, token_type: str | None = "session_token") -> RequestState:
    if reason == R.TOKEN_TYPE_MISMATCH.value:
        text = ""  # Clerk's text for every token-type mismatch: none
    return RequestState(
        AuthStatus.SIGNED_OUT,
        reason=reason,
        message=text,
        token_type=token_type,
        headers=debug_headers(AuthStatus.SIGNED_OUT, reason, text),
    )


def unexpected() -> RequestState:
    reason = AuthErrorReason.UNEXPECTED_ERROR.value
    return RequestState(
        AuthStatus.SIGNED_OUT,
        reason=reason,
        message="",  # Clerk's: none (the exception is logged)
        headers=debug_headers(AuthStatus.SIGNED_OUT, reason, None),
    )


def eligible_for_handshake(request: RequestView) -> bool:
    """HandshakeService.isRequestEligibleForHandshake: a GET for a document or an iframe; an
    empty ``Sec-Fetch-Dest`` counts as absent, and then ``Accept: text/html`` decides."""
    if request.method != "GET":
        return False
    dest = request.headers.get("sec-fetch-dest") or None
    if dest is not None:
        return dest in ("document", "iframe")
    return request.headers.get("accept", "").startswith("text/html")


def handshake_or_signed_out(
    ctx: AuthenticateContext,
    reason: str,
    text: str,
    *,
    session_token: str | None,
    location: str | None = None,
) -> RequestState:
    """A handshake for a page request (to ``location``, by default Clerk's handshake URL
    carrying ``session_token``), else signed out with the same reason."""
    request = ctx.request
    if not eligible_for_handshake(request):
        return signed_out(reason, text)
    # HandshakeService.checkAndTrackRedirectLoop: a loop is a counter of exactly 3 (Clerk's own
    # cookie only ever counts 1, 2, 3).
    count = ctx.redirect_count
    if count == MAX_REDIRECTS:
        _log_redirect_loop(reason)
        return signed_out(reason, text)
    if location is None:
        location = _handshake_location(ctx, reason, session_token)
        if location is None:  # the request's host may not be used in a redirect
            return signed_out(reason, text)
        # HandshakeService.buildRedirectToHandshake names the path's organization sync target
        # on every handshake, whatever its reason.
        target = organization_sync_target(ctx)
        if target is not None:
            location = with_query(location, [("organization_id", target[1])])
    headers = debug_headers(AuthStatus.HANDSHAKE, reason, text)
    headers += [("location", location), ("cache-control", "no-store"), redirect_count_cookie(count)]
    return RequestState(AuthStatus.HANDSHAKE, reason=reason, message=text, headers=headers)


def _handshake_location(
    ctx: AuthenticateContext, reason: str, session_token: str | None
) -> str | None:
    """Clerk's handshake URL, ``None`` when the request's host may not be used in its
    ``redirect_url`` (see :mod:`clerk_core.hosts`)."""
    opts = ctx.options
    public = ctx.public_url
    if public is None:
        return None
    if opts.proxy_url:
        proxy = opts.proxy_url.rstrip("/")
        base = proxy if "://" in proxy else f"{public.scheme}://{public.netloc}{proxy}"
    elif opts.is_satellite and opts.is_production and opts.domain:
        base = f"https://clerk.{opts.domain}"
    else:
        base = f"https://{opts.frontend_api}"
    query = "&".join(
        pair
        for pair in public.query.split("&")
        # Names compared decoded, as URLSearchParams.delete compares them.
        if pair and unquote_plus(pair.split("=", 1)[0]) not in ("__clerk_db_jwt", "__dev_session")
    )
    redirect_url = SplitResult(public.scheme, public.netloc, public.path, query, "").geturl()
    params: list[tuple[str, str]] = [
        ("redirect_url", redirect_url),
        ("__clerk_api_version", CLERK_API_VERSION_HEADER),
        ("suffixed_cookies", "true" if ctx.uses_suffixed else "false"),
        ("__clerk_hs_reason", reason),
    ]
    if opts.secret_key:
        # A nonce is redeemed at the Backend API. Without a secret key the Frontend API is not
        # told the nonce format, so it answers with the signed handshake token, verified with
        # the JWKS (docs/publishable-key-only.md).
        params.append(("format", "nonce"))
    if session_token:
        params.append(("__session", session_token))
    dev_token = ctx.dev_browser_token
    if not opts.is_production and dev_token:
        params.append(("__clerk_db_jwt", dev_token))
    return f"{base}/v1/client/handshake?{urlencode(params, quote_via=quote)}"


def _log_redirect_loop(reason: str) -> None:
    """Clerk's guidance when the handshake redirect-loop limit stops a handshake
    (``getHandshakeRedirectLoopMessage`` in ``@clerk/backend``)."""
    if reason == AuthErrorReason.SATELLITE_COOKIE_NEEDS_SYNCING.value:
        logger.warning(
            "Clerk: Satellite-domain authentication resulted in an infinite redirect loop. Check "
            "that this request is using a configured primary or satellite domain for the "
            "production instance. For preview deployments, use a development/staging Clerk "
            "instance or a supported configured preview-domain setup."
        )
    else:
        logger.warning(
            "Clerk: Refreshing the session token resulted in an infinite redirect loop. This "
            "usually means that your Clerk instance keys do not match - make sure to copy the "
            "correct publishable and secret keys from the Clerk dashboard."
        )
