"""The engine: ``Clerk.authenticate_request`` and the request states it returns.

The decision procedure (Clerk's ``authenticateRequest``; see docs/reliability.md) is written once, as a generator that yields
the two kinds of I/O it may need, a signing key or a Backend API call, and receives their results. A
sync runner and an async runner drive the same generator, so the two paths cannot drift, and sync
code never starts an event loop.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Callable, Generator, Mapping
from typing import Any, cast
from urllib.parse import SplitResult, quote, unquote_plus, urlencode, urlsplit

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from . import __about__
from ._bounded_read import BodyTooLarge, aread_capped, read_capped
from ._frozen import freeze
from ._js import js_number_or_zero, js_number_to_string, js_url_origin
from .auth import MachineAuth
from .authorization import decode_org_claims
from .backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI, path_segment
from .errors import ClerkConfigurationError, TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .handshake import (
    FAILED_REDEMPTIONS_BURST,
    FAILED_REDEMPTIONS_INTERVAL,
    PRESENTED_NONCES_SIZE,
    PRESENTED_NONCES_TTL,
    PresentedNonces,
    RedemptionBudget,
    check_handshake_times,
    nonce_is_well_formed,
)
from .hosts import trusted_public_url
from .keys import (
    CLERK_API_VERSION_HEADER,
    JWKSCache,
    KeySource,
    NoKeySource,
    PEMKeySource,
    kid_mismatch_message,
)
from .options import TOKEN_TYPES, ClerkOptions, accounts_host, normalise_accepts_token
from .redirects import origin_of, safe_redirect_url, with_query
from .request import RequestView, parse_authorization
from .routes import compile_path, match_path
from .state import AuthErrorReason, AuthStatus, Headers, RequestState
from .tokens import (
    CAT_IGNORE,
    CAT_SESSION,
    DecodedJWT,
    check_algorithm,
    check_common_header,
    check_machine_allow_lists,
    check_machine_claims,
    check_oauth_audience,
    check_session_claims,
    check_session_header,
    decode_jwt,
    is_machine_jwt,
    is_oauth_jwt,
    verify_signature,
)
from .users import MemoryUserCache, UserCache

__all__ = ["AuthErrorReason", "AuthStatus", "Clerk", "RequestState"]

logger = logging.getLogger("clerk_core")


# ---------------------------------------------------------------------------------------- effects
class _NeedKey:
    __slots__ = ("kid",)

    def __init__(self, kid: str | None) -> None:
        self.kid = kid


class _ApiCall:
    __slots__ = ("bearer", "body", "method", "url")

    def __init__(self, method: str, url: str, body: Mapping[str, Any] | None, bearer: str) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.bearer = bearer


class _ApiResult:
    __slots__ = ("data", "status")

    def __init__(self, status: int | None, data: Any) -> None:
        self.status = status
        self.data = data


Effect = _NeedKey | _ApiCall
Flow = Generator[Effect, Any, RequestState]

_MACHINE_PREFIXES = (("ak_", "api_key"), ("mt_", "m2m_token"), ("oat_", "oauth_token"))
_MACHINE_VERIFY = {
    "api_key": ("api_keys/verify", "secret", "API key not found"),
    "m2m_token": ("m2m_tokens/verify", "token", "Machine token not found"),
    "oauth_token": (
        "oauth_applications/access_tokens/verify",
        "access_token",
        "OAuth token not found",
    ),
}
_INT_PREFIX = re.compile(r"\s*([+-]?\d+)")
_SCHEME = re.compile(r"https?://", re.IGNORECASE)  # Clerk: iss.replace(/https?:\/\//gi, '')
# @clerk/shared's CURRENT_DEV_INSTANCE_SUFFIXES / LEGACY_DEV_INSTANCE_SUFFIXES.
_DEV_ACCOUNT_SUFFIXES = (".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com")
_LEGACY_DEV_SUFFIXES = (".lcl.dev", ".lclstage.dev", ".lclclerk.com")
_MAX_REDIRECTS = 3


def _parse_int(value: str | None) -> int:
    """JavaScript's ``parseInt(value) || 0``."""
    if not value:
        return 0
    match = _INT_PREFIX.match(value)
    return int(match.group(1)) if match else 0


def _redirect_count(cookies: Mapping[str, str]) -> float:
    """``__clerk_redirect_count`` as Clerk reads it: ``Number(cookie) || 0`` (AuthenticateContext's
    ``handshakeRedirectLoopCounter``), so ``"0x3"`` is 3, ``"3abc"`` is 0 and ``"1e1"`` is 10."""
    return js_number_or_zero(cookies.get("__clerk_redirect_count") or None)


def _peek_payload(token: str | None, max_bytes: int) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        return decode_jwt(token, max_bytes).payload
    except TokenVerificationError:
        return None


class _TokenMemory:
    """Verified session tokens (Policy 9): keyed by SHA-256 of the token, never past ``exp + skew``.

    Bounded; the oldest entry goes first. An entry is ignored once the key set has changed in a way
    that could invalidate it. The claims it holds are frozen (``_frozen.freeze``), so every request
    that repeats a token can share them without one view's change reaching the next request.
    """

    __slots__ = ("_entries", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[bytes, tuple[dict[str, Any], float, int]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes, now: float, skew: float, generation: int) -> dict[str, Any] | None:
        entry = self._entries.get(digest)
        if entry is None:
            return None
        claims, exp, gen = entry
        if now < exp + skew and gen == generation:
            return claims
        with self._lock:
            self._entries.pop(digest, None)
        return None

    def put(self, digest: bytes, claims: dict[str, Any], exp: float, generation: int) -> None:
        if self._size <= 0:
            return
        with self._lock:
            entries = self._entries
            if digest not in entries and len(entries) >= self._size:
                del entries[next(iter(entries))]
            entries[digest] = (claims, exp, generation)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


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
        self._http_client = http_client
        self._owns_http_client = False
        self._async_http_client = async_http_client
        accepted = opts.accepted_token_types
        if "session_token" in accepted and not opts.publishable_key:
            raise ClerkConfigurationError(
                "Missing publishable key: set publishable_key (CLERK_PUBLISHABLE_KEY) to the 'pk_test_...'"
                " or 'pk_live_...' key from the API keys page of the Clerk dashboard."
            )
        if not opts.secret_key and not opts.jwt_key and accepted != ("m2m_token",):
            raise ClerkConfigurationError(
                "Missing secret key: set secret_key (CLERK_SECRET_KEY) to the 'sk_test_...' or "
                "'sk_live_...' key from the Clerk dashboard, or jwt_key (CLERK_JWT_KEY) for networkless "
                "verification."
            )
        self._check_machine_keys(accepted)
        self.keys: KeySource
        if opts.public_key is not None:
            self.keys = PEMKeySource(opts.public_key)
        elif opts.secret_key:
            self.keys = JWKSCache(
                opts,
                http_client=http_client,
                async_http_client=async_http_client,
                clock=self._clock,
            )
        else:
            self.keys = NoKeySource()
        self._memory = _TokenMemory(opts.token_cache_size)
        self._backend_api: BackendAPI | None = None
        self._backend_api_async: AsyncBackendAPI | None = None
        self.user_cache: UserCache = MemoryUserCache()
        """Where ``current_user`` keeps users between requests (60 s in memory by default)."""
        self._org_patterns = [compile_path(p) for p in opts.organization_patterns]
        self._personal_patterns = [compile_path(p) for p in opts.personal_account_patterns]
        self._warned_azp = False
        self._presented_nonces = PresentedNonces(PRESENTED_NONCES_SIZE, PRESENTED_NONCES_TTL)
        self._redemption_budget = RedemptionBudget(
            FAILED_REDEMPTIONS_BURST, FAILED_REDEMPTIONS_INTERVAL
        )
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

    @property
    def backend_api(self) -> BackendAPI:
        """The sync Backend API client, sharing this engine's HTTP client."""
        if self._backend_api is None:
            opts = self.options
            if self._http_client is None:
                self._http_client = httpx.Client(follow_redirects=False)
                self._owns_http_client = True
            self._backend_api = BackendAPI(
                opts.secret_key,
                api_url=opts.api_url,
                api_version=opts.api_version,
                http_client=self._http_client,
                policy=ApiPolicy(max_body_bytes=opts.api_max_body_bytes),
            )
        return self._backend_api

    @property
    def backend_api_async(self) -> AsyncBackendAPI:
        """The async Backend API client."""
        if self._backend_api_async is None:
            opts = self.options
            self._backend_api_async = AsyncBackendAPI(
                opts.secret_key,
                api_url=opts.api_url,
                api_version=opts.api_version,
                http_client=self._async_http_client,
                policy=ApiPolicy(max_body_bytes=opts.api_max_body_bytes),
            )
        return self._backend_api_async

    def close(self) -> None:
        """Close the HTTP clients this engine created (clients passed in stay open)."""
        if self._owns_http_client and self._http_client is not None:
            self._http_client.close()
        close_keys = getattr(self.keys, "close", None)
        if close_keys is not None:
            close_keys()

    def __enter__(self) -> Clerk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------- public API
    def authenticate_request(
        self,
        request: RequestView,
        *,
        accepts_token: str | list[str] | tuple[str, ...] | None = None,
    ) -> RequestState:
        """Authenticate a request (sync). Never raises for bad input: bad tokens are signed-out states."""
        if accepts_token is not None:
            accepts_token = normalise_accepts_token(accepts_token)
            self._check_machine_keys(accepts_token)
        token = parse_authorization(request.headers.get("authorization"))
        fast, digest = self._fast_path(token, accepts_token)
        if fast is None:
            try:
                fast = self._run_sync(self._flow(request, accepts_token, token, digest))
            except Exception:
                logger.exception("Unexpected error while authenticating a request")
                fast = self._unexpected()
        fast._engine = self
        return fast

    async def authenticate_request_async(
        self,
        request: RequestView,
        *,
        accepts_token: str | list[str] | tuple[str, ...] | None = None,
    ) -> RequestState:
        """Authenticate a request (async): the same procedure, with async I/O."""
        if accepts_token is not None:
            accepts_token = normalise_accepts_token(accepts_token)
            self._check_machine_keys(accepts_token)
        token = parse_authorization(request.headers.get("authorization"))
        fast, digest = self._fast_path(token, accepts_token)
        if fast is None:
            try:
                fast = await self._run_async(self._flow(request, accepts_token, token, digest))
            except Exception:
                logger.exception("Unexpected error while authenticating a request")
                fast = self._unexpected()
        fast._engine = self
        return fast

    def verify_token(self, token: str) -> dict[str, Any]:
        """Verify a session token and return its claims; raises :class:`TokenVerificationError`.

        The claims are read-only (shared with later requests that repeat the token): copy them,
        ``dict(claims)``, to change them."""
        gen = self._verify_session_token(token, None)
        return cast("dict[str, Any]", self._drive_sync(gen))

    async def verify_token_async(self, token: str) -> dict[str, Any]:
        gen = self._verify_session_token(token, None)
        return cast("dict[str, Any]", await self._drive_async(gen))

    # ------------------------------------------------------------------------- runners
    def _drive_sync(self, gen: Generator[Effect, Any, Any]) -> Any:
        try:
            effect = next(gen)
            while True:
                try:
                    value = self._perform_sync(effect)
                except TokenVerificationError as exc:
                    effect = gen.throw(exc)
                else:
                    effect = gen.send(value)
        except StopIteration as stop:
            return stop.value

    async def _drive_async(self, gen: Generator[Effect, Any, Any]) -> Any:
        try:
            effect = next(gen)
            while True:
                try:
                    value = await self._perform_async(effect)
                except TokenVerificationError as exc:
                    effect = gen.throw(exc)
                else:
                    effect = gen.send(value)
        except StopIteration as stop:
            return stop.value

    def _run_sync(self, flow: Flow) -> RequestState:
        return cast(RequestState, self._drive_sync(flow))

    async def _run_async(self, flow: Flow) -> RequestState:
        return cast(RequestState, await self._drive_async(flow))

    def _perform_sync(self, effect: Effect) -> Any:
        if isinstance(effect, _NeedKey):
            return self.keys.get_key(effect.kid)
        client = self._http_client
        if client is None:
            client = self._http_client = httpx.Client(follow_redirects=False)
            self._owns_http_client = True
        try:
            with client.stream(
                effect.method,
                effect.url,
                json=dict(effect.body) if effect.body is not None else None,
                headers=self._api_headers(effect.bearer),
                timeout=self.options.jwks_fetch_timeout,
            ) as response:
                body = read_capped(response, self.options.api_max_body_bytes)
        except BodyTooLarge:
            return self._too_large()
        except httpx.HTTPError:
            return _ApiResult(None, None)
        return _ApiResult(response.status_code, _json_or_none(body))

    async def _perform_async(self, effect: Effect) -> Any:
        if isinstance(effect, _NeedKey):
            return await self.keys.get_key_async(effect.kid)
        client = self._async_http_client
        owned = client is None
        if client is None:
            client = httpx.AsyncClient(follow_redirects=False)
        try:
            async with client.stream(
                effect.method,
                effect.url,
                json=dict(effect.body) if effect.body is not None else None,
                headers=self._api_headers(effect.bearer),
                timeout=self.options.jwks_fetch_timeout,
            ) as response:
                body = await aread_capped(response, self.options.api_max_body_bytes)
        except BodyTooLarge:
            return self._too_large()
        except httpx.HTTPError:
            return _ApiResult(None, None)
        finally:
            if owned:
                await client.aclose()
        return _ApiResult(response.status_code, _json_or_none(body))

    def _too_large(self) -> _ApiResult:
        # A failed call (status None): the flows report it as they report an unreachable API.
        logger.warning(
            "Clerk: a Backend API response exceeded api_max_body_bytes (%d bytes); "
            "treated as a failed call.",
            self.options.api_max_body_bytes,
        )
        return _ApiResult(None, None)

    @staticmethod
    def _api_headers(bearer: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {bearer}",
            "Clerk-API-Version": CLERK_API_VERSION_HEADER,
            "User-Agent": f"clerk-integrations/{__about__.__version__}",
        }

    # ------------------------------------------------------------------------- fast path
    def _fast_path(
        self, token: str | None, accepts_token: Any
    ) -> tuple[RequestState | None, bytes | None]:
        """A remembered Bearer session token: one hash and one dictionary lookup.

        Returns the state when the token is remembered, and the token's digest for the full
        procedure otherwise (so it is computed once per request).
        """
        if token is None or len(token) > self.options.max_token_bytes:
            return None, None
        mode = self.options.accepts_token if accepts_token is None else accepts_token
        if mode != "session_token" and mode != "any":
            return None, None
        if token.startswith(("ak_", "mt_", "oat_")):
            return None, None
        digest = hashlib.sha256(token.encode()).digest()
        claims = self._memory.get(
            digest, self._clock(), self.options.clock_skew, self.keys.generation
        )
        if claims is None:
            return None, digest
        state = RequestState(AuthStatus.SIGNED_IN, token=token, claims=claims)
        state.token_source = "header"
        return state, digest

    # ------------------------------------------------------------------------- the procedure
    def _accepts(self, accepts_token: Any) -> tuple[str | tuple[str, ...], tuple[str, ...]]:
        raw = self.options.accepts_token if accepts_token is None else accepts_token
        if raw == "any":
            return "any", TOKEN_TYPES
        if isinstance(raw, str):
            return raw, (raw,)
        return tuple(raw), tuple(raw)

    def _flow(
        self, request: RequestView, accepts_token: Any, token: str | None, digest: bytes | None
    ) -> Flow:
        mode, accepted = self._accepts(accepts_token)
        if token is not None:
            state = yield from self._header_flow(request, token, mode, accepted, digest)
            state.token_source = "header"
            return state
        if "session_token" not in accepted:
            if isinstance(mode, tuple):
                # Clerk's signedOutInvalidToken: no token is a session token, not in the list.
                return self._signed_out(request, R.TOKEN_TYPE_MISMATCH.value, "", token_type=None)
            # One machine type: machine tokens come in the Authorization header only.
            return self._signed_out(request, "No token in header", "", token_type=mode)
        state = yield from self._cookie_flow(request)
        state.token_source = "cookie"
        if not self.options.is_production:
            cookies = request.cookies_within(self.options.max_cookie_header_bytes)
            suffixed = self._uses_suffixed(cookies, self._clock())
            state.dev_browser_token = self._dev_browser_token(request, cookies, suffixed)
        return state

    def _token_kind(self, token: str) -> tuple[str, DecodedJWT | None]:
        for prefix, kind in _MACHINE_PREFIXES:
            if token.startswith(prefix):
                return kind, None
        try:
            decoded = decode_jwt(token, self.options.max_token_bytes)
        except TokenVerificationError:
            return "session_token", None
        # Clerk's getMachineTokenType: an M2M JWT by its `mch_` subject, an OAuth JWT by its typ.
        # An M2M category alone does not make one (it is a non-session category, refused below).
        sub = decoded.payload.get("sub")
        if isinstance(sub, str) and sub.startswith("mch_"):
            return "m2m_token", decoded
        if is_oauth_jwt(decoded):
            return "oauth_token", decoded
        return "session_token", decoded

    def _header_flow(
        self,
        request: RequestView,
        token: str,
        mode: str | tuple[str, ...],
        accepted: tuple[str, ...],
        digest: bytes | None = None,
    ) -> Flow:
        kind, decoded = self._token_kind(token)
        if mode == "session_token" and decoded is None:
            # Clerk's session-token mode looks for machine JWTs only: an opaque `ak_`/`mt_`/`oat_`
            # token goes to JWT verification and fails as one (token-invalid, malformed JWT).
            kind = "session_token"
        if kind not in accepted:
            if isinstance(mode, tuple):
                return self._signed_out(request, R.TOKEN_TYPE_MISMATCH.value, "", token_type=None)
            if mode != "any":
                return self._signed_out(request, R.TOKEN_TYPE_MISMATCH.value, "", token_type=mode)
        if kind != "session_token":
            return (yield from self._machine_flow(request, token, kind, decoded))
        cat = decoded.header.get("cat") if decoded is not None else None
        if cat is not None and cat not in (CAT_SESSION, CAT_IGNORE):
            # Clerk's hasNonSessionJwtCategory: a JWT template or M2M-category token is no session.
            return self._signed_out(request, R.TOKEN_TYPE_MISMATCH.value, "")
        try:
            claims = yield from self._verify_session_token(token, decoded, digest, request=request)
        except TokenVerificationError as exc:
            cookies = request.cookies_within(self.options.max_cookie_header_bytes)
            suffixed = self._uses_suffixed(cookies, self._clock())
            # Clerk's handshake and refresh carry `sessionTokenInCookie || tokenInHeader`
            # (AuthenticateContext.sessionToken), and the dev browser token on a development instance.
            in_cookie = cookies.get(
                f"__session_{self.options.cookie_suffix}" if suffixed else "__session"
            )
            return (
                yield from self._token_error(
                    request,
                    exc,
                    token,
                    "header",
                    dev_token=self._dev_browser_token(request, cookies, suffixed),
                    uses_suffixed=suffixed,
                    session_token=in_cookie or token,
                )
            )
        return RequestState(AuthStatus.SIGNED_IN, token=token, claims=claims)

    def _verify_session_token(
        self,
        token: str,
        decoded: DecodedJWT | None,
        digest: bytes | None = None,
        *,
        skew: float | None = None,
        request: RequestView | None = None,
    ) -> Generator[Effect, Any, dict[str, Any]]:
        opts = self.options
        if digest is None and skew is None:
            digest = hashlib.sha256(token.encode()).digest()
            remembered = self._memory.get(
                digest, self._clock(), opts.clock_skew, self.keys.generation
            )
            if remembered is not None:
                return remembered
        if decoded is None:
            decoded = decode_jwt(token, opts.max_token_bytes)
        check_session_header(decoded)
        header = decoded.header
        kid = header.get("kid")
        if header.get("alg") != "RS256":
            # Clerk resolves the key before it checks the algorithm, so an unknown kid is reported
            # first. A bad algorithm never causes a fetch here: only what is cached is consulted.
            if self.keys.knows(kid) is False:
                raise TokenVerificationError(R.JWK_KID_MISMATCH, kid_mismatch_message(kid))
            check_algorithm(header)
        generation = self.keys.generation
        key: RSAPublicKey = yield _NeedKey(kid)
        verify_signature(decoded, key)
        payload = decoded.payload
        now = self._clock()
        check_session_claims(
            payload,
            now=now,
            skew=opts.clock_skew if skew is None else skew,
            issuer=self._issuers(request),
            authorized_parties=opts.authorized_parties,
            audience=cast("tuple[str, ...] | None", opts.audience),
        )
        claims: dict[str, Any] = freeze(payload)
        # Remembered claims are served without the request, so only a token whose issuer holds on
        # every request is remembered: not one accepted through a relative proxy_url on this
        # request's own origin (another host must not find it already verified).
        host_independent = not opts.issuers or claims.get("iss") in opts.issuers
        if skew is None and digest is not None and host_independent:
            self._memory.put(digest, claims, float(claims["exp"]), generation)
        return claims

    def _issuers(self, request: RequestView | None) -> tuple[str, ...] | None:
        """The ``iss`` values a session token may carry (Policy 3), ``None`` for no check.

        The instance's Frontend API identities (``ClerkOptions.issuers``), and with a relative
        ``proxy_url`` the proxy on this request's own origin, when that origin may be trusted
        (:mod:`clerk_core.hosts`).
        """
        opts = self.options
        if not opts.issuers:
            return None
        proxy = opts.proxy_url
        if request is None or proxy is None or not proxy.startswith("/"):
            return opts.issuers
        public = trusted_public_url(request, opts)
        if public is None:
            return opts.issuers
        origin = f"{public.scheme}://{public.netloc}".lower()
        return (*opts.issuers, origin + proxy.rstrip("/"), origin)

    # ------------------------------------------------------------------------- machine tokens
    def _machine_flow(
        self, request: RequestView, token: str, kind: str, decoded: DecodedJWT | None
    ) -> Flow:
        opts = self.options
        if decoded is not None:
            try:
                claims = yield from self._verify_machine_jwt(decoded, kind)
            except TokenVerificationError as exc:
                return self._signed_out(request, exc.reason, _machine_message(exc), token_type=kind)
            if kind == "m2m_token":
                # M2M scopes: the space-separated `scopes` claim, else `aud`.
                scopes = _str_list(claims["scopes"] if "scopes" in claims else claims.get("aud"))
            else:
                scopes = _str_list(claims["scp"] if "scp" in claims else claims.get("scope"))
            machine = MachineAuth(
                kind,
                id=_str(claims.get("jti")),
                subject=_str(claims.get("sub")),
                scopes=scopes,
                claims=claims,
                token=token,
                client_id=_str(claims.get("client_id")),
            )
            return RequestState(AuthStatus.SIGNED_IN, token=token, token_type=kind, machine=machine)
        path, field, not_found = _MACHINE_VERIFY[kind]
        bearer = (
            opts.machine_secret_key
            if kind == "m2m_token" and opts.machine_secret_key
            else opts.secret_key
        )
        if not bearer:
            return self._signed_out(
                request,
                R.SECRET_KEY_INVALID.value,
                "A secret key is needed to verify machine tokens.",
                token_type=kind,
            )
        result: _ApiResult = yield _ApiCall(
            "POST", f"{opts.api_url}/{path}", {field: token}, bearer
        )
        data = result.data if isinstance(result.data, dict) else {}
        if result.status == 200 and not data.get("revoked") and not data.get("expired"):
            try:
                if kind == "oauth_token":
                    # Clerk's IdPOAuthAccessTokenApi.verify checks the answer's `aud` against
                    # the `audience` option (verifyOAuthToken).
                    check_oauth_audience(data.get("aud"), opts.audience, missing="aud" not in data)
                self._check_machine_allowed(
                    kind, subject=data.get("subject"), client_id=data.get("client_id"), is_jwt=False
                )
            except TokenVerificationError as exc:
                return self._signed_out(request, exc.reason, _machine_message(exc), token_type=kind)
            machine = MachineAuth(
                kind,
                id=_str(data.get("id")),
                subject=_str(data.get("subject")),
                scopes=_str_list(data.get("scopes")),
                claims=data.get("claims") if isinstance(data.get("claims"), dict) else None,
                token=token,
                name=_str(data.get("name")),
                client_id=_str(data.get("client_id")),
            )
            return RequestState(AuthStatus.SIGNED_IN, token=token, token_type=kind, machine=machine)
        # Clerk's texts (handleClerkAPIError in tokens/verify.ts, getFullMessage).
        if result.status == 401:
            code, message = R.SECRET_KEY_INVALID.value, _api_message(data) or "Invalid secret key"
        elif result.status == 404 or result.status == 200:
            code, message = R.TOKEN_INVALID.value, not_found
        else:
            code, message = AuthErrorReason.UNEXPECTED_ERROR.value, "Unexpected error"
        status = result.status or "n/a"
        return self._signed_out(
            request, code, f"{message} (code={code}, status={status})", token_type=kind
        )

    def _verify_machine_jwt(
        self, decoded: DecodedJWT, kind: str
    ) -> Generator[Effect, Any, dict[str, Any]]:
        header = decoded.header
        if kind == "m2m_token":
            cat = header.get("cat")
            if cat is not None and cat != "cl_B7d4PD333AAA":
                raise TokenVerificationError(R.TOKEN_INVALID, "Invalid M2M JWT category.")
            check_common_header(header, allow_typ=("JWT",))
        else:
            check_common_header(header, allow_typ=("at+jwt", "application/at+jwt"))
        check_algorithm(header)
        key: RSAPublicKey = yield _NeedKey(header.get("kid"))
        verify_signature(decoded, key)
        payload = decoded.payload
        check_machine_claims(payload, now=self._clock(), skew=self.options.clock_skew)
        if kind == "oauth_token":
            # Clerk's verifyOAuthJwt: the `audience` option applies to OAuth JWTs too.
            check_oauth_audience(
                payload.get("aud"), self.options.audience, missing="aud" not in payload
            )
        self._check_machine_allowed(
            kind,
            subject=payload.get("sub"),
            client_id=payload.get("client_id"),
            issuer=payload.get("iss"),
            is_jwt=True,
        )
        return payload

    def _check_machine_allowed(
        self, kind: str, *, subject: Any, client_id: Any, issuer: Any = None, is_jwt: bool
    ) -> None:
        opts = self.options
        check_machine_allow_lists(
            kind,
            subject=subject,
            client_id=client_id,
            issuer=issuer,
            is_jwt=is_jwt,
            issuers=cast("tuple[str, ...] | None", opts.machine_token_issuers),
            oauth_client_ids=cast("tuple[str, ...] | None", opts.oauth_client_ids),
            m2m_machine_ids=cast("tuple[str, ...] | None", opts.m2m_machine_ids),
        )

    # ------------------------------------------------------------------------- cookie path
    def _uses_suffixed(self, cookies: Mapping[str, str], now: float) -> bool:
        """Clerk's eight-step choice between ``__session`` and ``__session_<suffix>``.

        A token "belongs to this instance" when its ``iss`` names the instance's own Frontend API
        (Clerk's ``originalFrontendApi``): a production satellite's ``clerk.<domain>``, else the
        publishable key's host; never the proxy. The suffix itself hashes the publishable key as
        configured, for primaries and satellites alike (Clerk's ``getCookieSuffix``).
        """
        opts = self.options
        own_fapi = opts.satellite_frontend_api or opts.frontend_api
        suffix = opts.cookie_suffix
        limit = opts.max_token_bytes
        session = cookies.get("__session")
        uat = cookies.get("__client_uat")
        s_session = cookies.get(f"__session_{suffix}")
        s_uat = cookies.get(f"__client_uat_{suffix}")
        payload = _peek_payload(session, limit)
        if session:
            if payload is None or payload.get("iss") in (None, False, 0, ""):  # JS falsy
                return False
            iss = payload["iss"]
            if not isinstance(iss, str) or _SCHEME.sub("", iss) != own_fapi:
                return True
        if not s_uat and not s_session:
            return False
        s_payload = _peek_payload(s_session, limit)
        iat = _num(payload.get("iat")) if payload else 0
        s_iat = _num(s_payload.get("iat")) if s_payload else 0
        if s_uat != "0" and uat != "0" and iat > s_iat:
            return False
        if s_uat == "0" and uat != "0":
            return False
        if not opts.is_production and s_uat != "0" and uat == "0":
            exp = _num(s_payload.get("exp")) if s_payload else None
            if s_payload is not None and exp is not None and exp <= now:
                return False
        return not (not s_uat and s_session)

    def _dev_browser_token(
        self, request: RequestView, cookies: Mapping[str, str], suffixed: bool
    ) -> str | None:
        """The development browser token: the ``__clerk_db_jwt`` query parameter, else the cookie of
        the set Clerk reads (``__clerk_db_jwt_<suffix>`` when suffixed cookies are in use, never
        the un-suffixed one, which another development app on the same host may own);
        AuthenticateContext's ``devBrowserToken``. ``None`` on a production instance."""
        if self.options.is_production:
            return None
        suffix = f"_{self.options.cookie_suffix}" if suffixed else ""
        return (
            request.query_param("__clerk_db_jwt") or cookies.get(f"__clerk_db_jwt{suffix}") or None
        )

    def _cookie_flow(self, request: RequestView) -> Flow:
        opts = self.options
        cookies = request.cookies_within(opts.max_cookie_header_bytes)
        now = self._clock()
        suffixed = self._uses_suffixed(cookies, now)
        suffix = f"_{opts.cookie_suffix}" if suffixed else ""
        session_token = cookies.get(f"__session{suffix}") or None
        client_uat = _parse_int(cookies.get(f"__client_uat{suffix}"))
        development = not opts.is_production
        dev_token = self._dev_browser_token(request, cookies, suffixed)

        # Step 1: the browser is back from Clerk's handshake with fresh cookies to set. Only a GET
        # navigation is such a return trip (Policy 12); anything else just reads its cookies.
        nonce = request.query_param("__clerk_handshake_nonce") or cookies.get(
            "__clerk_handshake_nonce"
        )
        handshake = request.query_param("__clerk_handshake") or cookies.get("__clerk_handshake")
        if (nonce or handshake) and self._is_handshake_return(request):
            resolved = yield from self._resolve_handshake(request, nonce, handshake)
            if resolved is not None:
                return resolved

        def hs(
            reason: str,
            message: str = "",
            location: str | None = None,
        ) -> RequestState:
            return self._handshake_or_signed_out(
                request,
                reason,
                message,
                session_token=session_token,
                dev_token=dev_token,
                uses_suffixed=suffixed,
                location=location,
            )

        # Satellite sync (document GETs only; skipped once `__clerk_synced=true`). Without
        # cookies and without `__clerk_synced=false`, a satellite syncs only with
        # `satellite_auto_sync` (Clerk's `satelliteAutoSync`, default false): otherwise the request
        # is signed out with no redirect. With cookies it goes on to verify them (and may refresh).
        synced = request.query_param("__clerk_synced")
        if (
            opts.is_satellite
            and request.method == "GET"
            and request.headers.get("sec-fetch-dest") == "document"
            and synced != "true"
        ):
            has_cookies = bool(session_token or client_uat)
            if not has_cookies and synced != "false" and not opts.satellite_auto_sync:
                return self._signed_out(
                    request, AuthErrorReason.SESSION_TOKEN_AND_UAT_MISSING.value, ""
                )
            if not has_cookies or synced == "false":
                if not development:
                    return hs(AuthErrorReason.SATELLITE_COOKIE_NEEDS_SYNCING.value)
                # Development: the primary's sign-in page syncs the dev browser and sends us back.
                current = trusted_public_url(request, opts)
                if current is None:
                    return self._signed_out(
                        request, AuthErrorReason.SATELLITE_COOKIE_NEEDS_SYNCING.value, ""
                    )
                target = with_query(
                    opts.sign_in_url or "", [("__clerk_redirect_url", current.geturl())]
                )
                return hs(AuthErrorReason.SATELLITE_COOKIE_NEEDS_SYNCING.value, location=target)
        # A development primary answering a satellite's sync: back to the satellite with the dev
        # browser token. Clerk JS follows any URL here; we follow only this app's own origins.
        back = request.query_param("__clerk_redirect_url") if development else None
        if back and not opts.is_satellite:
            target_url = self._own_origin_url(request, back)
            if target_url is not None:
                extra = [("__clerk_db_jwt", dev_token)] if dev_token else []
                target = with_query(
                    target_url, [*extra, ("__clerk_synced", "true")], replace=("__clerk_synced",)
                )
                return hs(AuthErrorReason.PRIMARY_RESPONDS_TO_SYNCING.value, location=target)
        if development and request.query_param("__clerk_db_jwt"):
            return hs(AuthErrorReason.DEV_BROWSER_SYNC.value)
        if development and not dev_token:
            return hs(AuthErrorReason.DEV_BROWSER_MISSING.value)
        if not client_uat and not session_token:
            return self._signed_out(
                request, AuthErrorReason.SESSION_TOKEN_AND_UAT_MISSING.value, ""
            )
        if not client_uat and session_token:
            return hs(AuthErrorReason.SESSION_TOKEN_WITHOUT_CLIENT_UAT.value)
        if client_uat and not session_token:
            return hs(AuthErrorReason.CLIENT_UAT_WITHOUT_SESSION_TOKEN.value)
        assert session_token is not None
        try:
            decoded = decode_jwt(session_token, opts.max_token_bytes)
        except TokenVerificationError as exc:
            return self._signed_out(request, exc.reason, exc.full_message("cookie"))
        cat = decoded.header.get("cat")
        # Clerk's isMachineJwt: an M2M JWT or an OAuth access token (typ at+jwt) in the cookie.
        if (
            is_machine_jwt(decoded)
            or is_oauth_jwt(decoded)
            or (cat is not None and cat not in ("cl_B7d4PD111AAA", "cl_I7d4PD111III"))
        ):
            return self._signed_out(
                request,
                R.TOKEN_TYPE_MISMATCH.value,
                self._message(
                    "The session cookie does not hold a session token.",
                    R.TOKEN_TYPE_MISMATCH.value,
                    "cookie",
                ),
            )
        iat = _num(decoded.payload.get("iat"))
        if iat < client_uat:
            return hs(AuthErrorReason.SESSION_TOKEN_IAT_BEFORE_CLIENT_UAT.value)
        try:
            claims = yield from self._verify_session_token(session_token, decoded, request=request)
        except TokenVerificationError as exc:
            return (
                yield from self._token_error(
                    request,
                    exc,
                    session_token,
                    "cookie",
                    dev_token=dev_token,
                    uses_suffixed=suffixed,
                )
            )
        if not opts.is_satellite and self._cross_origin_sync_needed(request, cookies):
            return hs(
                AuthErrorReason.PRIMARY_DOMAIN_CROSS_ORIGIN_SYNC.value,
                "Cross-origin request from satellite domain requires handshake",
            )
        activate = self._organization_to_activate(request, claims)
        if activate is not None and _redirect_count(cookies) < 3:
            state = hs(AuthErrorReason.ACTIVE_ORGANIZATION_MISMATCH.value)
            if state.status is AuthStatus.HANDSHAKE:
                return state  # otherwise (not a page request) the request goes on signed in
        if "azp" not in claims and not self._warned_azp:
            self._warned_azp = True
            logger.warning(
                "Clerk session token has no 'azp' claim. Set authorized_parties "
                "(CLERK_AUTHORIZED_PARTIES) to the origins of your app to check it."
            )
        return RequestState(AuthStatus.SIGNED_IN, token=session_token, claims=claims)

    def _organization_to_activate(
        self, request: RequestView, claims: Mapping[str, Any]
    ) -> str | None:
        """Organization sync: the ``organization_id`` to activate (``""`` for the personal account)
        when this path names another organization than the session's; ``None`` when in step."""
        if not (self._org_patterns or self._personal_patterns):
            return None
        if not claims.get("sub") or claims.get("sts") == "pending":
            return None
        target = self._organization_sync_target(request)
        if target is None:
            return None
        kind, value = target
        org = decode_org_claims(claims)
        if kind == "id":
            return value if value != org.org_id else None
        if kind == "slug":
            return value if value != org.org_slug else None
        return "" if org.org_id else None

    def _organization_sync_target(self, request: RequestView) -> tuple[str, str] | None:
        """OrganizationMatcher.findTarget: ``("id", id)`` or ``("slug", slug)`` from the first
        organization pattern that matches the path; else, when no organization pattern matched
        with an ``:id`` or ``:slug``, ``("personal", "")`` if a personal-account pattern matches."""
        if not (self._org_patterns or self._personal_patterns):
            return None
        path = request.split_url.path or "/"
        for pattern in self._org_patterns:
            params = match_path(pattern, path)
            if params is None:
                continue
            if params.get("id"):
                return "id", str(params["id"])
            if params.get("slug"):
                return "slug", str(params["slug"])
            break  # Clerk's matcher is one pattern: the first alternative that matches decides
        for pattern in self._personal_patterns:
            if match_path(pattern, path) is not None:
                return "personal", ""
        return None

    def _is_handshake_return(self, request: RequestView) -> bool:
        """Whether a handshake nonce or token on this request may be resolved (Policy 12).

        Only on a GET navigation: Clerk's Frontend API comes back with a redirect that the browser
        follows as a document (or iframe) GET, so a POST, a ``fetch`` or a HEAD carrying one is
        forged or stale (HEAD too: a link checker or prefetcher must not spend a single-use nonce,
        and no browser returns from Clerk with it). And never under a Bearer ``Authorization``
        header, which a handshake must not override; another scheme (the Basic credentials a
        browser sends to a site behind HTTP authentication) carries no Clerk token and does not
        count.
        """
        if not self._eligible_for_handshake(request):
            return False
        authorization = request.headers.get("authorization", "").strip(" \t")
        return authorization[:6].lower() != "bearer"

    def _resolve_handshake(
        self, request: RequestView, nonce: str | None, handshake: str | None
    ) -> Generator[Effect, Any, RequestState | None]:
        """Apply what Clerk's handshake sent back (a nonce to redeem, or a signed token).

        As Clerk's ``HandshakeService.resolveHandshake``: the state is signed in (or signed out,
        ``session-token-missing``, when the payload holds no session cookie) and carries the
        payload's ``Set-Cookie`` lines. On a development instance it also carries a ``Location``:
        the same URL without the handshake parameters, which every adapter answers with a 307
        (:func:`clerk_core.responses.early_response`); that redirect counts against the
        redirect-loop limit, and past the limit the request goes on as in production.

        ``None`` when the payload cannot be had, or its session token does not verify: the normal
        procedure then reads the cookies the request carries (Clerk JS does so for a bad session
        token; for a nonce it cannot redeem it answers signed out, which this engine does not).
        """
        opts = self.options
        if nonce and opts.secret_key:
            directives = yield from self._redeem_nonce(nonce, opts.secret_key)
        elif handshake:
            directives = yield from self._handshake_token_directives(handshake)
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
            headers.append(("set-cookie", _header_safe(directive)))
            name, _, value = directive.split(";", 1)[0].partition("=")
            if name.strip().startswith("__session"):
                session_token = value.strip()
        claims: dict[str, Any] | None = None
        if session_token:
            claims = yield from self._handshake_session_claims(session_token, request)
            if claims is None:
                return None
        development = not opts.is_production
        # The development redirect counts against the loop limit: a return trip that keeps coming
        # back (a handshake cookie nobody clears) stops redirecting at the limit. On a host that
        # may not be used in a redirect, the request goes on with the cookies, as in production.
        count = _redirect_count(request.cookies_within(opts.max_cookie_header_bytes))
        public = None
        if development and count < _MAX_REDIRECTS:
            public = trusted_public_url(request, opts)
        elif development:
            logger.warning(
                "Clerk: the handshake's return trip keeps coming back (redirect limit reached);"
                " answering without a redirect."
            )
        if public is not None:
            headers += [
                # The fragment, when a caller's URL has one (browsers never send it), stays.
                (
                    "location",
                    _without_handshake_params(public._replace(fragment=request.split_url.fragment)),
                ),
                ("cache-control", "no-store"),
                (
                    "set-cookie",
                    f"__clerk_redirect_count={js_number_to_string(count + 1)}; "
                    "SameSite=Lax; HttpOnly; Max-Age=2",
                ),
            ]
        if claims is None:
            reason = AuthErrorReason.SESSION_TOKEN_MISSING.value
            return RequestState(
                AuthStatus.SIGNED_OUT,
                reason=reason,
                message="",
                headers=self._debug_headers(AuthStatus.SIGNED_OUT, reason, None) + headers,
            )
        return RequestState(
            AuthStatus.SIGNED_IN, token=session_token, claims=claims, headers=headers
        )

    def _handshake_session_claims(
        self, session_token: str, request: RequestView
    ) -> Generator[Effect, Any, dict[str, Any] | None]:
        """The claims of the session token a handshake payload carries; ``None`` when it does not
        verify (the caller then reads the request's own cookies, as Clerk JS does).

        On a development instance a time-based failure is retried with a one-day tolerance, as in
        Clerk JS (a developer's clock is often wrong)."""
        try:
            return (yield from self._verify_session_token(session_token, None, request=request))
        except TokenVerificationError as exc:
            time_based = exc.reason in (
                R.TOKEN_EXPIRED.value,
                R.TOKEN_NOT_ACTIVE_YET.value,
                R.TOKEN_IAT_IN_THE_FUTURE.value,
            )
            if not (time_based and not self.options.is_production):
                logger.warning(
                    "Clerk: the handshake's session token does not verify (%s); using the "
                    "request's cookies",
                    exc.reason,
                )
                return None
        logger.error(
            "Clerk: clock skew detected; this machine's clock looks wrong. Retrying "
            "the handshake's session token with a one-day tolerance (development)."
        )
        try:
            return (
                yield from self._verify_session_token(
                    session_token, None, skew=86_400.0, request=request
                )
            )
        except TokenVerificationError as retry:
            logger.warning(
                "Clerk: the handshake's session token does not verify (%s); using the "
                "request's cookies",
                retry.reason,
            )
            return None

    def _redeem_nonce(
        self, nonce: str, secret_key: str
    ) -> Generator[Effect, Any, list[str] | None]:
        """The cookie directives a handshake nonce stands for, or ``None`` when it cannot be had.

        The nonce's shape is checked first (``clerk_core.handshake.nonce_is_well_formed``), and a
        nonce is taken to the Backend API at most once a minute per engine: it is single-use, so a
        repeat (a replay, junk sent again, a stale ``__clerk_handshake_nonce`` cookie) costs no
        call and no share of the Backend API's rate limit. Failed redemptions spend a small budget
        (:class:`~clerk_core.handshake.RedemptionBudget`), so distinct junk nonces cannot spend it
        either: past the budget, redemption pauses until failures are earned back.
        """
        opts = self.options
        if not nonce_is_well_formed(nonce):
            logger.debug("Clerk: ignored a handshake nonce of the wrong shape")
            return None
        now = self._clock()
        if not self._redemption_budget.allows(now):
            logger.warning(
                "Clerk: handshake nonce redemption paused after repeated failures (junk nonces?);"
                " using the request's cookies"
            )
            return None
        if not self._presented_nonces.claim(nonce, now):
            logger.debug("Clerk: ignored a handshake nonce presented moments ago")
            return None
        url = (
            f"{opts.api_url}/{opts.api_version}/clients/handshake_payload"
            f"?nonce={quote(nonce, safe='')}"
        )
        result: _ApiResult = yield _ApiCall("GET", url, None, secret_key)
        data = result.data if isinstance(result.data, dict) else {}
        if result.status == 200 and isinstance(data.get("directives"), list):
            return [d for d in data["directives"] if isinstance(d, str)]
        self._redemption_budget.spend(self._clock())
        logger.warning(
            "Clerk: could not redeem the handshake nonce (status %s); using the request's cookies",
            result.status,
        )
        return None

    def _handshake_token_directives(
        self, handshake: str
    ) -> Generator[Effect, Any, list[str] | None]:
        """The cookie directives of a legacy handshake token, or ``None`` when it does not verify.

        Clerk JS checks only the header and the signature; this also refuses an ``exp`` in the past
        and an ``nbf`` or ``iat`` in the future (each when present, with the clock skew), before any
        key is looked up.
        """
        try:
            decoded = decode_jwt(handshake, 64 * 1024)
            header = decoded.header
            check_common_header(header, allow_typ=("JWT",))
            if header.get("cat") not in (None, "cl_B7d4PD111AAA", "cl_I7d4PD111III"):
                raise TokenVerificationError(R.TOKEN_INVALID, "Invalid handshake token category.")
            check_algorithm(header)
            check_handshake_times(decoded.payload, now=self._clock(), skew=self.options.clock_skew)
            key: RSAPublicKey = yield _NeedKey(header.get("kid"))
            verify_signature(decoded, key)
        except TokenVerificationError as exc:
            logger.warning("Clerk: ignored a handshake token that does not verify: %s", exc.reason)
            return None
        payload = decoded.payload.get("handshake")
        return [d for d in payload if isinstance(d, str)] if isinstance(payload, list) else []

    def _cross_origin_sync_needed(self, request: RequestView, cookies: Mapping[str, str]) -> bool:
        """Clerk's ``shouldForceHandshakeForCrossDomain``: a GET document request on the primary
        whose ``Referer`` is on another origin (AuthenticateContext.isCrossOriginReferrer) that is
        not one of Clerk's own (isKnownClerkReferrer), outside a redirect loop."""
        referer = request.headers.get("referer")
        if (
            request.method != "GET"
            or request.headers.get("sec-fetch-dest") != "document"
            or not referer
        ):
            return False
        if _redirect_count(cookies) != 0:
            return False
        parsed = js_url_origin(referer)
        if parsed is None:
            return False  # `new URL(referrer)` throws (not an absolute URL): Clerk goes on
        ref_origin, ref_host = parsed
        public = request.public_url(trust_forwarded=self.options.trust_forwarded_headers)
        # Origins compare as the URL standard serialises them: scheme, host, and the port only
        # when it is not the scheme's default (`https://app.example.com:443/` is same-origin). An
        # opaque origin (`mailto:x`, `file:///x`, `android-app://...`) is another origin.
        if ref_origin is not None and ref_origin == origin_of(public):
            return False
        return not self._is_clerk_origin(ref_origin, ref_host, public)

    def _own_origin_url(self, request: RequestView, url: str) -> str | None:
        """``url`` when it is an absolute URL on this request's origin, one of
        ``authorized_parties`` or ``allowed_redirect_origins`` (docs/protect.md)."""
        if not url.lower().startswith(("http://", "https://")):
            return None
        public = trusted_public_url(request, self.options)
        allowed = [*self.options.authorized_parties, *self.options.allowed_redirect_origins]
        return safe_redirect_url(url, current=public, allowed_origins=allowed)

    def _clerk_frontend_api(self) -> str:
        """Clerk's ``frontendApi`` for this instance (parsePublishableKey with the proxy URL, domain
        and satellite flag): the proxy URL, a production satellite's ``clerk.<domain>``, or the
        publishable key's host."""
        opts = self.options
        return opts.proxy_url or opts.satellite_frontend_api or opts.frontend_api or ""

    def _is_clerk_origin(self, ref_origin: str | None, host: str, public: SplitResult) -> bool:
        """AuthenticateContext.isKnownClerkReferrer: the Frontend API's host (any scheme or port),
        on a development instance a development Account Portal (``*.accounts.dev`` and the like,
        but not a ``*.clerk.accounts.dev`` Frontend API of another instance; legacy
        ``accounts.*.lcl.dev``), or the Account Portal derived from the Frontend API (as an
        ``https`` origin)."""
        fapi = self._clerk_frontend_api()
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
        if not self.options.is_production:
            if any(
                host.endswith(suffix) and not host.endswith(".clerk" + suffix)
                for suffix in _DEV_ACCOUNT_SUFFIXES
            ):
                return True
            if host.startswith("accounts.") and host.endswith(_LEGACY_DEV_SUFFIXES):
                return True
        return bool(accounts) and ref_origin == f"https://{accounts}"

    # ------------------------------------------------------------------------- outcomes
    @staticmethod
    def _message(message: str, reason: str, carrier: str) -> str:
        return f"{message} (reason={reason}, token-carrier={carrier})"

    def _debug_headers(
        self, status: AuthStatus, reason: str | None, message: str | None
    ) -> Headers:
        headers: Headers = [("x-clerk-auth-status", status.value)]
        if reason:
            headers.append(("x-clerk-auth-reason", reason))
        if message:
            headers.append(("x-clerk-auth-message", _header_safe(message)))
        return headers

    def _signed_out(
        self,
        request: RequestView,
        reason: str,
        message: str,
        token_type: str | None = "session_token",
    ) -> RequestState:
        if reason == R.TOKEN_TYPE_MISMATCH.value:
            message = ""  # Clerk's text for every token-type mismatch: none
        return RequestState(
            AuthStatus.SIGNED_OUT,
            reason=reason,
            message=message,
            token_type=token_type,
            headers=self._debug_headers(AuthStatus.SIGNED_OUT, reason, message),
        )

    def _unexpected(self) -> RequestState:
        reason = AuthErrorReason.UNEXPECTED_ERROR.value
        return RequestState(
            AuthStatus.SIGNED_OUT,
            reason=reason,
            message="",  # Clerk's: none (the exception is logged)
            headers=self._debug_headers(AuthStatus.SIGNED_OUT, reason, None),
        )

    def _token_error(
        self,
        request: RequestView,
        exc: TokenVerificationError,
        token: str,
        carrier: str,
        *,
        dev_token: str | None,
        uses_suffixed: bool,
        session_token: str | None = None,
    ) -> Flow:
        """Clerk's handling of a failed session token: refresh, handshake or signed out.

        ``session_token`` is the token a refresh and a handshake carry (Clerk's
        ``sessionTokenInCookie || tokenInHeader``); ``token`` by default."""
        carried = token if session_token is None else session_token
        reason = exc.reason
        message = exc.full_message(carrier)
        if reason == R.TOKEN_EXPIRED.value:
            cookies = request.cookies_within(self.options.max_cookie_header_bytes)
            refresh_cookie = cookies.get(f"__refresh_{self.options.cookie_suffix}")
            if request.method != "GET":
                refresh_error = "non-eligible-non-get"
            elif not refresh_cookie:
                refresh_error = "non-eligible-no-refresh-cookie"
            else:
                outcome = yield from self._refresh(request, carried, refresh_cookie, uses_suffixed)
                if isinstance(outcome, RequestState):
                    return outcome
                refresh_error = outcome
            hs_reason = f"{AuthErrorReason.SESSION_TOKEN_EXPIRED.value}-refresh-{refresh_error}"
        elif reason == R.TOKEN_NOT_ACTIVE_YET.value:
            hs_reason = AuthErrorReason.SESSION_TOKEN_NBF.value
        elif reason == R.TOKEN_IAT_IN_THE_FUTURE.value:
            hs_reason = AuthErrorReason.SESSION_TOKEN_IAT_IN_THE_FUTURE.value
        else:
            return self._signed_out(request, reason, message)
        return self._handshake_or_signed_out(
            request,
            hs_reason,
            message,
            session_token=carried,
            dev_token=dev_token,
            uses_suffixed=uses_suffixed,
        )

    def _refresh(
        self, request: RequestView, expired: str, refresh_token: str, uses_suffixed: bool
    ) -> Generator[Effect, Any, RequestState | str]:
        """Exchange an expired session token and the ``__refresh`` cookie for fresh cookies.

        Returns the signed-in state (carrying the ``Set-Cookie`` directives), or Clerk's refresh
        error string for the reason ``session-token-expired-refresh-<error>``.
        """
        opts = self.options
        if not opts.secret_key:
            return "missing-api-client"
        payload = _peek_payload(expired, opts.max_token_bytes)
        if payload is None:
            return "expired-session-token-decode-failed"
        sid = payload.get("sid")
        if not isinstance(sid, str) or not sid:
            return "expired-session-token-missing-sid-claim"
        try:
            sid_segment = path_segment("sid", sid)  # never '..' or '/': one path segment
        except ValueError:
            return "expired-session-token-missing-sid-claim"
        public = request.public_url(trust_forwarded=opts.trust_forwarded_headers)
        body = {
            "format": "cookie",
            "expired_token": expired,
            "refresh_token": refresh_token,
            "request_origin": f"{public.scheme}://{public.netloc}",
            "request_headers": {name: [value] for name, value in request.headers.items()},
        }
        suffixed = "true" if uses_suffixed else "false"
        url = (
            f"{opts.api_url}/{opts.api_version}/sessions/{sid_segment}/refresh"
            f"?suffixed_cookies={suffixed}"
        )
        result: _ApiResult = yield _ApiCall("POST", url, body, opts.secret_key)
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
                    return _header_safe(code)
            return "unexpected-bapi-error"
        cookies = data.get("cookies") if data else None
        if not isinstance(cookies, list) or not cookies:
            return "unexpected-sdk-error"
        directives = [c for c in cookies if isinstance(c, str)]
        session_token = ""
        for directive in directives:
            name, _, rest = directive.split(";", 1)[0].partition("=")
            if name.strip().startswith("__session"):
                session_token = rest.strip()
        try:
            claims = yield from self._verify_session_token(session_token, None, request=request)
        except TokenVerificationError:
            return "invalid-session-token"
        headers: Headers = [("set-cookie", _header_safe(d)) for d in directives]
        return RequestState(
            AuthStatus.SIGNED_IN, token=session_token, claims=claims, headers=headers
        )

    @staticmethod
    def _eligible_for_handshake(request: RequestView) -> bool:
        """HandshakeService.isRequestEligibleForHandshake: a GET for a document or an iframe; an
        empty ``Sec-Fetch-Dest`` counts as absent, and then ``Accept: text/html`` decides."""
        if request.method != "GET":
            return False
        dest = request.headers.get("sec-fetch-dest") or None
        if dest is not None:
            return dest in ("document", "iframe")
        return request.headers.get("accept", "").startswith("text/html")

    def _handshake_or_signed_out(
        self,
        request: RequestView,
        reason: str,
        message: str,
        *,
        session_token: str | None,
        dev_token: str | None,
        uses_suffixed: bool,
        location: str | None = None,
    ) -> RequestState:
        if not self._eligible_for_handshake(request):
            return self._signed_out(request, reason, message)
        # HandshakeService.checkAndTrackRedirectLoop: a loop is a counter of exactly 3 (Clerk's own
        # cookie only ever counts 1, 2, 3); the new value is written as JavaScript writes `count + 1`.
        count = _redirect_count(request.cookies_within(self.options.max_cookie_header_bytes))
        if count == _MAX_REDIRECTS:
            _log_redirect_loop(reason)
            return self._signed_out(request, reason, message)
        if location is None:
            location = self._handshake_location(
                request, reason, session_token, dev_token, uses_suffixed
            )
            if location is None:  # the request's host may not be used in a redirect
                return self._signed_out(request, reason, message)
            # HandshakeService.buildRedirectToHandshake names the path's organization sync target
            # on every handshake, whatever its reason.
            target = self._organization_sync_target(request)
            if target is not None:
                location = with_query(location, [("organization_id", target[1])])
        headers = self._debug_headers(AuthStatus.HANDSHAKE, reason, message)
        headers.extend(
            [
                ("location", location),
                ("cache-control", "no-store"),
                (
                    "set-cookie",
                    f"__clerk_redirect_count={js_number_to_string(count + 1)}; "
                    "SameSite=Lax; HttpOnly; Max-Age=2",
                ),
            ]
        )
        return RequestState(
            AuthStatus.HANDSHAKE,
            reason=reason,
            message=message,
            headers=headers,
        )

    def _handshake_location(
        self,
        request: RequestView,
        reason: str,
        session_token: str | None,
        dev_token: str | None,
        uses_suffixed: bool,
    ) -> str | None:
        """Clerk's handshake URL, ``None`` when the request's host may not be used in its
        ``redirect_url`` (see :mod:`clerk_core.hosts`)."""
        opts = self.options
        public = trusted_public_url(request, opts)
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
            if pair and pair.split("=", 1)[0] not in ("__clerk_db_jwt", "__dev_session")
        )
        redirect_url = SplitResult(public.scheme, public.netloc, public.path, query, "").geturl()
        params: list[tuple[str, str]] = [
            ("redirect_url", redirect_url),
            ("__clerk_api_version", CLERK_API_VERSION_HEADER),
            ("suffixed_cookies", "true" if uses_suffixed else "false"),
            ("__clerk_hs_reason", reason),
            ("format", "nonce"),
        ]
        if session_token:
            params.append(("__session", session_token))
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


_HANDSHAKE_PARAMS = frozenset(
    ("__clerk_handshake", "__clerk_help", "__clerk_db_jwt", "__clerk_handshake_nonce")
)


def _without_handshake_params(url: SplitResult) -> str:
    """``url`` without the handshake's query parameters (Clerk's ``searchParams.delete``: names
    are compared decoded); the other parameters keep their encoding, and the fragment stays."""
    query = "&".join(
        pair
        for pair in url.query.split("&")
        if pair and unquote_plus(pair.split("=", 1)[0]) not in _HANDSHAKE_PARAMS
    )
    return SplitResult(url.scheme, url.netloc, url.path, query, url.fragment).geturl()


def _machine_message(exc: TokenVerificationError) -> str:
    """Clerk's ``MachineTokenVerificationError.getFullMessage()`` for a machine token refused
    without a Backend API answer (a JWT, an allow-list)."""
    return f"{exc.message} (code={exc.reason}, status=n/a)"


def _api_message(data: Mapping[str, Any]) -> str | None:
    """The first Backend API error's ``message``, when it is a short printable text."""
    errors = data.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else None
    message = first.get("message") if isinstance(first, dict) else None
    if isinstance(message, str) and 0 < len(message) <= 200 and message.isprintable():
        return message
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _num(value: Any) -> float:
    return float(value) if type(value) in (int, float) else 0.0


def _header_safe(value: str) -> str:
    return "".join(ch if 32 <= ord(ch) < 127 else " " for ch in value)


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None
