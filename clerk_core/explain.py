"""``python -m clerk_core explain``: why a token or a request is signed in, signed out or sent to
a handshake, in words.

``explain TOKEN`` (or ``-`` for standard input) decodes a session token without trusting it,
shows its header and the claims that matter, then verifies it with the configured instance
(:meth:`Clerk.verify_token <clerk_core.clerk.Clerk.verify_token>`) and says what was decided and
why. ``explain --request FILE`` reads a captured request (JSON, raw HTTP text or a ``curl``
command, see :func:`parse_request`) and runs :meth:`Clerk.authenticate_request
<clerk_core.clerk.Clerk.authenticate_request>` on it: the status, the reason, which token source
and which cookie were used, whether a handshake would happen and the headers Clerk would add.

Nothing printed ever holds a whole token, signature, cookie value, ``Set-Cookie`` value or secret
key: they appear as their first 8 characters and their length (:func:`redact`), keys masked as the
doctor masks them (:func:`clerk_core.doctor.mask`). ``docs/explain.md`` shows how to use it.
"""

from __future__ import annotations

import datetime
import json
import os
import shlex
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any, TextIO
from urllib.parse import urlsplit

import httpx

from ._context import uses_suffixed
from .clerk import Clerk
from .doctor import _printable, mask
from .errors import ClerkConfigurationError, TokenVerificationError
from .options import ClerkOptions
from .request import RequestView, parse_authorization, redacted_url
from .state import AuthStatus, RequestState
from .tokens import decode_jwt

__all__ = [
    "CAUSES",
    "EXIT_SIGNED_IN",
    "EXIT_SIGNED_OUT",
    "EXIT_USAGE",
    "RequestFileError",
    "cause_of",
    "describe_token",
    "explain_request",
    "explain_token",
    "format_human",
    "parse_request",
    "redact",
]

EXIT_SIGNED_IN = 0
"""The token or request is signed in."""
EXIT_SIGNED_OUT = 1
"""Signed out, or a handshake would happen."""
EXIT_USAGE = 2
"""The input could not be read (unreadable file, malformed JSON, bad settings)."""

_SHOWN = 8
"""Characters of a secret value that may be shown."""
_LONG = 40
"""A string claim longer than this, of a claim not listed in :data:`_KNOWN_CLAIMS`, is redacted."""

_COOKIE_BASES = ("__session", "__client_uat", "__clerk_db_jwt", "__refresh", "__clerk_handshake")

CAUSES: dict[str, tuple[str, str]] = {
    # Token reasons (Clerk's TokenVerificationErrorReason).
    "token-expired": (
        "The token's exp is in the past: a tab left open without ClerkJS refreshing the token, "
        "or this machine's clock is ahead.",
        "Reload the page so ClerkJS mints a fresh token (they live 60 s); if fresh tokens fail "
        "too, synchronise the clock with NTP.",
    ),
    "token-not-active-yet": (
        "The token's nbf is in the future: this machine's clock is behind Clerk's.",
        "Synchronise this machine's clock with NTP (or raise clock_skew slightly).",
    ),
    "token-iat-in-the-future": (
        "The token's iat is in the future: this machine's clock is behind Clerk's.",
        "Synchronise this machine's clock with NTP (or raise clock_skew slightly).",
    ),
    "token-invalid": (
        "The value is not a well-formed Clerk JWT (truncated when copied, quoted, or not a "
        "token at all).",
        "Copy the whole token again (the __session cookie or the Authorization header).",
    ),
    "token-invalid-algorithm": (
        "The token is not signed with RS256, so Clerk did not sign it.",
        "Send a session token minted by ClerkJS (getToken()), not a token of another issuer.",
    ),
    "token-invalid-signature": (
        "The signature does not verify with this instance's key: a token of another instance "
        "that happens to share the kid, or a token that was altered.",
        "Check that the app's keys and the frontend's publishable key are of the same instance, "
        "and that nothing rewrites the token on the way.",
    ),
    "token-verification-failed": (
        "A claim has the wrong type or value (sub, sid, iss or a time claim).",
        "Send a session token minted by ClerkJS; a hand-made or template token does not pass.",
    ),
    "token-invalid-authorized-parties": (
        "The token's azp (the origin of the page that asked for it) is not in authorized_parties.",
        "Add that origin (scheme, host and port, e.g. 'https://app.example.com') to "
        "authorized_parties (CLERK_AUTHORIZED_PARTIES).",
    ),
    "token-type-mismatch": (
        "A JWT template or machine token where a session token is expected.",
        "Send the session token (getToken() without a template), or accept that token type on "
        "the route.",
    ),
    "secret-key-invalid": (
        "The Backend API refused the secret key when the keys were fetched.",
        "Copy the secret key again from the API keys page of the Clerk dashboard into "
        "CLERK_SECRET_KEY (run 'python -m clerk_core doctor').",
    ),
    "jwk-kid-mismatch": (
        "No key of this instance has the token's kid: the token comes from another Clerk "
        "instance (development keys against a production app, or another application).",
        "Give the frontend the publishable key of the instance whose secret key the app has "
        "(CLERK_SECRET_KEY), or give the app that instance's keys (run 'python -m clerk_core "
        "doctor').",
    ),
    "jwk-local-missing": (
        "jwt_key is set but holds no usable RSA public key.",
        "Copy the PEM public key again from the API keys page into CLERK_JWT_KEY.",
    ),
    "jwk-remote-failed-to-load": (
        "The instance's keys (JWKS) could not be fetched from the Backend API.",
        "Check the network towards the Backend API, CLERK_API_URL and CLERK_SECRET_KEY (run "
        "'python -m clerk_core doctor').",
    ),
    "jwk-remote-invalid": (
        "The Backend API answered the JWKS request with something that is not a key set.",
        "Check CLERK_API_URL (it must be Clerk's Backend API) and any proxy in between.",
    ),
    "jwk-remote-missing": (
        "The instance's key set holds no key with the token's kid, even after a refetch.",
        "The token comes from another instance or a rotated key: sign in again, and check that "
        "both keys belong to one instance.",
    ),
    "jwk-failed-to-resolve": (
        "No key source is configured (neither a secret key nor jwt_key).",
        "Set CLERK_SECRET_KEY (or CLERK_JWT_KEY for networkless verification).",
    ),
    # Request reasons (AuthErrorReason).
    "session-token-and-uat-missing": (
        "The request carries neither a session token nor a __client_uat cookie: the browser is "
        "not signed in to this instance (or its cookies were not sent: another domain, or a "
        "fetch without credentials).",
        "Sign in, and send requests with credentials: 'include' or an Authorization: Bearer "
        "token from getToken().",
    ),
    "session-token-but-no-client-uat": (
        "A __session cookie without its __client_uat companion: a cookie was dropped or set by "
        "hand.",
        "Clear the site's cookies and sign in again.",
    ),
    "client-uat-but-no-session-token": (
        "__client_uat says signed in but no __session cookie came: the session cookie expired "
        "or is blocked (third-party cookie rules, another path or domain).",
        "Load a page so the handshake restores it; check that the app and ClerkJS share the "
        "cookie's domain.",
    ),
    "session-token-iat-before-client-uat": (
        "The session cookie is older than the last sign-in recorded by __client_uat: a stale "
        "cookie after signing in again.",
        "Load a page so the handshake refreshes the cookie.",
    ),
    "session-token-expired": (
        "The session cookie's token expired: a tab left open, or this machine's clock is ahead.",
        "Load a page so the handshake refreshes the cookie; if fresh tokens fail too, "
        "synchronise the clock with NTP.",
    ),
    "session-token-nbf": (
        "The session token is not valid yet: this machine's clock is behind Clerk's.",
        "Synchronise this machine's clock with NTP.",
    ),
    "session-token-iat-in-the-future": (
        "The session token was issued in the future: this machine's clock is behind Clerk's.",
        "Synchronise this machine's clock with NTP.",
    ),
    "dev-browser-missing": (
        "A development instance without its __clerk_db_jwt cookie: the browser has not met "
        "this development instance yet.",
        "Load a page of the app in the browser so the handshake creates the development browser.",
    ),
    "dev-browser-sync": (
        "The URL carries __clerk_db_jwt: the development browser is being synchronised.",
        "Nothing to fix: follow the redirect.",
    ),
    "satellite-needs-syncing": (
        "A satellite application without session cookies asks the primary for them.",
        "Nothing to fix when it happens once; a loop means the primary's domain settings are "
        "wrong.",
    ),
    "primary-responds-to-syncing": (
        "The primary answers a satellite's sync request.",
        "Nothing to fix: follow the redirect.",
    ),
    "primary-domain-cross-origin-sync": (
        "A page request arriving from another origin (Referer): the session is re-synchronised.",
        "Nothing to fix when it happens once.",
    ),
    "active-organization-mismatch": (
        "The URL names another organization than the session's active one "
        "(organization_sync_options).",
        "Nothing to fix: the handshake activates the organization the URL names.",
    ),
    "session-token-missing": (
        "The handshake answered without a session token.",
        "Sign in again.",
    ),
    "unexpected-error": (
        "An unexpected exception while authenticating (logged by the 'clerk_core' logger).",
        "Read the application's log for the traceback.",
    ),
}
"""Reason -> (likely cause, fix), one sentence each."""

_EXPIRED_REFRESH = (
    "The session cookie expired and could not be refreshed here",
    "Load a page (a GET navigation) so the handshake refreshes the cookie; if every fresh token "
    "is expired, synchronise the clock with NTP.",
)


_SIGNED_IN = (
    "The signature verifies with this instance's key and the claims pass (issuer, authorized "
    "party, time window within clock_skew)."
)


def cause_of(reason: str | None) -> tuple[str, str]:
    """``(cause, fix)`` for a reason string; generic words for an unknown one."""
    if reason is None:
        return "", ""
    if reason in CAUSES:
        return CAUSES[reason]
    prefix = "session-token-expired-refresh-"
    if reason.startswith(prefix):
        why = reason[len(prefix) :]
        return f"{_EXPIRED_REFRESH[0]} ({why}).", _EXPIRED_REFRESH[1]
    return (
        "A reason this tool has no words for.",
        "Look it up in the troubleshooting documentation.",
    )


def redact(value: str | None) -> str:
    """A secret value as it may be shown: at most its first 8 characters and its length."""
    if value is None:
        return "(none)"
    shown = _printable(value[:_SHOWN], _SHOWN + 1)
    if len(value) <= _SHOWN:
        return f"… ({len(value)} chars)"
    return f"{shown}… ({len(value)} chars)"


# ------------------------------------------------------------------------------ tokens

_HEADER_FIELDS = ("alg", "kid", "typ", "cat")
_KNOWN_CLAIMS = (
    "sub",
    "sid",
    "sts",
    "iss",
    "azp",
    "v",
    "org_id",
    "org_slug",
    "org_role",
    "org_permissions",
    "o",
    "fea",
    "pla",
    "fva",
    "act",
)
_TIME_CLAIMS = ("exp", "iat", "nbf")


def _relative(seconds: float) -> str:
    span = abs(seconds)
    if span < 120:
        amount = f"{span:.0f} s"
    elif span < 7200:
        amount = f"{span / 60:.0f} min"
    elif span < 172800:
        amount = f"{span / 3600:.0f} h"
    else:
        amount = f"{span / 86400:.0f} days"
    return f"in {amount}" if seconds > 0 else f"{amount} ago"


def _when(value: Any, now: float) -> Any:
    if type(value) not in (int, float):
        return _safe(value)
    try:
        moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
    except (OverflowError, ValueError, OSError):
        return {"value": value, "utc": "out of range"}
    return {
        "value": value,
        "utc": moment.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "relative": _relative(value - now),
    }


def _safe(value: Any, *, limit: int = 200) -> Any:
    """A claim value as it may be shown: long strings redacted, containers bounded."""
    if isinstance(value, str):
        return redact(value) if len(value) > limit else _printable(value, limit)
    if isinstance(value, Mapping):
        return {_printable(str(k)): _safe(v, limit=limit) for k, v in list(value.items())[:20]}
    if isinstance(value, (list, tuple)):
        return [_safe(v, limit=limit) for v in value[:20]]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return _printable(str(value))


def describe_token(token: str, *, now: float, max_bytes: int = 8192) -> dict[str, Any]:
    """The token decoded without trusting it: ``token`` (redacted), ``header`` (alg, kid, typ,
    cat), ``claims`` (the ones that matter; times as ``{value, utc, relative}``), ``other_claims``
    (long strings redacted), ``signature`` (redacted); or ``decode_error`` when it is not a JWT."""
    described: dict[str, Any] = {"token": redact(token)}
    try:
        decoded = decode_jwt(token, max_bytes)
    except TokenVerificationError as exc:
        described["decode_error"] = exc.message
        return described
    header = decoded.header
    described["header"] = {k: _safe(header[k]) for k in _HEADER_FIELDS if k in header}
    payload = decoded.payload
    claims: dict[str, Any] = {}
    for name in _KNOWN_CLAIMS:
        if name in payload:
            claims[name] = _safe(payload[name])
    for name in _TIME_CLAIMS:
        if name in payload:
            claims[name] = _when(payload[name], now)
    described["claims"] = claims
    known = {*_KNOWN_CLAIMS, *_TIME_CLAIMS}
    described["other_claims"] = {
        _printable(str(k)): _safe(v, limit=_LONG) for k, v in payload.items() if k not in known
    }
    described["signature"] = redact(decoded.signature_b64)
    return described


def _verdict(
    status: str, reason: str | None, message: str | None, *, signed_in: bool
) -> dict[str, Any]:
    cause, fix = cause_of(reason)
    return {
        "signed_in": signed_in,
        "status": status,
        "reason": reason,
        "message": message,
        "cause": cause,
        "fix": fix,
    }


def explain_token(token: str, clerk: Clerk, *, now: float | None = None) -> dict[str, Any]:
    """The report on one session token: :func:`describe_token` and ``verdict`` (``signed_in``,
    ``status``, ``reason``, ``message``, ``cause``, ``fix``) from ``clerk.verify_token``."""
    moment = time.time() if now is None else now
    report: dict[str, Any] = {
        "kind": "token",
        "instance": _instance(clerk.options),
        "token": describe_token(token, now=moment, max_bytes=clerk.options.max_token_bytes),
    }
    try:
        claims = clerk.verify_token(token)
    except TokenVerificationError as exc:
        text = " ".join(part for part in (exc.message, exc.action) if part)
        report["verdict"] = _verdict("signed-out", exc.reason, text, signed_in=False)
        return report
    pending = claims.get("sts") == "pending"
    verdict = _verdict("signed-in", None, None, signed_in=True)
    verdict["cause"] = _SIGNED_IN
    if pending:
        verdict["cause"] = (
            "The token verifies but its session is pending (a task such as choosing an "
            "organization is open): auth objects treat it as signed out by default."
        )
        verdict["fix"] = "Finish the session task in the browser."
    report["verdict"] = verdict
    return report


def _instance(options: ClerkOptions) -> dict[str, Any]:
    return {
        "frontend_api": options.frontend_api,
        "instance_type": options.instance_type,
        "secret_key": mask(options.secret_key),
        "authorized_parties": list(options.authorized_parties or ()),
        "key_source": "jwt_key" if options.jwt_key else "jwks",
    }


# ------------------------------------------------------------------------------ requests


class RequestFileError(ValueError):
    """A captured request that cannot be read (the message says why, never its content)."""


def parse_request(text: str) -> RequestView:
    """A captured request: JSON ``{"method", "url", "headers": {name: value}}`` (``headers`` may
    also be a list of ``[name, value]`` pairs; an optional ``"cookies": {name: value}`` is added
    to the ``Cookie`` header), a ``curl`` command (devtools' "Copy as cURL": ``-H``, ``-b``,
    ``-X``), or raw HTTP text: a request line ``GET /path HTTP/1.1`` (or HTTP/2 pseudo-headers
    ``:method``, ``:path``, ``:authority``, ``:scheme``) then ``Name: value`` lines. A relative
    path takes its host from ``Host``, and its scheme from ``X-Forwarded-Proto``, else ``http``
    for localhost and loopback, else ``https``."""
    stripped = text.strip()
    if not stripped:
        raise RequestFileError("The request file is empty.")
    if stripped[0] in "{[":
        return _from_json(stripped)
    if stripped.startswith("curl "):
        return _from_curl(stripped)
    return _from_http(stripped)


def _from_json(text: str) -> RequestView:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise RequestFileError(f"The request file is not valid JSON (line {_line(exc)}).") from None
    if not isinstance(data, dict):
        raise RequestFileError('The request JSON must be an object {"method", "url", "headers"}.')
    method = data.get("method", "GET")
    url = data.get("url")
    raw_headers = data.get("headers", {})
    if not isinstance(method, str) or not isinstance(url, str) or not url:
        raise RequestFileError('The request JSON needs "url" (a string) and "method" (a string).')
    pairs: list[tuple[str, str]] = []
    if isinstance(raw_headers, dict):
        pairs = [(str(k), v) for k, v in raw_headers.items()]
    elif isinstance(raw_headers, list) and all(
        isinstance(p, list) and len(p) == 2 for p in raw_headers
    ):
        pairs = [(str(p[0]), p[1]) for p in raw_headers]
    else:
        raise RequestFileError('"headers" must be an object {name: value} or [name, value] pairs.')
    if not all(isinstance(v, str) for _, v in pairs):
        raise RequestFileError("Every header value must be a string.")
    cookies = data.get("cookies")
    if cookies is not None:
        if not isinstance(cookies, dict) or not all(isinstance(v, str) for v in cookies.values()):
            raise RequestFileError('"cookies" must be an object {name: value}.')
        pairs.append(("cookie", "; ".join(f"{k}={v}" for k, v in cookies.items())))
    return _view(method, url, pairs)


def _line(exc: ValueError) -> int:
    return int(getattr(exc, "lineno", 0))


def _from_curl(text: str) -> RequestView:
    try:
        words = shlex.split(text.replace("\\\n", " "))
    except ValueError:
        raise RequestFileError(
            "The curl command could not be split (an unclosed quote?)."
        ) from None
    method = "GET"
    url: str | None = None
    pairs: list[tuple[str, str]] = []
    i = 1
    while i < len(words):
        word = words[i]
        value = words[i + 1] if i + 1 < len(words) else ""
        if word in ("-H", "--header"):
            name, sep, val = value.partition(":")
            if sep:
                pairs.append((name.strip(), val.strip()))
            i += 2
        elif word in ("-b", "--cookie"):
            pairs.append(("cookie", value))
            i += 2
        elif word in ("-X", "--request"):
            method = value
            i += 2
        elif word in ("-A", "--user-agent", "-e", "--referer"):
            name = "user-agent" if word in ("-A", "--user-agent") else "referer"
            pairs.append((name, value))
            i += 2
        elif word in ("-d", "--data", "--data-raw", "--data-binary", "--data-urlencode"):
            if method == "GET":
                method = "POST"
            i += 2
        elif word.startswith("-"):
            i += 1
        else:
            url = url or word
            i += 1
    if not url:
        raise RequestFileError("The curl command names no URL.")
    return _view(method, url, pairs)


def _from_http(text: str) -> RequestView:
    lines = text.replace("\r\n", "\n").split("\n")
    method = "GET"
    target = ""
    pseudo: dict[str, str] = {}
    pairs: list[tuple[str, str]] = []
    first = lines[0].strip()
    rest = lines
    if not first.startswith(":"):
        parts = first.split()
        if len(parts) < 2 or ":" in parts[0]:
            raise RequestFileError(
                "The request text must start with a request line such as 'GET /path HTTP/1.1'."
            )
        method, target = parts[0], parts[1]
        rest = lines[1:]
    for line in rest:
        if not line.strip():
            break  # the body follows
        if line.startswith(":"):
            name, sep, value = line[1:].partition(":")
            pseudo[name.strip().lower()] = value.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise RequestFileError("A header line has no 'Name: value' form.")
        pairs.append((name.strip(), value.strip()))
    method = pseudo.get("method", method)
    target = pseudo.get("path", target)
    if not target:
        raise RequestFileError("The request names no path (request line or :path).")
    if "://" in target:
        return _view(method, target, pairs)
    headers = {k.lower(): v for k, v in pairs}
    host = pseudo.get("authority") or headers.get("host")
    if not host:
        raise RequestFileError("A relative path needs a Host header (or :authority).")
    scheme = pseudo.get("scheme") or headers.get("x-forwarded-proto", "").split(",")[0].strip()
    if not scheme:
        bare = host.rsplit(":", 1)[0] if not host.startswith("[") else host
        scheme = "http" if bare in ("localhost", "127.0.0.1", "[::1]") else "https"
    if "host" not in headers:
        pairs.append(("host", host))
    return _view(method, f"{scheme}://{host}{target}", pairs)


def _view(method: str, url: str, pairs: list[tuple[str, str]]) -> RequestView:
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        if key in headers:
            joiner = "; " if key == "cookie" else ", "
            headers[key] = headers[key] + joiner + value
        else:
            headers[key] = value
    if "host" not in headers:
        try:
            host = urlsplit(url).netloc
        except ValueError:
            host = ""
        if host:
            headers["host"] = host
    return RequestView(method, url, headers)


def _is_clerk_cookie(name: str) -> bool:
    return any(name == base or name.startswith(base + "_") for base in _COOKIE_BASES)


def _can_handshake(request: RequestView) -> bool:
    dest = request.headers.get("sec-fetch-dest")
    if request.method != "GET":
        return False
    if dest:
        return dest in ("document", "iframe")
    return request.headers.get("accept", "").startswith("text/html")


def _peek(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        return dict(decode_jwt(token).payload)
    except TokenVerificationError:
        return None


def _shown_header(name: str, value: str) -> str:
    lower = name.lower()
    if lower == "set-cookie":
        cookie, _, attributes = value.partition(";")
        cookie_name, _, cookie_value = cookie.partition("=")
        shown = f"{cookie_name.strip()}={redact(cookie_value)}"
        return shown + (";" + attributes if attributes else "")
    if lower == "location":
        return redacted_url(value)
    return _printable(value, 400)


def explain_request(
    request: RequestView, clerk: Clerk, *, now: float | None = None
) -> dict[str, Any]:
    """The report on one request: ``request`` (method, URL with query values hidden, the token
    source and cookie used, Clerk's cookies present, redacted), ``token`` (as
    :func:`describe_token`, when one was judged), ``verdict`` and ``handshake`` (whether one
    would happen and why) and ``headers`` (those Clerk would add, ``Set-Cookie`` values
    redacted)."""
    moment = time.time() if now is None else now
    options = clerk.options
    state: RequestState = clerk.authenticate_request(request)
    bearer = parse_authorization(request.headers.get("authorization"))
    cookies = request.cookies_within(options.max_cookie_header_bytes)
    cookie_name: str | None = None
    token: str | None = bearer
    if bearer is None:
        suffixed = uses_suffixed(options, cookies, moment, _peek)
        cookie_name = f"__session_{options.cookie_suffix}" if suffixed else "__session"
        token = cookies.get(cookie_name) or None
    source = state.token_source or ("header" if bearer is not None else "cookie")
    report: dict[str, Any] = {
        "kind": "request",
        "instance": _instance(options),
        "request": {
            "method": request.method,
            "url": redacted_url(request.url),
            "token_source": source,
            "cookie": cookie_name,
            "clerk_cookies": {
                _printable(name): redact(value)
                for name, value in cookies.items()
                if _is_clerk_cookie(name)
            },
            "authorization": redact(bearer) if bearer is not None else None,
        },
    }
    if token is not None:
        report["token"] = describe_token(token, now=moment, max_bytes=options.max_token_bytes)
    signed_in = state.status is AuthStatus.SIGNED_IN
    verdict = _verdict(state.status.value, state.reason, state.message, signed_in=signed_in)
    if signed_in:
        verdict["cause"] = _SIGNED_IN
    report["verdict"] = verdict
    report["handshake"] = _handshake(state, request)
    report["headers"] = [[name, _shown_header(name, value)] for name, value in state.headers]
    return report


def _handshake(state: RequestState, request: RequestView) -> dict[str, Any]:
    if state.status is AuthStatus.HANDSHAKE:
        return {
            "would_happen": True,
            "why": f"Clerk redirects the browser to the Frontend API to refresh its cookies "
            f"({state.reason}); the app answers 307 before any view runs.",
        }
    if state.location is not None:
        return {
            "would_happen": False,
            "why": "This is the handshake's return trip: the app answers 307 to the clean URL "
            "with the new cookies.",
        }
    if state.status is AuthStatus.SIGNED_OUT and not _can_handshake(request):
        return {
            "would_happen": False,
            "why": "Not a page navigation (a GET with Sec-Fetch-Dest: document, or Accept: "
            "text/html), so Clerk answers signed out instead of redirecting.",
        }
    return {"would_happen": False, "why": ""}


# ------------------------------------------------------------------------------ output


def format_human(report: Mapping[str, Any]) -> str:
    """The report as text: the instance, the request, the token, then the verdict."""
    lines: list[str] = []
    inst = report["instance"]
    lines.append(
        f"Instance: {inst['frontend_api']} ({inst['instance_type']}), secret key "
        f"{inst['secret_key']}, keys from {inst['key_source']}, authorized parties: "
        f"{', '.join(inst['authorized_parties']) or '(any)'}"
    )
    req = report.get("request")
    if req is not None:
        lines.append(f"Request: {req['method']} {req['url']}")
        if req["token_source"] == "header":
            lines.append(f"Token source: the Authorization header ({req['authorization']})")
        else:
            lines.append(f"Token source: cookies; Clerk reads {req['cookie']}")
        for name, value in req["clerk_cookies"].items():
            lines.append(f"  cookie {name} = {value}")
        if not req["clerk_cookies"]:
            lines.append("  (no Clerk cookies)")
    tok = report.get("token")
    if tok is not None:
        lines.append(f"Token: {tok['token']}")
        if "decode_error" in tok:
            lines.append(f"  not a JWT: {tok['decode_error']}")
        else:
            header = ", ".join(f"{k}={_text(v)}" for k, v in tok["header"].items())
            lines.append(f"  header: {header}")
            for name, value in tok["claims"].items():
                if isinstance(value, dict) and "utc" in value:
                    extra = f" ({value['relative']})" if "relative" in value else ""
                    lines.append(f"  {name}: {value['utc']}{extra}")
                else:
                    lines.append(f"  {name}: {_text(value)}")
            for name, value in tok["other_claims"].items():
                lines.append(f"  {name}: {_text(value)}")
            lines.append(f"  signature: {tok['signature']}")
    verdict = report["verdict"]
    if verdict["signed_in"]:
        lines.append("Verdict: SIGNED IN")
    else:
        lines.append(f"Verdict: {verdict['status'].upper()} (reason: {verdict['reason']})")
        if verdict["message"]:
            lines.append(f"  Clerk says: {verdict['message']}")
    if verdict["cause"]:
        label = "Why" if verdict["signed_in"] else "Likely cause"
        lines.append(f"  {label}: {verdict['cause']}")
    if verdict["fix"]:
        lines.append(f"  Fix: {verdict['fix']}")
    hs = report.get("handshake")
    if hs is not None:
        lines.append(
            f"Handshake: {'yes' if hs['would_happen'] else 'no'}"
            + (f". {hs['why']}" if hs["why"] else "")
        )
    headers = report.get("headers")
    if headers:
        lines.append("Headers Clerk adds to the response:")
        for name, value in headers:
            lines.append(f"  {name}: {value}")
    return "\n".join(lines) + "\n"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------------------ command line


def register(subparsers: Any) -> None:
    """Add ``explain`` to the ``python -m clerk_core`` sub-commands."""
    parser = subparsers.add_parser(
        "explain",
        help="say why a session token or a captured request is signed in or out",
        description="Decode a session token (or a captured request) without trusting it, verify "
        "it with the instance the CLERK_* variables configure, and say what Clerk decided and "
        "why. Tokens, signatures, cookie values and keys are never printed whole. Exit codes: "
        "0 signed in, 1 signed out or handshake, 2 usage error.",
    )
    parser.add_argument("token", nargs="?", help="the session token, or '-' to read it from stdin")
    parser.add_argument(
        "--request",
        metavar="FILE",
        help="a captured request: JSON {method, url, headers}, raw HTTP text or a curl command "
        "('-' for stdin)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.set_defaults(handler=run_command)


def run_command(
    args: Any,
    *,
    http_client: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    stdin: TextIO | None = None,
    **_: Any,
) -> int:
    """``python -m clerk_core explain``: the report on ``ClerkOptions.from_env()``'s instance."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    source = stdin or sys.stdin
    if (args.token is None) == (args.request is None):
        err.write("explain: give either a TOKEN or --request FILE (not both).\n")
        return EXIT_USAGE
    try:
        if args.request is not None:
            text = source.read() if args.request == "-" else _read(args.request)
            subject: RequestView | str = parse_request(text)
        else:
            raw = source.read() if args.token == "-" else args.token
            subject = _bare_token(raw)
            if not subject:
                raise RequestFileError("No token was given.")
    except (OSError, UnicodeDecodeError) as exc:
        err.write(f"explain: cannot read {args.request}: {type(exc).__name__}.\n")
        return EXIT_USAGE
    except RequestFileError as exc:
        err.write(f"explain: {exc}\n")
        return EXIT_USAGE
    env = os.environ if environ is None else environ
    try:
        clerk = Clerk(ClerkOptions.from_env(env), http_client=http_client, clock=clock)
    except ClerkConfigurationError as exc:
        err.write(f"explain: the settings are refused: {exc} (run 'python -m clerk_core doctor')\n")
        return EXIT_USAGE
    if isinstance(subject, RequestView):
        report = explain_request(subject, clerk, now=clock())
    else:
        report = explain_token(subject, clerk, now=clock())
    out.write(
        json.dumps(report, indent=2, ensure_ascii=False) + "\n"
        if args.json
        else format_human(report)
    )
    return EXIT_SIGNED_IN if report["verdict"]["signed_in"] else EXIT_SIGNED_OUT


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _bare_token(raw: str) -> str:
    """The token of a pasted value: spaces trimmed, an ``Authorization: Bearer`` prefix or a
    ``__session=`` cookie name removed."""
    value = raw.strip()
    if value.lower().startswith("authorization:"):
        value = value.split(":", 1)[1].strip()
    if value.lower().startswith("bearer "):
        value = value[7:].strip()
    if value.startswith("__session") and "=" in value:
        value = value.split("=", 1)[1].strip()
    return value
