"""The cookie flow: a request without an ``Authorization`` token, judged by its session cookies.

Clerk's ``authenticateRequestWithTokenInCookie``, as named steps read top to bottom:

1. the handshake's return trip (``_handshake_flow``);
2. before verification: satellite sync, a primary answering a satellite's sync, the development
   browser, and which of ``__session`` / ``__client_uat`` are present;
3. the session cookie: the verified-token memory first, else decode and verify (``_verify``);
   a failure goes to refresh or the handshake (``_refresh``);
4. after verification: a cross-origin sync for a satellite's referer, organization sync, and the
   signed-in state.

Reads the request's :class:`~clerk_core._context.AuthenticateContext`; returns a request state.
Every outcome but the last is a handshake or a signed-out state (``_outcomes``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import SplitResult, urlsplit

from ._context import AuthenticateContext, num
from ._effects import Flow
from ._handshake_flow import handshake_return
from ._js import js_url_origin
from ._memory import Remembered
from ._orgsync import organization_to_activate
from ._outcomes import MAX_REDIRECTS, handshake_or_signed_out, message, signed_out
from ._refresh import token_error
from ._verify import verify_session_token
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .options import accounts_host
from .redirects import origin_of, safe_redirect_url, with_query
from .state import AuthErrorReason, AuthStatus, RequestState
from .tokens import (
    CAT_IGNORE,
    CAT_SESSION,
    DecodedJWT,
    is_machine_jwt,
    is_oauth_jwt,
)

__all__ = ["cookie_flow", "remembered_cookie"]

logger = logging.getLogger("clerk_core")

# @clerk/shared's CURRENT_DEV_INSTANCE_SUFFIXES / LEGACY_DEV_INSTANCE_SUFFIXES.
_DEV_ACCOUNT_SUFFIXES = (".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com")
_LEGACY_DEV_SUFFIXES = (".lcl.dev", ".lclstage.dev", ".lclclerk.com")

_Reason = AuthErrorReason


def cookie_flow(ctx: AuthenticateContext) -> Flow:
    """The state of a request judged by its cookies (the steps in the module docstring)."""
    resolved = yield from handshake_return(ctx)
    if resolved is not None:
        return resolved
    for step in _BEFORE_VERIFICATION:
        state = step(ctx)
        if state is not None:
            return state
    return (yield from _session_cookie(ctx))


def _hs(
    ctx: AuthenticateContext, reason: _Reason, text: str = "", location: str | None = None
) -> RequestState:
    return handshake_or_signed_out(
        ctx, reason.value, text, session_token=ctx.session_cookie, location=location
    )


# ------------------------------------------------------------------ before verification
def _satellite_sync(ctx: AuthenticateContext) -> RequestState | None:
    """Satellite sync (document GETs only; skipped once ``__clerk_synced=true``).

    Without cookies and without ``__clerk_synced=false``, a satellite syncs only with
    ``satellite_auto_sync`` (Clerk's ``satelliteAutoSync``, default false): otherwise the request
    is signed out with no redirect. With cookies it goes on to verify them (and may refresh)."""
    opts, request = ctx.options, ctx.request
    if not opts.is_satellite:
        return None
    synced = request.query_param("__clerk_synced")
    if not (
        request.method == "GET"
        and request.headers.get("sec-fetch-dest") == "document"
        and synced != "true"
    ):
        return None
    has_cookies = bool(ctx.session_cookie or ctx.client_uat)
    if not has_cookies and synced != "false" and not opts.satellite_auto_sync:
        return signed_out(_Reason.SESSION_TOKEN_AND_UAT_MISSING.value, "")
    if has_cookies and synced != "false":
        return None
    if not ctx.development:
        return _hs(ctx, _Reason.SATELLITE_COOKIE_NEEDS_SYNCING)
    # Development: the primary's sign-in page syncs the dev browser and sends us back.
    current = ctx.public_url
    if current is None:
        return signed_out(_Reason.SATELLITE_COOKIE_NEEDS_SYNCING.value, "")
    target = with_query(opts.sign_in_url or "", [("__clerk_redirect_url", current.geturl())])
    return _hs(ctx, _Reason.SATELLITE_COOKIE_NEEDS_SYNCING, location=target)


def _primary_answers_sync(ctx: AuthenticateContext) -> RequestState | None:
    """A development primary answering a satellite's sync: back to the satellite with the dev
    browser token. Clerk JS follows any URL here; this engine only this app's own origins."""
    if not ctx.development or ctx.options.is_satellite:
        return None
    back = ctx.request.query_param("__clerk_redirect_url")
    target_url = _own_origin_url(ctx, back) if back else None
    if target_url is None:
        return None
    dev_token = ctx.dev_browser_token
    extra = [("__clerk_db_jwt", dev_token)] if dev_token else []
    target = with_query(
        target_url, [*extra, ("__clerk_synced", "true")], replace=("__clerk_synced",)
    )
    return _hs(ctx, _Reason.PRIMARY_RESPONDS_TO_SYNCING, location=target)


def _dev_browser(ctx: AuthenticateContext) -> RequestState | None:
    """Development: a dev-browser token in the query is synced, a missing one fetched."""
    if not ctx.development:
        return None
    if ctx.request.query_param("__clerk_db_jwt"):
        return _hs(ctx, _Reason.DEV_BROWSER_SYNC)
    if not ctx.dev_browser_token:
        return _hs(ctx, _Reason.DEV_BROWSER_MISSING)
    return None


def _cookie_presence(ctx: AuthenticateContext) -> RequestState | None:
    """``__session`` and ``__client_uat`` must come together; neither is signed out."""
    client_uat, session_token = ctx.client_uat, ctx.session_cookie
    if not client_uat and not session_token:
        return signed_out(_Reason.SESSION_TOKEN_AND_UAT_MISSING.value, "")
    if not client_uat:
        return _hs(ctx, _Reason.SESSION_TOKEN_WITHOUT_CLIENT_UAT)
    if not session_token:
        return _hs(ctx, _Reason.CLIENT_UAT_WITHOUT_SESSION_TOKEN)
    return None


_BEFORE_VERIFICATION: tuple[Callable[[AuthenticateContext], RequestState | None], ...] = (
    _satellite_sync,
    _primary_answers_sync,
    _dev_browser,
    _cookie_presence,
)


# ------------------------------------------------------------------ the session cookie
def _session_cookie(ctx: AuthenticateContext) -> Flow:
    """Verify the session cookie: the memory first (a repeated cookie is not decoded again)."""
    token = ctx.session_cookie
    assert token is not None
    inst = ctx.instance
    digest = ctx.digest(token)
    remembered = inst.remembered(digest)
    if remembered is not None:
        return _remembered_session(ctx, token, remembered)
    decoded = ctx.decoded(token)  # decoded already when the token location peeked at it
    if isinstance(decoded, TokenVerificationError):
        return signed_out(decoded.reason, decoded.full_message("cookie"))
    if _not_a_session_token(decoded):
        mismatch = R.TOKEN_TYPE_MISMATCH.value
        return signed_out(
            mismatch,
            message("The session cookie does not hold a session token.", mismatch, "cookie"),
        )
    if num(decoded.payload.get("iat")) < ctx.client_uat:
        return _hs(ctx, _Reason.SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT)
    try:
        claims = yield from verify_session_token(inst, token, decoded, digest, ctx=ctx)
    except TokenVerificationError as exc:
        return (yield from token_error(ctx, exc, token, "cookie"))
    return _after_verification(ctx, token, claims, None)


def _remembered_session(
    ctx: AuthenticateContext, token: str, remembered: Remembered
) -> RequestState:
    """A session cookie the memory holds. It was verified before as a session token, so its
    header and claims passed every check of :func:`_session_cookie` but the one against this
    request's ``__client_uat``."""
    if num(remembered.claims.get("iat")) < ctx.client_uat:
        return _hs(ctx, _Reason.SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT)
    return _after_verification(ctx, token, remembered.claims, remembered)


def remembered_cookie(ctx: AuthenticateContext) -> RequestState | None:
    """The cookie flow's answer for a remembered session cookie, reached without a generator:
    the fast path of a browser's repeated request (``Clerk`` calls it before the flow).

    Only where no step it skips could answer: not a satellite (no satellite sync); no handshake
    nonce or token in the query or the cookies (no return trip); on a development instance, a
    development browser token and no ``__clerk_redirect_url`` or ``__clerk_db_jwt`` in the query
    (no sync). ``None`` sends the request through :func:`cookie_flow`, which reaches the same
    answer for what is answered here (``tests/core/test_token_memory.py`` compares the two)."""
    if ctx.options.is_satellite:
        return None
    request, cookies = ctx.request, ctx.cookies
    query = "?" in request.url
    if cookies.get("__clerk_handshake_nonce") or cookies.get("__clerk_handshake"):
        return None
    if query and (
        request.query_param("__clerk_handshake_nonce") or request.query_param("__clerk_handshake")
    ):
        return None
    development = ctx.development
    if development and (
        (
            query
            and (
                request.query_param("__clerk_redirect_url") or request.query_param("__clerk_db_jwt")
            )
        )
        or not ctx.dev_browser_token
    ):
        return None
    token = ctx.session_cookie
    if not token or not ctx.client_uat:
        return None
    remembered = ctx.instance.remembered(ctx.digest(token))
    if remembered is None:
        return None
    state = _remembered_session(ctx, token, remembered)
    if development:
        state.dev_browser_token = ctx.dev_browser_token
    return state


def _not_a_session_token(decoded: DecodedJWT) -> bool:
    """Clerk's isMachineJwt (an M2M JWT or an OAuth access token, typ at+jwt) or another
    category than a session token's."""
    cat = decoded.header.get("cat")
    return (
        is_machine_jwt(decoded)
        or is_oauth_jwt(decoded)
        or (cat is not None and cat not in (CAT_SESSION, CAT_IGNORE))
    )


# ------------------------------------------------------------------ after verification
def _after_verification(
    ctx: AuthenticateContext, token: str, claims: dict[str, Any], remembered: Remembered | None
) -> RequestState:
    inst = ctx.instance
    if not ctx.options.is_satellite and _cross_origin_sync_needed(ctx):
        return _hs(
            ctx,
            _Reason.PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC,
            "Cross-origin request from satellite domain requires handshake",
        )
    activate = organization_to_activate(ctx, claims)
    if activate is not None and ctx.redirect_count < MAX_REDIRECTS:
        state = _hs(ctx, _Reason.ACTIVE_ORGANIZATION_MISMATCH)
        if state.status is AuthStatus.HANDSHAKE:
            return state  # otherwise (not a page request) the request goes on signed in
    if "azp" not in claims and not inst.warned_azp:
        inst.warned_azp = True
        logger.warning(
            "Clerk session token has no 'azp' claim. Set authorized_parties "
            "(CLERK_AUTHORIZED_PARTIES) to the origins of your app to check it."
        )
    state = RequestState(AuthStatus.SIGNED_IN, token=token, claims=claims)
    state._remembered = remembered
    return state


def _cross_origin_sync_needed(ctx: AuthenticateContext) -> bool:
    """Clerk's ``shouldForceHandshakeForCrossDomain``: a GET document request on the primary
    whose ``Referer`` is on another origin (AuthenticateContext.isCrossOriginReferrer) that is
    not one of Clerk's own (isKnownClerkReferrer), outside a redirect loop."""
    request = ctx.request
    referer = request.headers.get("referer")
    if (
        request.method != "GET"
        or request.headers.get("sec-fetch-dest") != "document"
        or not referer
    ):
        return False
    if ctx.redirect_count != 0:
        return False
    parsed = js_url_origin(referer)
    if parsed is None:
        return False  # `new URL(referrer)` throws (not an absolute URL): Clerk goes on
    ref_origin, ref_host = parsed
    public = ctx.request_url
    # Origins compare as the URL standard serialises them: scheme, host, and the port only
    # when it is not the scheme's default (`https://app.example.com:443/` is same-origin). An
    # opaque origin (`mailto:x`, `file:///x`, `android-app://...`) is another origin.
    if ref_origin is not None and ref_origin == origin_of(public):
        return False
    return not _is_clerk_origin(ctx, ref_origin, ref_host, public)


def _own_origin_url(ctx: AuthenticateContext, url: str) -> str | None:
    """``url`` when it is an absolute URL on this request's origin, one of
    ``authorized_parties`` or ``allowed_redirect_origins`` (docs/protect.md)."""
    if not url.lower().startswith(("http://", "https://")):
        return None
    opts = ctx.options
    allowed = [*opts.authorized_parties, *opts.allowed_redirect_origins]
    return safe_redirect_url(url, current=ctx.public_url, allowed_origins=allowed)


def _is_clerk_origin(
    ctx: AuthenticateContext, ref_origin: str | None, host: str, public: SplitResult
) -> bool:
    """AuthenticateContext.isKnownClerkReferrer: the Frontend API's host (any scheme or port),
    on a development instance a development Account Portal (``*.accounts.dev`` and the like,
    but not a ``*.clerk.accounts.dev`` Frontend API of another instance; legacy
    ``accounts.*.lcl.dev``), or the Account Portal derived from the Frontend API (as an
    ``https`` origin)."""
    opts = ctx.options
    # Clerk's frontendApi (parsePublishableKey with the proxy URL, domain and satellite flag).
    fapi = opts.proxy_url or opts.satellite_frontend_api or opts.frontend_api or ""
    if fapi.startswith("/"):  # a relative proxy URL lives on the request's own origin
        fapi = f"{public.scheme}://{public.netloc}{fapi}"
    if fapi.lower().startswith("http"):
        try:
            fapi_host = (urlsplit(fapi).hostname or "").lower()
        except ValueError:
            fapi_host = ""
        # Clerk derives the Account Portal by rewriting the proxy URL's text, which gives
        # `https://https...` (it would trust a host named `https`); no portal is trusted here.
        accounts = ""
    else:
        fapi_host = fapi.lower()
        accounts = accounts_host(fapi_host)
    if fapi_host and host == fapi_host:
        return True
    if ctx.development:
        if any(
            host.endswith(suffix) and not host.endswith(".clerk" + suffix)
            for suffix in _DEV_ACCOUNT_SUFFIXES
        ):
            return True
        if host.startswith("accounts.") and host.endswith(_LEGACY_DEV_SUFFIXES):
            return True
    return bool(accounts) and ref_origin == f"https://{accounts}"
