"""The handshake's return trip: the first step of the cookie flow.

When a page request comes back from Clerk's handshake with a nonce (redeemed at the Backend API,
an :class:`~clerk_core._effects.ApiCall`) or a signed handshake token (verified in ``_verify``),
the cookies they stand for are set on the response and the session token among them decides the
state. Returns that state, or ``None`` to let the cookie flow read the request's own cookies.
See docs/reliability.md ("The handshake's return trip") and docs/security.md (same section).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import SplitResult, unquote_plus

from ._context import AuthenticateContext
from ._effects import ApiCall, ApiResult, Step
from ._outcomes import (
    MAX_REDIRECTS,
    debug_headers,
    eligible_for_handshake,
    header_safe,
    redirect_count_cookie,
)
from ._verify import verify_handshake_token, verify_session_token
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .handshake import nonce_is_well_formed
from .state import AuthErrorReason, AuthStatus, Headers, RequestState

__all__ = ["handshake_return"]

logger = logging.getLogger("clerk_core")

_HANDSHAKE_PARAMS = frozenset(
    ("__clerk_handshake", "__clerk_help", "__clerk_db_jwt", "__clerk_handshake_nonce")
)


def handshake_return(ctx: AuthenticateContext) -> Step[RequestState | None]:
    """Apply what Clerk's handshake sent back (a nonce to redeem, or a signed token).

    As Clerk's ``HandshakeService.resolveHandshake``: the state is signed in (or signed out,
    ``session-token-missing``, when the payload holds no session cookie) and carries the
    payload's ``Set-Cookie`` lines. On a development instance it also carries a ``Location``:
    the same URL without the handshake parameters, which every adapter answers with a 307
    (:func:`clerk_core.responses.early_response`); that redirect counts against the
    redirect-loop limit, and past the limit the request goes on as in production.

    ``None`` when there is nothing to resolve, when the payload cannot be had, or when its session
    token does not verify: the cookie flow then reads the cookies the request carries (Clerk JS
    does so for a bad session token; for a nonce it cannot redeem it answers signed out, which
    this engine does not).
    """
    request, cookies = ctx.request, ctx.cookies
    nonce = request.query_param("__clerk_handshake_nonce") or cookies.get("__clerk_handshake_nonce")
    token = request.query_param("__clerk_handshake") or cookies.get("__clerk_handshake")
    if not (nonce or token) or not _is_handshake_return(ctx):
        return None
    secret_key = ctx.options.secret_key
    if nonce and secret_key:
        directives = yield from _redeem_nonce(ctx, nonce, secret_key)
    elif token:
        directives = yield from verify_handshake_token(ctx.instance, token)
    else:
        return None
    if directives is None:
        return None
    headers: Headers = [
        ("access-control-allow-origin", "null"),
        ("access-control-allow-credentials", "true"),
    ]
    session_token = ""
    for directive in directives:
        headers.append(("set-cookie", header_safe(directive)))
        name, _, value = directive.split(";", 1)[0].partition("=")
        if name.strip().startswith("__session"):
            session_token = value.strip()
    claims: dict[str, Any] | None = None
    if session_token:
        claims = yield from _handshake_session_claims(ctx, session_token)
        if claims is None:
            return None
    headers += _development_return_headers(ctx)
    if claims is None:
        reason = AuthErrorReason.SESSION_TOKEN_MISSING.value
        headers = debug_headers(AuthStatus.SIGNED_OUT, reason, None) + headers
        return RequestState(AuthStatus.SIGNED_OUT, reason=reason, message="", headers=headers)
    return RequestState(AuthStatus.SIGNED_IN, token=session_token, claims=claims, headers=headers)


def _is_handshake_return(ctx: AuthenticateContext) -> bool:
    """Whether a handshake nonce or token on this request may be resolved (docs/security.md,
    "The handshake's return trip").

    Only on a GET navigation: Clerk's Frontend API comes back with a redirect that the browser
    follows as a document (or iframe) GET, so a POST, a ``fetch`` or a HEAD carrying one is
    forged or stale (HEAD too: a link checker or prefetcher must not spend a single-use nonce,
    and no browser returns from Clerk with it). And never under a Bearer ``Authorization``
    header, which a handshake must not override; another scheme (the Basic credentials a
    browser sends to a site behind HTTP authentication) carries no Clerk token and does not
    count.
    """
    request = ctx.request
    if not eligible_for_handshake(request):
        return False
    authorization = request.headers.get("authorization", "").strip(" \t")
    return authorization[:6].lower() != "bearer"


def _development_return_headers(ctx: AuthenticateContext) -> Headers:
    """On a development instance, the redirect to the same URL without the handshake parameters.

    The redirect counts against the loop limit: a return trip that keeps coming back (a handshake
    cookie nobody clears) stops redirecting at the limit. On a host that may not be used in a
    redirect, the request goes on with the cookies, as in production."""
    if not ctx.development:
        return []
    count = ctx.redirect_count
    if not count < MAX_REDIRECTS:
        logger.warning(
            "Clerk: the handshake's return trip keeps coming back (redirect limit reached);"
            " answering without a redirect."
        )
        return []
    public = ctx.public_url
    if public is None:
        return []
    # The fragment, when a caller's URL has one (browsers never send it), stays.
    location = _without_handshake_params(public._replace(fragment=ctx.request.split_url.fragment))
    return [("location", location), ("cache-control", "no-store"), redirect_count_cookie(count)]


def _handshake_session_claims(
    ctx: AuthenticateContext, session_token: str
) -> Step[dict[str, Any] | None]:
    """The claims of the session token a handshake payload carries; ``None`` when it does not
    verify (the caller then reads the request's own cookies, as Clerk JS does).

    On a development instance a time-based failure is retried with a one-day tolerance, as in
    Clerk JS (a developer's clock is often wrong)."""
    inst = ctx.instance
    try:
        return (yield from verify_session_token(inst, session_token, None, ctx=ctx))
    except TokenVerificationError as exc:
        time_based = exc.reason in (
            R.TOKEN_EXPIRED.value,
            R.TOKEN_NOT_ACTIVE_YET.value,
            R.TOKEN_IAT_IN_THE_FUTURE.value,
        )
        if not (time_based and ctx.development):
            _log_unverified(exc)
            return None
    logger.error(
        "Clerk: clock skew detected; this machine's clock looks wrong. Retrying "
        "the handshake's session token with a one-day tolerance (development)."
    )
    try:
        return (yield from verify_session_token(inst, session_token, None, skew=86_400.0, ctx=ctx))
    except TokenVerificationError as retry:
        _log_unverified(retry)
        return None


def _log_unverified(exc: TokenVerificationError) -> None:
    logger.warning(
        "Clerk: the handshake's session token does not verify (%s); using the request's cookies",
        exc.reason,
    )


def _redeem_nonce(ctx: AuthenticateContext, nonce: str, secret_key: str) -> Step[list[str] | None]:
    """The cookie directives a handshake nonce stands for, or ``None`` when it cannot be had.

    The nonce's shape is checked first (``clerk_core.handshake.nonce_is_well_formed``), and a
    nonce is taken to the Backend API at most once a minute per engine: it is single-use, so a
    repeat (a replay, junk sent again, a stale ``__clerk_handshake_nonce`` cookie) costs no
    call and no share of the Backend API's rate limit. Failed redemptions spend a small budget
    (:class:`~clerk_core.handshake.RedemptionBudget`), so distinct junk nonces cannot spend it
    either: past the budget, redemption pauses until failures are earned back.
    """
    inst = ctx.instance
    if not nonce_is_well_formed(nonce):
        logger.debug("Clerk: ignored a handshake nonce of the wrong shape")
        return None
    now = inst.clock()
    if not inst.redemption_budget.allows(now):
        logger.warning(
            "Clerk: handshake nonce redemption paused after repeated failures (junk nonces?);"
            " using the request's cookies"
        )
        return None
    if not inst.presented_nonces.claim(nonce, now):
        logger.debug("Clerk: ignored a handshake nonce presented moments ago")
        return None
    result: ApiResult = yield ApiCall(
        "GET", "/clients/handshake_payload", params={"nonce": nonce}, bearer=secret_key
    )
    data = result.data if isinstance(result.data, dict) else {}
    if result.status == 200 and isinstance(data.get("directives"), list):
        return [d for d in data["directives"] if isinstance(d, str)]
    inst.redemption_budget.spend(inst.clock())
    logger.warning(
        "Clerk: could not redeem the handshake nonce (status %s); using the request's cookies",
        result.status,
    )
    return None


def _without_handshake_params(url: SplitResult) -> str:
    """``url`` without the handshake's query parameters (Clerk's ``searchParams.delete``: names
    are compared decoded); the other parameters keep their encoding, and the fragment stays."""
    query = "&".join(
        pair
        for pair in url.query.split("&")
        if pair and unquote_plus(pair.split("=", 1)[0]) not in _HANDSHAKE_PARAMS
    )
    return SplitResult(url.scheme, url.netloc, url.path, query, url.fragment).geturl()
