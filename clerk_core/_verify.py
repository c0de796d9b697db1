"""Verification of session tokens and handshake tokens (the step after the token is located).

Reads the token (and, for the issuer check with a relative ``proxy_url``, the request's context);
returns the verified claims or raises :class:`~clerk_core.errors.TokenVerificationError`. Yields a
:class:`~clerk_core._effects.NeedKey` for the signing key. A verified session token is remembered
(``_memory``). The order of checks is in docs/reliability.md ("The order of checks").
"""

from __future__ import annotations

import logging
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ._context import AuthenticateContext, Instance
from ._effects import NeedKey, Step
from ._frozen import freeze
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorReason as R
from .handshake import check_handshake_times
from .keys import kid_mismatch_message
from .tokens import (
    CAT_IGNORE,
    CAT_SESSION,
    DecodedJWT,
    check_algorithm,
    check_common_header,
    check_session_claims,
    check_session_header,
    decode_jwt,
    verify_signature,
)

__all__ = ["issuers", "verified_claims", "verify_handshake_token", "verify_session_token"]

logger = logging.getLogger("clerk_core")


def verify_session_token(
    inst: Instance,
    token: str,
    decoded: DecodedJWT | None,
    digest: bytes | None = None,
    *,
    skew: float | None = None,
    ctx: AuthenticateContext | None = None,
) -> Step[dict[str, Any]]:
    """The claims of a session token, frozen; remembered when verified with the usual skew.

    With neither ``digest`` nor ``skew`` given, the memory is asked first (a caller that passes
    ``digest`` has asked it already)."""
    opts = inst.options
    if digest is None and skew is None:
        digest = ctx.digest(token) if ctx is not None else inst.digest(token)
        remembered = inst.remembered(digest)
        if remembered is not None:
            return remembered.claims
    if decoded is None:
        decoded = decode_jwt(token, opts.max_token_bytes)
    check_session_header(decoded)
    header = decoded.header
    kid = header.get("kid")
    if header.get("alg") != "RS256":
        # Clerk resolves the key before it checks the algorithm, so an unknown kid is reported
        # first. A bad algorithm never causes a fetch here: only what is cached is consulted.
        if inst.keys.knows(kid) is False:
            raise TokenVerificationError(R.JWK_KID_MISMATCH, kid_mismatch_message(kid))
        check_algorithm(header)
    keys = inst.keys
    generation = keys.generation
    # A cached key is taken here, without a round-trip through the runner (``cached`` answers
    # only what ``get_key`` would answer with no effect at all).
    key: RSAPublicKey | None = keys.cached(kid)
    if key is None:
        key = yield NeedKey(kid)
    return verified_claims(
        inst,
        decoded,
        key,
        generation,
        digest if skew is None else None,
        skew=opts.clock_skew if skew is None else skew,
        ctx=ctx,
    )


def verified_claims(
    inst: Instance,
    decoded: DecodedJWT,
    key: RSAPublicKey,
    generation: int,
    digest: bytes | None,
    *,
    skew: float,
    ctx: AuthenticateContext | None,
) -> dict[str, Any]:
    """The last steps of session token verification, once the header passed and the key is
    known: the signature, the claims (the issuers of ``ctx``'s request, else the instance's),
    then the claims frozen and (with a ``digest``) remembered under the key set's
    ``generation`` read before the key was looked up."""
    verify_signature(decoded, key)
    opts = inst.options
    check_session_claims(
        decoded.payload,
        now=inst.clock(),
        skew=skew,
        issuer=issuers(ctx) if ctx is not None else opts.issuers or None,
        authorized_parties=opts.authorized_parties,
        audience=cast("tuple[str, ...] | None", opts.audience),
    )
    claims: dict[str, Any] = freeze(decoded.payload)
    # Remembered claims are served without the request, so only a token whose issuer holds on
    # every request is remembered: not one accepted through a relative proxy_url on this
    # request's own origin (another host must not find it already verified).
    if digest is not None and (not opts.issuers or claims.get("iss") in opts.issuers):
        times = [claims[name] for name in ("iat", "nbf") if name in claims]
        not_before = float(max(times)) if times else float("-inf")
        inst.memory.put(digest, claims, float(claims["exp"]), generation, not_before)
    return claims


def issuers(ctx: AuthenticateContext) -> tuple[str, ...] | None:
    """The ``iss`` values a session token may carry, ``None`` for no check (docs/security.md,
    "Token issuers, satellites and proxies").

    The instance's Frontend API identities (``ClerkOptions.issuers``), and with a relative
    ``proxy_url`` the proxy on this request's own origin, when that origin may be trusted
    (:mod:`clerk_core.hosts`).
    """
    opts = ctx.options
    if not opts.issuers:
        return None
    proxy = opts.proxy_url
    if proxy is None or not proxy.startswith("/"):
        return opts.issuers
    public = ctx.public_url
    if public is None:
        return opts.issuers
    origin = f"{public.scheme}://{public.netloc}".lower()
    return (*opts.issuers, origin + proxy.rstrip("/"), origin)


def verify_handshake_token(inst: Instance, handshake: str) -> Step[list[str] | None]:
    """The cookie directives of a legacy handshake token, or ``None`` when it does not verify.

    Clerk JS checks only the header and the signature; this also refuses an ``exp`` in the past
    and an ``nbf`` or ``iat`` in the future (each when present, with the clock skew), before any
    key is looked up.
    """
    try:
        decoded = decode_jwt(handshake, 64 * 1024)
        header = decoded.header
        check_common_header(header, allow_typ=("JWT",))
        if header.get("cat") not in (None, CAT_SESSION, CAT_IGNORE):
            raise TokenVerificationError(R.TOKEN_INVALID, "Invalid handshake token category.")
        check_algorithm(header)
        check_handshake_times(decoded.payload, now=inst.clock(), skew=inst.options.clock_skew)
        key: RSAPublicKey = yield NeedKey(header.get("kid"))
        verify_signature(decoded, key)
    except TokenVerificationError as exc:
        logger.warning("Clerk: ignored a handshake token that does not verify: %s", exc.reason)
        return None
    payload = decoded.payload.get("handshake")
    return [d for d in payload if isinstance(d, str)] if isinstance(payload, list) else []
