"""The engine: ``Clerk.authenticate_request`` and the dispatch of one request.

A request is judged in this order (docs/architecture.md walks it module by module):

1. the fast paths: a remembered ``Authorization`` session token costs one hash and one lookup, and
   a remembered session cookie little more (``_cookie_flow.remembered_cookie``);
2. otherwise a per-request context (``_context``), then the header flow below (``_machine`` for
   machine tokens) or the cookie flow (``_cookie_flow``);
3. verification (``_verify``), and on failure refresh or the handshake (``_refresh``,
   ``_handshake_flow``, ``_outcomes``);
4. a :class:`~clerk_core.state.RequestState`, which the adapter turns into its response.

The decision procedure (Clerk's ``authenticateRequest``) is written once, as generators that yield
the two kinds of I/O they may need, a signing key or a Backend API call (``_effects``). A sync
runner and an async runner drive the same generators, so the two paths cannot drift, and sync code
never starts an event loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from hashlib import sha256
from typing import Any

import httpx

from ._context import AuthenticateContext, Instance
from ._cookie_flow import cookie_flow, remembered_cookie
from ._cookie_memory import (
    CookieMemory,
    Slot,
    cookie_hit,
    cookie_hit_text,
    instance_eligible,
    remember_cookie,
    signed_out_eligible,
    signed_out_start,
)
from ._effects import Flow, Performer, drive_async, drive_sync
from ._machine import MACHINE_PREFIXES, machine_flow
from ._outcomes import signed_out, unexpected
from ._refresh import token_error
from ._verify import verified_claims, verify_session_token
from .backend_api import AsyncBackendAPI, BackendAPI
from .errors import ClerkConfigurationError, TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .events import attach_hook, observer_for
from .keys import JWKSCache, KeySource, NoKeySource, PEMKeySource
from .options import TOKEN_TYPES, ClerkOptions, normalise_accepts_token
from .request import RequestView, parse_authorization
from .state import AuthErrorReason, AuthStatus, RequestState
from .tokens import (
    CAT_IGNORE,
    CAT_SESSION,
    DecodedJWT,
    decode_jwt,
    is_oauth_jwt,
    is_plain_session_header,
)
from .users import MemoryUserCache, UserCache

__all__ = ["AuthErrorReason", "AuthStatus", "Clerk", "RequestState"]

logger = logging.getLogger("clerk_core")

AcceptsToken = str | list[str] | tuple[str, ...] | None

_NO_BACKEND_API = (
    "Missing secret key: this needs Clerk's Backend API (clerk.backend_api, current_user, "
    "get_token with a template, user sync), and this engine has no secret key (it verifies "
    "session tokens with the publishable key or jwt_key alone). Set secret_key "
    "(CLERK_SECRET_KEY) to the 'sk_test_...' or 'sk_live_...' key from the API keys page of the "
    "Clerk dashboard."
)
Mode = str | tuple[str, ...]


class Clerk:
    """The engine for one Clerk instance: owns the key cache, the token memory and HTTP clients.

    Create one per Clerk instance per process (adapters do it at start-up) and share it across requests.
    """

    def __init__(
        self,
        options: ClerkOptions | None = None,
        *,
        http_client: httpx.Client | None = None,
        async_http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.options = options if options is not None else ClerkOptions.from_env()
        opts = self.options
        self._clock: Callable[[], float] = clock or time.time
        accepted = opts.accepted_token_types
        if "session_token" in accepted and not opts.publishable_key:
            raise ClerkConfigurationError(
                "Missing publishable key: set publishable_key (CLERK_PUBLISHABLE_KEY) to the 'pk_test_...'"
                " or 'pk_live_...' key from the API keys page of the Clerk dashboard."
            )
        self._check_machine_keys(accepted)
        # Keys: the PEM key (networkless), else the Backend API JWKS (secret key), else the
        # Frontend API JWKS (publishable key only: docs/publishable-key-only.md).
        self.keys: KeySource
        if opts.public_key is not None:
            self.keys = PEMKeySource(opts.public_key)
        elif opts.secret_key or opts.publishable_key:
            self.keys = JWKSCache(
                opts,
                http_client=http_client,
                async_http_client=async_http_client,
                clock=self._clock,
                source="backend_api" if opts.secret_key else "frontend_api",
            )
        else:
            self.keys = NoKeySource()
        self._instance = Instance(opts, self._clock, self.keys)
        self._memory = self._instance.memory
        # Signed-in Cookie headers, answered without parsing them again (_cookie_memory).
        self._cookie_fast = instance_eligible(self._instance)
        self._cookies: CookieMemory[Slot] = CookieMemory(
            opts.token_cache_size if self._cookie_fast else 0
        )
        # Browsers without a session cookie, signed out by their Cookie header (_cookie_memory).
        self._signed_out_fast = signed_out_eligible(self._instance)
        self._signed_out: CookieMemory[bool] = CookieMemory(
            opts.token_cache_size if self._signed_out_fast else 0
        )
        self._io = Performer(opts, self.keys, http_client, async_http_client)
        self.user_cache: UserCache = MemoryUserCache()
        """Where ``current_user`` keeps users between requests (60 s in memory by default)."""
        # Auth events (clerk_core.events): None unless a hook or debug asks for them.
        self._observer = observer_for(self)
        attach_hook(self)
        if opts.is_production and not (opts.allowed_hosts or opts.authorized_parties):
            logger.warning(
                "Clerk: live keys without allowed_hosts or authorized_parties: the request's Host "
                "header chooses the origin of sign-in and handshake redirects. Set allowed_hosts "
                "(CLERK_ALLOWED_HOSTS) or authorized_parties (CLERK_AUTHORIZED_PARTIES) to your "
                "app's hosts, unless the framework already checks them (Django's ALLOWED_HOSTS)."
            )

    def __repr__(self) -> str:
        return f"Clerk(frontend_api={self.options.frontend_api!r})"

    def _check_machine_keys(self, accepted: str | tuple[str, ...]) -> None:
        """M2M tokens are verified with ``machine_secret_key`` or ``secret_key``: accepting them
        with neither is a configuration error (Clerk's ``assertMachineSecretOrSecretKey``; Clerk
        JS throws on each request, this engine at construction or at the call that asks)."""
        types = TOKEN_TYPES if accepted == "any" else accepted
        opts = self.options
        if "m2m_token" in types and not (opts.machine_secret_key or opts.secret_key):
            raise ClerkConfigurationError(
                "Machine token authentication requires either a Machine secret key or a Clerk "
                "secret key: set machine_secret_key (CLERK_MACHINE_SECRET_KEY) or secret_key "
                "(CLERK_SECRET_KEY) to accept m2m_token."
            )
        needs_api = [t for t in ("api_key", "oauth_token") if t in types]
        if needs_api and not opts.secret_key:
            # API keys and opaque OAuth tokens are verified by the Backend API only.
            raise ClerkConfigurationError(
                f"Missing secret key: accepting {' and '.join(needs_api)} needs the Backend API. "
                "Set secret_key (CLERK_SECRET_KEY) to the 'sk_test_...' or 'sk_live_...' key from "
                "the API keys page of the Clerk dashboard, or accept session_token only."
            )

    @property
    def http_client(self) -> httpx.Client | None:
        """The sync ``httpx`` client this engine was given (``None``: it makes its own), for
        tools that build their own Backend API client with the app's transport settings."""
        return self._io.http_client

    @property
    def backend_api(self) -> BackendAPI:
        """The sync Backend API client; the engine's own calls go through it too."""
        if not self.options.secret_key:
            raise ClerkConfigurationError(_NO_BACKEND_API)
        return self._io.api()

    @property
    def backend_api_async(self) -> AsyncBackendAPI:
        """The async Backend API client; the engine's own calls go through it too."""
        if not self.options.secret_key:
            raise ClerkConfigurationError(_NO_BACKEND_API)
        return self._io.aapi()

    def close(self) -> None:
        """Close the HTTP clients this engine created (clients passed in stay open)."""
        self._io.close()
        close_keys = getattr(self.keys, "close", None)
        if close_keys is not None:
            close_keys()

    async def aclose(self) -> None:
        """Close every client this engine created, the async ones of the running loop included."""
        await self._io.aclose()
        self.close()

    def __enter__(self) -> Clerk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- public API
    def authenticate_request(
        self, request: RequestView, *, accepts_token: AcceptsToken = None
    ) -> RequestState:
        """Authenticate a request (sync). Never raises for bad input: bad tokens are signed-out states."""
        observer = self._observer
        started = observer.start() if observer is not None else 0.0
        accepts = None if accepts_token is None else self._per_call(accepts_token)
        token = parse_authorization(request.headers.get("authorization"))
        state, digest = self._fast_path(token, accepts)
        if state is None:
            try:
                step = self._start(request, accepts, token, digest)
                state = (
                    step
                    if isinstance(step, RequestState)
                    else drive_sync(step, self._io.perform_sync)
                )
            except Exception:
                logger.exception("Unexpected error while authenticating a request")
                state = unexpected()
        state._engine = self
        if observer is not None:
            observer.emit(state, started, "authenticate_request")
        return state

    async def authenticate_request_async(
        self, request: RequestView, *, accepts_token: AcceptsToken = None
    ) -> RequestState:
        """Authenticate a request (async): the same procedure, with async I/O."""
        observer = self._observer
        started = observer.start() if observer is not None else 0.0
        accepts = None if accepts_token is None else self._per_call(accepts_token)
        token = parse_authorization(request.headers.get("authorization"))
        state, digest = self._fast_path(token, accepts)
        if state is None:
            try:
                step = self._start(request, accepts, token, digest)
                state = (
                    step
                    if isinstance(step, RequestState)
                    else await drive_async(step, self._io.perform_async)
                )
            except Exception:
                logger.exception("Unexpected error while authenticating a request")
                state = unexpected()
        state._engine = self
        if observer is not None:
            observer.emit(state, started, "authenticate_request_async")
        return state

    def remembered_state(self, authorization: str | None) -> RequestState | None:
        """The state of a request whose ``Authorization`` header (its one value, as sent) carries
        a session token this engine verified and still remembers, found without a view of the
        request; ``None`` for anything else, which :meth:`authenticate_request` then judges.

        It is what :meth:`authenticate_request` answers for such a request (same token, claims,
        source), and it is signed in from the header with no response headers and no redirect, so
        nothing is answered before the app (:func:`clerk_core.adapter.before_app` is ``None`` for
        it): an adapter asks this first and builds its request view only when it needs one.
        Pass ``None`` when the request has several ``Authorization`` lines (the full procedure
        joins them)."""
        if not authorization:
            return None
        observer = self._observer
        started = observer.start() if observer is not None else 0.0
        state, _ = self._fast_path(parse_authorization(authorization), None, with_auth=True)
        if state is not None:
            state._engine = self
            if observer is not None:
                observer.emit(state, started, "remembered_state")
        return state

    def remembered_cookie_state(
        self,
        cookie: str | None,
        *,
        method: str,
        query: str = "",
        sec_fetch_dest: str | None = None,
        referer: str | None = None,
    ) -> RequestState | None:
        """The state of a browser request without an ``Authorization`` header whose ``Cookie``
        header (its one value, as sent) this engine signed in before and whose session token it
        still remembers, found without a view of the request; ``None`` for anything else, which
        :meth:`authenticate_request` then judges.

        It is what :meth:`authenticate_request` answers for such a request (same token, claims,
        source, development browser token), signed in with no response headers and no redirect.
        Only a request whose answer depends on the ``Cookie`` header alone is answered here
        (``clerk_core._cookie_memory``): a safe ``method``, a ``query`` (the raw query string)
        without Clerk's parameters, and no page navigation (``sec_fetch_dest`` ``document``)
        carrying a ``referer``. The adapter passes ``None`` when the request has an
        ``Authorization`` header or several ``Cookie`` lines (``""`` when it has no ``Cookie``
        header), and keeps its framework's own host checks. Adapters holding the header's bytes
        call :meth:`remembered_raw_cookie_state`.

        On a production primary it also answers a browser without a session cookie: signed out
        (``session-token-and-uat-missing``, with Clerk's debug headers and no redirect) when the
        header holds no ``__client_uat`` or one this engine read as 0 before, no handshake cookie,
        and the query no Clerk parameter, whatever the method (``clerk_core._cookie_memory``)."""
        if cookie is None:
            return None
        return cookie_hit_text(
            self, cookie, method, query, sec_fetch_dest, referer, "remembered_cookie_state"
        )

    def remembered_raw_cookie_state(
        self,
        cookie: bytes,
        method: str,
        query: bytes,
        sec_fetch_dest: bytes | None,
        referer: bytes | None,
    ) -> RequestState | None:
        """:meth:`remembered_cookie_state` for the bytes a server delivered (an ASGI scope's
        header values and query string; a WSGI environ's text encoded back to Latin-1): the
        ``Cookie`` header, the method, the raw query string, and the ``Sec-Fetch-Dest`` and
        ``Referer`` headers (``None`` when absent). One hash and one lookup
        (``clerk_core._cookie_memory``)."""
        return cookie_hit(
            self, cookie, method, query, sec_fetch_dest, referer, "remembered_cookie_state"
        )

    def verify_token(self, token: str) -> dict[str, Any]:
        """Verify a session token and return its claims; raises :class:`TokenVerificationError`.

        The claims are read-only (shared with later requests that repeat the token): copy them,
        ``dict(claims)``, to change them."""
        gen = verify_session_token(self._instance, token, None)
        return drive_sync(gen, self._io.perform_sync)

    async def verify_token_async(self, token: str) -> dict[str, Any]:
        gen = verify_session_token(self._instance, token, None)
        return await drive_async(gen, self._io.perform_async)

    # ------------------------------------------------------------------------- fast path
    def _per_call(self, accepts_token: str | list[str] | tuple[str, ...]) -> Mode:
        accepts = normalise_accepts_token(accepts_token)
        self._check_machine_keys(accepts)
        return accepts

    def _fast_path(
        self, token: str | None, accepts: Mode | None, *, with_auth: bool = False
    ) -> tuple[RequestState | None, bytes | None]:
        """A remembered Bearer session token: one hash and one dictionary lookup.

        Returns the state when the token is remembered, and the token's digest for the full
        procedure otherwise (so it is computed once per request).
        """
        opts = self.options
        if token is None or len(token) > opts.max_token_bytes:
            return None, None
        mode = opts.accepts_token if accepts is None else accepts
        if mode != "session_token" and mode != "any":
            return None, None
        if token.startswith(("ak_", "mt_", "oat_")):
            return None, None
        digest = sha256(token.encode()).digest()
        remembered = self._memory.get(digest, self._clock(), opts.clock_skew, self.keys.generation)
        if remembered is None:
            return None, digest
        return RequestState.remembered(token, remembered, "header", self, with_auth), digest

    def _start(
        self, request: RequestView, accepts: Mode | None, token: str | None, digest: bytes | None
    ) -> RequestState | Flow:
        """The state when a fast path answers (a new Bearer token with a cached key, a
        remembered cookie), else the flow that judges the request."""
        if digest is not None:  # a session token the memory does not hold
            state, flow = self._new_bearer(request, token, digest)
            if flow is not None:
                return flow
            if state is not None:
                return state
        headers = request.headers
        if token is None and accepts is None and "authorization" not in headers:
            cookie = headers.get("cookie") or ""
            if "__session" not in cookie:
                # A browser without a session cookie: signed out by its header (the first time
                # a header with __client_uat is seen, its cookies are read).
                if self._signed_out_fast:
                    state = signed_out_start(self, request, cookie)
                    if state is not None:
                        return state
            elif self._cookie_fast:
                # A signed-in Cookie header seen before (what adapters ask before building a view).
                state = cookie_hit_text(
                    self,
                    cookie,
                    request.method,
                    request.url.partition("?")[2],
                    headers.get("sec-fetch-dest"),
                    headers.get("referer"),
                    None,
                )
                if state is not None:
                    return state
        state, ctx = self._fast_cookie(request, token, accepts)
        if state is not None:
            return state
        return self._flow(request, accepts, token, digest, ctx)

    def _new_bearer(
        self, request: RequestView, token: str | None, digest: bytes
    ) -> tuple[RequestState | None, Flow | None]:
        """A Bearer session token seen for the first time whose signing key is cached: the
        header flow's steps for a session token, run without the flow's generators.

        Only for the usual token: a JWT whose header is a plain session token's (RS256, a
        string ``kid``, no ``crit``, ``typ`` absent or ``JWT``, a session category or none),
        whose subject is no machine's, on an instance whose issuers do not depend on the
        request (no relative ``proxy_url``). Anything else returns ``(None, None)`` before the
        signature is checked, and the full procedure judges the token from the start. A token
        that fails from the signature on returns the flow that turns the failure into the
        state (``_refresh.token_error``), so no signature is checked twice.
        """
        inst = self._instance
        if inst.relative_proxy:
            return None, None
        try:
            decoded = decode_jwt(token, self.options.max_token_bytes)  # type: ignore[arg-type]
        except TokenVerificationError:
            return None, None
        header = decoded.header
        if not is_plain_session_header(header):
            return None, None
        sub = decoded.payload.get("sub")
        if isinstance(sub, str) and sub.startswith("mch_"):
            return None, None
        keys = self.keys
        generation = keys.generation
        key = keys.cached(header["kid"])
        if key is None:
            return None, None
        try:
            claims = verified_claims(
                inst, decoded, key, generation, digest, skew=self.options.clock_skew, ctx=None
            )
        except TokenVerificationError as exc:
            return None, self._header_error(request, token, exc)  # type: ignore[arg-type]
        state = RequestState(AuthStatus.SIGNED_IN, token=token, claims=claims)
        state.token_source = "header"
        return state, None

    def _header_error(self, request: RequestView, token: str, exc: TokenVerificationError) -> Flow:
        """What the header flow makes of a session token that failed verification."""
        ctx = AuthenticateContext(self._instance, request, token)
        state = yield from self._token_error(ctx, exc, token)
        state.token_source = "header"
        return state

    def _fast_cookie(
        self, request: RequestView, token: str | None, accepts: Mode | None
    ) -> tuple[RequestState | None, AuthenticateContext | None]:
        """A remembered session cookie on a request without an ``Authorization`` token
        (``_cookie_flow.remembered_cookie``), and the request's context for the full procedure
        when it is not."""
        if token is not None:
            return None, None
        mode = self.options.accepts_token if accepts is None else accepts
        if not (
            mode in ("any", "session_token") or (type(mode) is tuple and "session_token" in mode)
        ):
            return None, None
        ctx = AuthenticateContext(self._instance, request, None)
        state = remembered_cookie(ctx)
        if state is not None:
            state.token_source = "cookie"
            if accepts is None and self._cookie_fast:
                remember_cookie(self, request, state)
        return state, ctx

    # ------------------------------------------------------------------------- dispatch
    def _flow(
        self,
        request: RequestView,
        accepts: Mode | None,
        token: str | None,
        digest: bytes | None,
        ctx: AuthenticateContext | None = None,
    ) -> Flow:
        """The full procedure: the header flow for an ``Authorization`` token, else the cookies."""
        mode, accepted = _accepted(self.options.accepts_token if accepts is None else accepts)
        if ctx is None:
            ctx = AuthenticateContext(self._instance, request, token)
        if token is not None:
            state = yield from self._header_flow(ctx, token, mode, accepted, digest)
            state.token_source = "header"
            return state
        if "session_token" not in accepted:
            if isinstance(mode, tuple):
                # Clerk's signedOutInvalidToken: no token is a session token, not in the list.
                return _type_mismatch(mode)
            # One machine type: machine tokens come in the Authorization header only.
            return signed_out("No token in header", "", token_type=mode)
        state = yield from cookie_flow(ctx)
        state.token_source = "cookie"
        if ctx.development:
            state.dev_browser_token = ctx.dev_browser_token
        return state

    def _header_flow(
        self,
        ctx: AuthenticateContext,
        token: str,
        mode: Mode,
        accepted: tuple[str, ...],
        digest: bytes | None,
    ) -> Flow:
        """An ``Authorization`` token: a machine token (``_machine``) or a session token."""
        kind, decoded = _token_kind(token, self.options.max_token_bytes)
        if mode == "session_token" and decoded is None:
            # Clerk's session-token mode looks for machine JWTs only: an opaque `ak_`/`mt_`/`oat_`
            # token goes to JWT verification and fails as one (token-invalid, malformed JWT).
            kind = "session_token"
        if kind not in accepted and mode != "any":
            return _type_mismatch(mode)
        if kind != "session_token":
            return (yield from machine_flow(self._instance, token, kind, decoded))
        cat = decoded.header.get("cat") if decoded is not None else None
        if cat is not None and cat not in (CAT_SESSION, CAT_IGNORE):
            # Clerk's hasNonSessionJwtCategory: a JWT template or M2M-category token is no session.
            return signed_out(R.TOKEN_TYPE_MISMATCH.value, "")
        try:
            claims = yield from verify_session_token(
                self._instance, token, decoded, digest, ctx=ctx
            )
        except TokenVerificationError as exc:
            return (yield from self._token_error(ctx, exc, token))
        return RequestState(AuthStatus.SIGNED_IN, token=token, claims=claims)

    def _token_error(
        self, ctx: AuthenticateContext, exc: TokenVerificationError, token: str
    ) -> Flow:
        # Clerk's handshake and refresh carry `sessionTokenInCookie || tokenInHeader`
        # (AuthenticateContext.sessionToken), and the dev browser token on a development
        # instance.
        carried = ctx.session_cookie or token
        return (yield from token_error(ctx, exc, token, "header", session_token=carried))


def _accepted(raw: Any) -> tuple[Mode, tuple[str, ...]]:
    """The token types a request accepts: ``(mode, types)``."""
    if raw == "any":
        return "any", TOKEN_TYPES
    if isinstance(raw, str):
        return raw, (raw,)
    return tuple(raw), tuple(raw)


def _type_mismatch(mode: Mode) -> RequestState:
    """Clerk's signedOutInvalidToken: no ``token_type`` when a list of types was accepted."""
    return signed_out(
        R.TOKEN_TYPE_MISMATCH.value, "", token_type=None if isinstance(mode, tuple) else mode
    )


def _token_kind(token: str, max_bytes: int) -> tuple[str, DecodedJWT | None]:
    """The token's type by its prefix or, for a JWT, Clerk's ``getMachineTokenType``; with the
    decoded JWT when it is one."""
    for prefix, kind in MACHINE_PREFIXES:
        if token.startswith(prefix):
            return kind, None
    try:
        decoded = decode_jwt(token, max_bytes)
    except TokenVerificationError:
        return "session_token", None
    # An M2M JWT by its `mch_` subject, an OAuth JWT by its typ. An M2M category alone does not
    # make one (it is a non-session category, refused as such).
    sub = decoded.payload.get("sub")
    if isinstance(sub, str) and sub.startswith("mch_"):
        return "m2m_token", decoded
    if is_oauth_jwt(decoded):
        return "oauth_token", decoded
    return "session_token", decoded
