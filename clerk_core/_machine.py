"""Machine tokens in the ``Authorization`` header: API keys, M2M tokens and OAuth access tokens.

A step of the header flow. An opaque token (``ak_``, ``mt_``, ``oat_``) is verified by the Backend
API (an :class:`~clerk_core._effects.ApiCall`); a machine JWT locally, with the key it yields for.
Returns the signed-in state carrying a :class:`~clerk_core.auth.MachineAuth`, or a signed-out one
with Clerk's reason and message.

An opaque token the Backend API verified is remembered (``Instance.machine_memory``, keyed by the
token's SHA-256, never the token) until the earlier of its ``expiration`` and
``machine_token_cache_ttl`` seconds, so a client that repeats its key costs one call per TTL, not
one per request. Only a success is remembered: a refusal (404, 401, revoked, expired, an
allow-list) and a failed call (network, 5xx, 429) are asked again on the next request, so a key
created a moment later works at once and an outage is never remembered. A revoked token is
therefore refused once its entry ends: the TTL is the revocation delay.
"""

from __future__ import annotations

from collections.abc import Mapping
from hashlib import sha256
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ._context import Instance
from ._effects import ApiCall, ApiResult, Flow, NeedKey, Step
from ._frozen import freeze
from ._outcomes import signed_out
from .auth import MachineAuth
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .state import AuthErrorReason, AuthStatus, RequestState
from .tokens import (
    CAT_M2M,
    DecodedJWT,
    check_algorithm,
    check_common_header,
    check_machine_allow_lists,
    check_machine_claims,
    check_oauth_audience,
    verify_signature,
)

__all__ = ["MACHINE_PREFIXES", "machine_flow"]

MACHINE_PREFIXES = (("ak_", "api_key"), ("mt_", "m2m_token"), ("oat_", "oauth_token"))
_MACHINE_VERIFY = {
    "api_key": ("/api_keys/verify", "secret", "API key not found"),
    "m2m_token": ("/m2m_tokens/verify", "token", "Machine token not found"),
    "oauth_token": (
        "/oauth_applications/access_tokens/verify",
        "access_token",
        "OAuth token not found",
    ),
}


def machine_flow(inst: Instance, token: str, kind: str, decoded: DecodedJWT | None) -> Flow:
    """A machine token of type ``kind``: a JWT (``decoded``) locally, else by the Backend API."""
    if decoded is None:
        return (yield from _opaque_flow(inst, token, kind))
    try:
        claims = yield from _verify_machine_jwt(inst, decoded, kind)
    except TokenVerificationError as exc:
        return signed_out(exc.reason, _machine_message(exc), token_type=kind)
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


def _opaque_flow(inst: Instance, token: str, kind: str) -> Flow:
    opts = inst.options
    digest = sha256(token.encode()).digest()
    remembered = inst.machine_memory.get(digest, inst.clock(), 0.0, 0)
    if remembered is not None:
        return _signed_in(kind, token, remembered.claims)
    path, field, not_found = _MACHINE_VERIFY[kind]
    bearer = (
        opts.machine_secret_key
        if kind == "m2m_token" and opts.machine_secret_key
        else opts.secret_key
    )
    if not bearer:
        return signed_out(
            R.SECRET_KEY_INVALID.value,
            "A secret key is needed to verify machine tokens.",
            token_type=kind,
        )
    # Verifying is read-only at Clerk: one more attempt after a network error is safe.
    result: ApiResult = yield ApiCall("POST", path, json={field: token}, bearer=bearer, retry=True)
    data = result.data if isinstance(result.data, dict) else {}
    if result.status == 200 and not data.get("revoked") and not data.get("expired"):
        try:
            if kind == "oauth_token":
                # Clerk's IdPOAuthAccessTokenApi.verify checks the answer's `aud` against
                # the `audience` option (verifyOAuthToken).
                check_oauth_audience(data.get("aud"), opts.audience, missing="aud" not in data)
            _check_machine_allowed(
                inst,
                kind,
                subject=data.get("subject"),
                client_id=data.get("client_id"),
                is_jwt=False,
            )
        except TokenVerificationError as exc:
            return signed_out(exc.reason, _machine_message(exc), token_type=kind)
        data = freeze(data)  # shared by every request that repeats the token
        _remember(inst, digest, data)
        return _signed_in(kind, token, data)
    # Clerk's texts (handleClerkAPIError in tokens/verify.ts, getFullMessage).
    if result.status == 401:
        code, message = R.SECRET_KEY_INVALID.value, _api_message(data) or "Invalid secret key"
    elif result.status == 404 or result.status == 200:
        code, message = R.TOKEN_INVALID.value, not_found
    else:
        code, message = AuthErrorReason.UNEXPECTED_ERROR.value, "Unexpected error"
    status = result.status or "n/a"
    return signed_out(code, f"{message} (code={code}, status={status})", token_type=kind)


def _signed_in(kind: str, token: str, data: Mapping[str, Any]) -> RequestState:
    claims = data.get("claims")
    machine = MachineAuth(
        kind,
        id=_str(data.get("id")),
        subject=_str(data.get("subject")),
        scopes=_str_list(data.get("scopes")),
        claims=claims if isinstance(claims, dict) else None,
        token=token,
        name=_str(data.get("name")),
        client_id=_str(data.get("client_id")),
    )
    return RequestState(AuthStatus.SIGNED_IN, token=token, token_type=kind, machine=machine)


def _remember(inst: Instance, digest: bytes, data: dict[str, Any]) -> None:
    """Remember a verified answer until the earlier of the TTL and the token's ``expiration``
    (Unix milliseconds, as Clerk gives it; ``null`` for a token that never expires)."""
    ttl = inst.options.machine_token_cache_ttl
    if not ttl > 0:
        return
    now = inst.clock()
    until = now + ttl
    expiration = data.get("expiration")
    if isinstance(expiration, (int, float)) and not isinstance(expiration, bool):
        until = min(until, expiration / 1000)
    if until > now:
        inst.machine_memory.put(digest, data, until, 0)


def _verify_machine_jwt(inst: Instance, decoded: DecodedJWT, kind: str) -> Step[dict[str, Any]]:
    header = decoded.header
    if kind == "m2m_token":
        cat = header.get("cat")
        if cat is not None and cat != CAT_M2M:
            raise TokenVerificationError(R.TOKEN_INVALID, "Invalid M2M JWT category.")
        check_common_header(header, allow_typ=("JWT",))
    else:
        check_common_header(header, allow_typ=("at+jwt", "application/at+jwt"))
    check_algorithm(header)
    key: RSAPublicKey = yield NeedKey(header.get("kid"))
    verify_signature(decoded, key)
    payload = decoded.payload
    opts = inst.options
    check_machine_claims(payload, now=inst.clock(), skew=opts.clock_skew)
    if kind == "oauth_token":
        # Clerk's verifyOAuthJwt: the `audience` option applies to OAuth JWTs too.
        check_oauth_audience(payload.get("aud"), opts.audience, missing="aud" not in payload)
    _check_machine_allowed(
        inst,
        kind,
        subject=payload.get("sub"),
        client_id=payload.get("client_id"),
        issuer=payload.get("iss"),
        is_jwt=True,
    )
    return payload


def _check_machine_allowed(
    inst: Instance, kind: str, *, subject: Any, client_id: Any, issuer: Any = None, is_jwt: bool
) -> None:
    opts = inst.options
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
