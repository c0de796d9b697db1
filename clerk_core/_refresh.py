"""A session token that failed verification: refresh it, send the browser to the handshake, or
sign out (Clerk's ``handleSessionTokenError`` and ``refreshToken``).

A step after verification, for the header and the cookie flow alike. An expired token on a GET
with a ``__refresh_<suffix>`` cookie is exchanged at the Backend API (an
:class:`~clerk_core._effects.ApiCall`) for fresh cookies; otherwise the reason decides between a
handshake and a signed-out state. See docs/reliability.md ("Session refresh").
"""

from __future__ import annotations

from typing import Any

from ._context import AuthenticateContext
from ._effects import ApiCall, ApiResult, Flow, Step
from ._outcomes import handshake_or_signed_out, header_safe, signed_out
from ._verify import verify_session_token
from .backend_api import path_segment
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .state import AuthErrorReason, AuthStatus, Headers, RequestState

__all__ = ["token_error"]


def token_error(
    ctx: AuthenticateContext,
    exc: TokenVerificationError,
    token: str,
    carrier: str,
    *,
    session_token: str | None = None,
) -> Flow:
    """Clerk's handling of a failed session token: refresh, handshake or signed out.

    ``session_token`` is the token a refresh and a handshake carry (Clerk's
    ``sessionTokenInCookie || tokenInHeader``); ``token`` by default."""
    carried = token if session_token is None else session_token
    reason = exc.reason
    message = exc.full_message(carrier)
    if reason == R.TOKEN_EXPIRED.value:
        refresh_cookie = ctx.cookies.get(f"__refresh_{ctx.options.cookie_suffix}")
        if ctx.request.method != "GET":
            refresh_error = "non-eligible-non-get"
        elif not refresh_cookie:
            refresh_error = "non-eligible-no-refresh-cookie"
        else:
            outcome = yield from _refresh(ctx, carried, refresh_cookie)
            if isinstance(outcome, RequestState):
                return outcome
            refresh_error = outcome
        hs_reason = f"{AuthErrorReason.SESSION_TOKEN_EXPIRED.value}-refresh-{refresh_error}"
    elif reason == R.TOKEN_NOT_ACTIVE_YET.value:
        hs_reason = AuthErrorReason.SESSION_TOKEN_NBF.value
    elif reason == R.TOKEN_IAT_IN_THE_FUTURE.value:
        hs_reason = AuthErrorReason.SESSION_TOKEN_IAT_IN_THE_FUTURE.value
    else:
        return signed_out(reason, message)
    return handshake_or_signed_out(ctx, hs_reason, message, session_token=carried)


def _refresh(
    ctx: AuthenticateContext, expired: str, refresh_token: str
) -> Step[RequestState | str]:
    """Exchange an expired session token and the ``__refresh`` cookie for fresh cookies.

    Returns the signed-in state (carrying the ``Set-Cookie`` directives), or Clerk's refresh
    error string for the reason ``session-token-expired-refresh-<error>``.
    """
    secret_key = ctx.options.secret_key
    if not secret_key:
        return "missing-api-client"
    request = _refresh_call(ctx, expired, refresh_token, secret_key)
    if isinstance(request, str):
        return request
    result: ApiResult = yield request
    directives = _refreshed_cookies(result)
    if isinstance(directives, str):
        return directives
    session_token = ""
    for directive in directives:
        name, _, rest = directive.split(";", 1)[0].partition("=")
        if name.strip().startswith("__session"):
            session_token = rest.strip()
    try:
        claims = yield from verify_session_token(ctx.instance, session_token, None, ctx=ctx)
    except TokenVerificationError:
        return "invalid-session-token"
    headers: Headers = [("set-cookie", header_safe(d)) for d in directives]
    return RequestState(AuthStatus.SIGNED_IN, token=session_token, claims=claims, headers=headers)


def _refresh_call(
    ctx: AuthenticateContext, expired: str, refresh_token: str, secret_key: str
) -> ApiCall | str:
    """The Backend API call that refreshes ``expired``, or the refresh error that prevents it."""
    payload = ctx.peek_payload(expired)
    if payload is None:
        return "expired-session-token-decode-failed"
    sid = payload.get("sid")
    if not isinstance(sid, str) or not sid:
        return "expired-session-token-missing-sid-claim"
    try:
        sid_segment = path_segment("sid", sid)  # never '..' or '/': one path segment
    except ValueError:
        return "expired-session-token-missing-sid-claim"
    public = ctx.request_url
    body: dict[str, Any] = {
        "format": "cookie",
        "expired_token": expired,
        "refresh_token": refresh_token,
        "request_origin": f"{public.scheme}://{public.netloc}",
        "request_headers": {name: [value] for name, value in ctx.request.headers.items()},
    }
    suffixed = "true" if ctx.uses_suffixed else "false"
    # Never retried: a refresh is not idempotent (``retry`` stays off for POST).
    return ApiCall(
        "POST",
        f"/sessions/{sid_segment}/refresh",
        json=body,
        params={"suffixed_cookies": suffixed},
        bearer=secret_key,
    )


def _refreshed_cookies(result: ApiResult) -> list[str] | str:
    """The ``Set-Cookie`` directives of a refresh answer, or Clerk's refresh error."""
    if result.status is None:
        return "fetch-error"
    data = result.data if isinstance(result.data, dict) else None
    if result.status != 200:
        errors = data.get("errors") if data else None
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            if code == "unexpected_error":
                return "fetch-error"
            if isinstance(code, str) and code:
                return header_safe(code)
        return "unexpected-bapi-error"
    cookies = data.get("cookies") if data else None
    if not isinstance(cookies, list) or not cookies:
        return "unexpected-sdk-error"
    return [c for c in cookies if isinstance(c, str)]
