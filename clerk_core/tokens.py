"""Pure JWT checks: decoding, header rules, signature and claims. No I/O happens here.

Order and reason strings follow Clerk's ``@clerk/backend``, with the stricter policies listed in
docs/reliability.md (RS256 only; ``typ`` absent or ``JWT``; no ``crit``; ``iss``, ``sid``,
``exp`` and ``iat`` required with strict types).
"""

from __future__ import annotations

import binascii
import json
import math
from collections.abc import Callable, Sequence
from email.utils import formatdate
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256

from ._frozen import freeze
from .errors import TokenVerificationError
from .errors import TokenVerificationErrorAction as A
from .errors import TokenVerificationErrorReason as R

__all__ = [
    "CAT_IGNORE",
    "CAT_JWT_TEMPLATE",
    "CAT_M2M",
    "CAT_SESSION",
    "DecodedJWT",
    "check_machine_allow_lists",
    "check_machine_claims",
    "check_session_claims",
    "check_session_header",
    "check_times",
    "decode_jwt",
    "is_machine_jwt",
    "is_oauth_jwt",
    "is_plain_session_header",
    "verify_signature",
]

CAT_SESSION = "cl_B7d4PD111AAA"
CAT_JWT_TEMPLATE = "cl_B7d4PD222AAA"
CAT_M2M = "cl_B7d4PD333AAA"
CAT_IGNORE = "cl_I7d4PD111III"
_SESSION_CATS = frozenset({CAT_SESSION, CAT_IGNORE})
_OAUTH_TYPS = frozenset({"at+jwt", "application/at+jwt"})

_B64URL_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_PADDING = PKCS1v15()
_SHA256 = SHA256()
_URLSAFE = bytes.maketrans(b"-_", b"+/")


def _not_json(constant: str) -> Any:
    # Python's json accepts NaN, Infinity and -Infinity; JSON (RFC 8259) and Clerk's JSON.parse
    # do not, so a token carrying one does not decode.
    raise ValueError(f"{constant} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_not_json)
_json_loads: Callable[[str], Any] = _DECODER.decode
_scan_json: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
"""The JSON scanner ``json.loads`` runs (the C one): called directly on text that starts with
``{``, it skips the Python layers around it; anything else goes through the decoder."""


def _b64decode(segment: str) -> bytes:
    """base64url without padding; the caller has already checked the alphabet."""
    padded = segment + "=" * (-len(segment) % 4)
    return binascii.a2b_base64(padded.encode("ascii").translate(_URLSAFE))


_FORM_MESSAGE = "Invalid JWT form. A JWT consists of three parts separated by dots."
_DECODE_MESSAGE = "Invalid JWT form. The header, payload, or signature could not be decoded."
_SHOWN_MAX = 200
"""The longest claim or header value a message quotes (a token is bounded, but a header is not the
place for kilobytes of it); longer ones are cut, ending in "..."."""


def js_json(value: Any, *, missing: bool = False) -> str:
    """``JSON.stringify(value)`` as Clerk's messages show a claim: ``undefined`` when ``missing``,
    numbers without a needless ``.0``, strings quoted; cut to :data:`_SHOWN_MAX` characters."""
    if missing:
        return "undefined"
    if isinstance(value, bool) or value is None:
        text = json.dumps(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            text = "null"
        elif value.is_integer() and abs(value) < 1e21:
            text = str(int(value))
        else:
            text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        except (TypeError, ValueError, RecursionError):
            text = "null"
    return text if len(text) <= _SHOWN_MAX else text[: _SHOWN_MAX - 3] + "..."


def _claim(payload: dict[str, Any], name: str) -> str:
    return js_json(payload.get(name), missing=name not in payload)


def utc_string(seconds: float) -> str:
    """JavaScript's ``new Date(seconds * 1000).toUTCString()`` ("Invalid Date" when out of range)."""
    try:
        return formatdate(math.floor(seconds), usegmt=True)
    except (OverflowError, ValueError, OSError):
        return "Invalid Date"


class DecodedJWT:
    """A structurally valid JWT: header and payload objects, the signed bytes and the signature."""

    __slots__ = ("header", "payload", "signature_b64", "signing_input")

    def __init__(
        self,
        header: dict[str, Any],
        payload: dict[str, Any],
        signing_input: str,
        signature_b64: str,
    ) -> None:
        self.header = header
        self.payload = payload
        self.signing_input = signing_input
        self.signature_b64 = signature_b64

    @property
    def kid(self) -> Any:
        return self.header.get("kid")


_HEADERS: dict[str, dict[str, Any]] = {}
_HEADERS_MAX = 64
"""Parsed headers by their encoded segment: the tokens of one instance share a handful of
headers, so a new token's header is usually parsed already. Bounded (emptied when full, so junk
headers cannot grow it); the dictionaries are read-only, shared between tokens."""


def _header(segment: str) -> Any:
    header = _HEADERS.get(segment)
    if header is not None:
        return header
    header = _b64json(segment)
    if type(header) is dict:
        if len(_HEADERS) >= _HEADERS_MAX:
            _HEADERS.clear()
        header = _HEADERS[segment] = freeze(header)
    return header


def _b64json(segment: str) -> Any:
    # JSON text in a JWT is UTF-8 (RFC 7519 §7.2): no encoding detection, no UTF-16.
    text = _b64decode(segment).decode("utf-8")
    if text[:1] == "{":
        # What json.loads does for text without leading whitespace: scan one value from 0;
        # only when it ends the text is it the answer (else json.loads decides, or raises).
        try:
            value, end = _scan_json(text, 0)
        except (StopIteration, ValueError):
            pass
        else:
            if end == len(text):
                return value
    return _json_loads(text)


def decode_jwt(token: str, max_bytes: int = 8192) -> DecodedJWT:
    """Split and decode a compact JWS; anything unusual is ``token-invalid`` (never another error).

    The length cap is checked before any base64 or JSON work; segments must be strict base64url
    (no padding, no ``+/``), which removes token malleability.
    """
    if not isinstance(token, str) or len(token) > max_bytes:
        raise TokenVerificationError(R.TOKEN_INVALID, _FORM_MESSAGE)
    # Two dots and base64url around them (the alphabet deleted, the dots are all that is left),
    # header and payload not empty: `[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`.
    if not (token.isascii() and token.encode().translate(None, _B64URL_ALPHABET) == b".."):
        # Clerk's decodeJwt: three dot-separated parts that do not decode (a tab, a space, a
        # padding "=") give the decoding message; any other number of parts the form message.
        three = token.count(".") == 2
        raise TokenVerificationError(R.TOKEN_INVALID, _DECODE_MESSAGE if three else _FORM_MESSAGE)
    h, p, s = token.split(".")
    if not h or not p:
        raise TokenVerificationError(R.TOKEN_INVALID, _DECODE_MESSAGE)
    try:
        header = _header(h)
        payload = _b64json(p)
    except (ValueError, binascii.Error, RecursionError, UnicodeDecodeError):
        raise TokenVerificationError(R.TOKEN_INVALID, _DECODE_MESSAGE) from None
    if not isinstance(header, dict) or type(payload) is not dict:
        raise TokenVerificationError(R.TOKEN_INVALID, _DECODE_MESSAGE)
    return DecodedJWT(header, payload, token[: len(h) + len(p) + 1], s)


def is_machine_jwt(decoded: DecodedJWT) -> bool:
    """An M2M JWT: ``sub`` starts with ``mch_`` or the header category is the M2M one."""
    sub = decoded.payload.get("sub")
    return decoded.header.get("cat") == CAT_M2M or (isinstance(sub, str) and sub.startswith("mch_"))


def is_oauth_jwt(decoded: DecodedJWT) -> bool:
    typ = decoded.header.get("typ")
    return isinstance(typ, str) and typ in _OAUTH_TYPS


def is_plain_session_header(header: dict[str, Any]) -> bool:
    """A session token's usual header: ``RS256``, a string ``kid``, no ``crit``, ``typ`` absent
    or ``JWT``, a session category or none. Such a header passes :func:`check_session_header`
    and :func:`check_algorithm` (the payload decides whether the token is a machine's)."""
    typ = header.get("typ")
    cat = header.get("cat")
    return (
        header.get("alg") == "RS256"
        and type(header.get("kid")) is str
        and (typ is None or typ == "JWT")
        and (cat is None or cat in (CAT_SESSION, CAT_IGNORE))
        and "crit" not in header
    )


def check_session_header(decoded: DecodedJWT) -> None:
    """Header rules for a session token, before any key lookup (docs/reliability.md,
    "The order of checks", steps 3 and 4)."""
    header = decoded.header
    cat = header.get("cat")
    if cat == CAT_M2M:
        # Clerk's verifyToken: an M2M-category JWT is refused before any key lookup (AISEC-91).
        raise TokenVerificationError(
            R.TOKEN_INVALID, "Invalid session token category.", action=A.ENSURE_CLERK_JWT
        )
    if cat is not None and (not isinstance(cat, str) or cat not in _SESSION_CATS):
        raise TokenVerificationError(
            R.TOKEN_TYPE_MISMATCH,
            "The token's category is not a session token (a JWT template or machine token was sent).",
        )
    if is_machine_jwt(decoded):
        raise TokenVerificationError(
            R.TOKEN_TYPE_MISMATCH, "A machine token was sent where a session token is expected."
        )
    check_common_header(header, allow_typ=("JWT",))


def check_common_header(header: dict[str, Any], *, allow_typ: Sequence[str]) -> None:
    typ = header.get("typ")
    if typ is not None and typ not in allow_typ:
        raise TokenVerificationError(
            R.TOKEN_INVALID,
            f'Invalid JWT type {js_json(typ)}. Expected "{", ".join(allow_typ)}".',
            action=A.ENSURE_CLERK_JWT,
        )
    if "crit" in header:
        raise TokenVerificationError(
            R.TOKEN_INVALID, "Critical JWT header parameters are not supported."
        )
    if "kid" in header and not isinstance(header["kid"], str):
        raise TokenVerificationError(R.TOKEN_INVALID, "Invalid JWT key ID: 'kid' must be a string.")


def check_algorithm(header: dict[str, Any]) -> None:
    alg = header.get("alg")
    if alg == "RS256":
        return
    if alg in ("RS384", "RS512"):
        # Clerk keys are labelled RS256, so Clerk JS fails these in the crypto layer.
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED, "Failed to verify the JWT: the key only verifies RS256."
        )
    # Clerk's text; the list is this project's (RS256 only: docs/reliability.md, "The order of checks").
    raise TokenVerificationError(
        R.TOKEN_INVALID_ALGORITHM,
        f"Invalid JWT algorithm {_claim(header, 'alg')}. Supported: RS256.",
        action=A.ENSURE_CLERK_JWT,
    )


def verify_signature(decoded: DecodedJWT, key: RSAPublicKey) -> None:
    try:
        signature = _b64decode(decoded.signature_b64)
    except (ValueError, binascii.Error):
        raise TokenVerificationError(
            R.TOKEN_INVALID_SIGNATURE, "JWT signature is invalid."
        ) from None
    try:
        key.verify(signature, decoded.signing_input.encode("ascii"), _PADDING, _SHA256)
    except InvalidSignature:
        raise TokenVerificationError(
            R.TOKEN_INVALID_SIGNATURE, "JWT signature is invalid."
        ) from None
    except Exception:  # a crypto-layer failure: never a 500
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED, "Failed to verify the JWT signature."
        ) from None


_TIME_CLAIMS = {"exp": "expiry date", "nbf": "not before date", "iat": "issued at date"}


def _number(payload: dict[str, Any], name: str, *, required: bool) -> float | None:
    if name not in payload and not required:
        return None
    value: Any = payload.get(name)
    if type(value) not in (int, float) or not math.isfinite(value):
        # Clerk's text (assertExpirationClaim and the like); a missing required claim reads
        # "undefined", as Clerk shows a missing exp.
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            f"Invalid JWT {_TIME_CLAIMS[name]} claim ({name}) {_claim(payload, name)}. "
            "Expected number.",
            action=A.ENSURE_CLERK_JWT,
        )
    return float(value)


def check_times(
    payload: dict[str, Any],
    *,
    now: float,
    skew: float,
    require_exp: bool = True,
    require_iat: bool = False,
) -> None:
    """A JWT's ``exp``, ``nbf`` and ``iat``, each a finite JSON number when present (``exp`` and
    ``iat`` also required when asked), holding within ``skew`` seconds of ``now``; Clerk's reasons
    and texts (``assertExpirationClaim``, ``assertActivationClaim``, ``assertIssuedAtClaim``)."""
    exp = _number(payload, "exp", required=require_exp)
    nbf = _number(payload, "nbf", required=False)
    iat = _number(payload, "iat", required=require_iat)
    if exp is not None and exp <= now - skew:
        raise TokenVerificationError(
            R.TOKEN_EXPIRED,
            f"JWT is expired. Expiry date: {utc_string(exp)}, Current date: {utc_string(now)}.",
        )
    if nbf is not None and nbf > now + skew:
        raise TokenVerificationError(
            R.TOKEN_NOT_ACTIVE_YET,
            "JWT cannot be used prior to not before date claim (nbf). Not before date: "
            f"{utc_string(nbf)}; Current date: {utc_string(now)};",
        )
    if iat is not None and iat > now + skew:
        raise TokenVerificationError(
            R.TOKEN_IAT_IN_THE_FUTURE,
            "JWT issued at date claim (iat) is in the future. Issued at date: "
            f"{utc_string(iat)}; Current date: {utc_string(now)};",
        )


def _js_truthy(value: Any) -> bool:
    """JavaScript truthiness of a JSON value (``[]`` and ``{}`` are truthy there)."""
    if value is None or value is False or value == "":
        return False
    return not (type(value) in (int, float) and value == 0)


def _check_audience(payload: dict[str, Any], audience: Sequence[str] | None) -> None:
    """Clerk's ``assertAudienceClaim``: checked only when both the option and the claim hold a
    non-empty value once empty entries are dropped (so ``aud: ["", ""]`` is no audience, as in Clerk
    JS). A claim that is neither a string nor a list of strings fails closed here (Clerk JS lets it
    through)."""
    wanted = [a for a in audience or () if a]
    aud = payload.get("aud")
    present = [a for a in (aud if isinstance(aud, list) else [aud]) if _js_truthy(a)]
    if not wanted or not present:
        return
    array = isinstance(aud, list) and all(isinstance(a, str) for a in aud)
    if isinstance(aud, str):
        ok = aud in wanted
    elif isinstance(aud, list) and array:
        ok = any(a in wanted for a in aud)
    else:
        ok = False
    if not ok:
        # Clerk's text (assertAudienceClaim), with its action.
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            f"Invalid JWT audience claim {'array ' if array else ''}(aud) {js_json(aud)}. "
            f'Is not included in "{js_json(wanted)}".',
            action=A.ENSURE_CLERK_JWT,
        )


def check_oauth_audience(aud: Any, audience: str | Sequence[str] | None, *, missing: bool) -> None:
    """Clerk's ``assertOAuthAudienceClaim`` (``jwt/assertions.ts``), applied to OAuth access tokens,
    JWT or opaque, when the ``audience`` option is set: the token's ``aud`` must be a non-empty
    string or a non-empty list of non-empty strings, and one of them must be wanted. ``missing``
    says the token has no ``aud`` at all (Clerk's message then shows ``undefined``)."""
    wanted = [a for a in ([audience] if isinstance(audience, str) else audience or ()) if a]
    if not wanted:
        return
    present = (
        None if (missing or not _js_truthy(aud)) else (aud if isinstance(aud, list) else [aud])
    )
    if (
        not present
        or not all(isinstance(a, str) for a in present)
        or any(len(a) == 0 for a in present)
    ):
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            f"Invalid OAuth audience claim (aud) {js_json(aud, missing=missing)}. Expected a "
            "non-empty string or a non-empty array of non-empty strings.",
        )
    if not any(a in wanted for a in present):
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            f"OAuth audience mismatch. Verification expected audience {js_json(wanted)}, but "
            f"incoming token has aud {js_json(aud)}.",
        )


def _check_subject(payload: dict[str, Any]) -> None:
    if not isinstance(payload.get("sub"), str):
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            "Subject claim (sub) is required and must be a string. "
            f"Received {_claim(payload, 'sub')}.",
            action=A.ENSURE_CLERK_JWT,
        )


_INT_BOUND = 1 << 53
"""Integer times beyond this (seconds, far past any date) take the detailed checks."""


def _plain_session_claims(
    payload: dict[str, Any],
    now: float,
    skew: float,
    issuers: Sequence[str] | None,
    authorized_parties: Sequence[str],
    audience: Sequence[str] | None,
) -> bool:
    """Whether the claims pass every check of :func:`check_session_claims` in its usual shape
    (string ``sub``/``sid``/``azp``, integer times, no ``aud`` option): one tight function for
    a new token. ``False`` is no verdict: the detailed checks then decide and explain."""
    get = payload.get
    exp, iat, nbf = get("exp"), get("iat"), get("nbf", 0)
    return (
        type(get("sub")) is str
        and type(get("sid")) is str
        and (issuers is None or get("iss") in issuers)
        and not audience
        and (
            not authorized_parties or (type(azp := get("azp")) is str and azp in authorized_parties)
        )
        and type(exp) is int
        and type(iat) is int
        and type(nbf) is int
        and -_INT_BOUND < exp < _INT_BOUND
        and -_INT_BOUND < iat < _INT_BOUND
        and -_INT_BOUND < nbf < _INT_BOUND
        and exp > now - skew
        and nbf <= now + skew
        and iat <= now + skew
    )


def check_session_claims(
    payload: dict[str, Any],
    *,
    now: float,
    skew: float,
    issuer: str | Sequence[str] | None,
    authorized_parties: Sequence[str],
    audience: Sequence[str] | None = None,
) -> None:
    """Claims of a session token, in Clerk's order, with this project's stricter types.

    ``issuer`` is the ``iss`` required, or the list of those accepted (docs/security.md, "Token
    issuers, satellites and proxies")."""
    issuers = (issuer,) if isinstance(issuer, str) else issuer
    if _plain_session_claims(payload, now, skew, issuers, authorized_parties, audience):
        return
    _check_subject(payload)
    if not isinstance(payload.get("sid"), str):
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED, "Session claim (sid) is required and must be a string."
        )
    if issuers is not None and payload.get("iss") not in issuers:
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            "Invalid JWT issuer: the token was not issued by this instance.",
        )
    _check_audience(payload, audience)
    if authorized_parties:
        azp = payload.get("azp")
        if not isinstance(azp, str) or azp not in authorized_parties:
            # Clerk's text: the azp received and the parties expected (JavaScript's array join).
            raise TokenVerificationError(
                R.TOKEN_INVALID_AUTHORIZED_PARTIES,
                f"Invalid JWT Authorized party claim (azp) {_claim(payload, 'azp')}. "
                f'Expected "{",".join(authorized_parties)}".',
            )
    check_times(payload, now=now, skew=skew, require_iat=True)


def check_machine_claims(payload: dict[str, Any], *, now: float, skew: float) -> None:
    """Claims of an M2M or OAuth JWT: a string subject and valid times."""
    _check_subject(payload)
    check_times(payload, now=now, skew=skew)


def check_machine_allow_lists(
    kind: str,
    *,
    subject: Any,
    client_id: Any,
    issuer: Any = None,
    is_jwt: bool,
    issuers: Sequence[str] | None,
    oauth_client_ids: Sequence[str] | None,
    m2m_machine_ids: Sequence[str] | None,
) -> None:
    """The optional allow-lists of machine tokens (``None``: no list, as in Clerk JS).

    ``issuers`` binds the ``iss`` of M2M and OAuth JWTs; ``oauth_client_ids`` the OAuth client of an
    OAuth token and ``m2m_machine_ids`` the calling machine (the subject) of an M2M token, in JWT or
    opaque form.
    """
    if is_jwt and issuers is not None and (not isinstance(issuer, str) or issuer not in issuers):
        raise TokenVerificationError(
            R.TOKEN_VERIFICATION_FAILED,
            "Invalid JWT issuer: the machine token's iss is not in machine_token_issuers.",
        )
    if (
        kind == "oauth_token"
        and oauth_client_ids is not None
        and (not isinstance(client_id, str) or client_id not in oauth_client_ids)
    ):
        raise TokenVerificationError(
            R.TOKEN_INVALID_AUTHORIZED_PARTIES,
            "The OAuth token's client is not in oauth_client_ids.",
        )
    if (
        kind == "m2m_token"
        and m2m_machine_ids is not None
        and (not isinstance(subject, str) or subject not in m2m_machine_ids)
    ):
        raise TokenVerificationError(
            R.TOKEN_INVALID_AUTHORIZED_PARTIES,
            "The M2M token's machine is not in m2m_machine_ids.",
        )
