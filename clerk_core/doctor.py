"""The doctor: checks that catch a misconfigured Clerk set-up, each with a one-sentence fix.

``python -m clerk_core doctor``, ``manage.py clerk_doctor`` and ``flask clerk doctor`` run them on
the settings the app reads; ``docs/doctor.md`` explains each check and its fix.

Every check is a function returning :class:`CheckResult` (``id``, ``status``, ``message``,
``fix``, and ``docs``: the check's anchor in ``docs/troubleshooting.md``). The cheap ones read only :class:`~clerk_core.options.ClerkOptions` (and the
environment) and never touch the network, so adapters and Django's system checks reuse them at
start-up (:func:`static_checks`); :func:`check_apis` talks to the Backend and Frontend APIs
through the ``httpx.Client`` it is given. No message ever holds a secret key, a token or a
webhook secret: keys appear masked (:func:`mask`), failures by their exception class only.
"""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import importlib
import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TextIO

import httpx

from .errors import ClerkConfigurationError
from .options import _SECRET_KEY_RE, ClerkOptions, parse_publishable_key
from .options import _check_satellite as _satellite_rules
from .webhooks import WebhookVerifier

__all__ = [
    "BUNDLE_FORMAT",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "AppInspection",
    "AppLoadError",
    "CheckResult",
    "Status",
    "add_bundle_arguments",
    "build_bundle",
    "bundle_after_checks",
    "check_apis",
    "check_at_startup",
    "check_authorized_parties",
    "check_environment",
    "check_key_mode",
    "check_key_shapes",
    "check_satellite",
    "check_webhook_secret",
    "exit_code",
    "format_human",
    "format_json",
    "inspect_app",
    "load_app",
    "mask",
    "recorded_events",
    "run_checks",
    "settings_summary",
    "startup_results",
    "static_checks",
    "write_bundle",
]

Status = Literal["ok", "warning", "error"]
_DOCS_PAGE = "docs/troubleshooting.md"
"""The page that explains every check id, under an anchor of the same name."""
EXIT_OK = 0
"""No check found an error (warnings allowed)."""
EXIT_ERROR = 1
"""At least one check found an error."""

_SKEW_WARNING = 2.0
"""Seconds of clock difference worth a warning (Clerk's ``Date`` header has whole seconds)."""
_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """One check's verdict: ``status`` is ``"ok"``, ``"warning"`` or ``"error"``; ``message``
    says what was found and ``fix`` (empty when ok) how to put it right, one sentence each;
    ``docs`` links to the check's section of the troubleshooting page."""

    id: str
    status: Status
    message: str
    fix: str = ""

    @property
    def docs(self) -> str:
        """``docs/troubleshooting.md#<id>``: the check explained, with its causes and fixes."""
        return f"{_DOCS_PAGE}#{self.id}"

    def as_dict(self) -> dict[str, str]:
        """The JSON form: ``{"id", "status", "message", "fix", "docs"}`` (stable field names)."""
        return {
            "id": self.id,
            "status": self.status,
            "message": self.message,
            "fix": self.fix,
            "docs": self.docs,
        }


def _ok(check_id: str, message: str) -> CheckResult:
    return CheckResult(check_id, "ok", message)


def mask(secret: str | None) -> str:
    """A key or secret as it may be shown: its prefix (``sk_test_``, ``whsec_``...) and at most
    its last 4 characters (``sk_test_…abcd``); ``"(unset)"`` for none."""
    if not secret:
        return "(unset)"
    match = re.match(r"^(sk_(?:test|live)_|pk_(?:test|live)_|whsec_)", secret)
    prefix = match.group(1) if match else ""
    rest = secret[len(prefix) :]
    tail = rest[-4:] if len(rest) >= 12 else ""
    return f"{prefix}…{tail}"


# ------------------------------------------------------------------------------ network-free


def check_key_shapes(publishable_key: str | None, secret_key: str | None) -> list[CheckResult]:
    """The publishable key decodes to a Frontend API host (``pk_test_``/``pk_live_`` + base64 of
    ``<host>$``); the secret key looks like ``sk_test_``/``sk_live_``; both are of the same
    environment. Results ``publishable_key`` and ``secret_key``."""
    results: list[CheckResult] = []
    pk_instance: str | None = None
    if not publishable_key or not publishable_key.strip():
        results.append(
            CheckResult(
                "publishable_key",
                "error",
                "No publishable key is set, so the Frontend API and the instance are unknown.",
                "Set CLERK_PUBLISHABLE_KEY to the publishable key (pk_test_... or pk_live_...) from "
                "the API keys page of the Clerk dashboard.",
            )
        )
    else:
        try:
            host, pk_instance = parse_publishable_key(publishable_key)
        except ClerkConfigurationError as exc:
            results.append(
                CheckResult(
                    "publishable_key",
                    "error",
                    _first_sentence(str(exc)),
                    "Copy the publishable key again from the API keys page of the Clerk dashboard "
                    "into CLERK_PUBLISHABLE_KEY.",
                )
            )
        else:
            results.append(
                _ok(
                    "publishable_key",
                    f"The publishable key is a {pk_instance} key of the Frontend API {host}.",
                )
            )
    if not secret_key or not secret_key.strip():
        results.append(
            CheckResult(
                "secret_key",
                "error",
                "No secret key is set, so the Backend API cannot be called (handshakes, session "
                "refresh, machine tokens, user look-ups).",
                "Set CLERK_SECRET_KEY to the secret key (sk_test_... or sk_live_...) from the API "
                "keys page of the Clerk dashboard.",
            )
        )
        return results
    match = _SECRET_KEY_RE.match(secret_key.strip())
    if match is None:
        results.append(
            CheckResult(
                "secret_key",
                "error",
                f"The secret key {mask(secret_key)} does not look like 'sk_test_...' or "
                "'sk_live_...'.",
                "Copy the secret key again from the API keys page of the Clerk dashboard into "
                "CLERK_SECRET_KEY.",
            )
        )
        return results
    sk_instance = "production" if match.group(1) == "live" else "development"
    if pk_instance is not None and pk_instance != sk_instance:
        results.append(
            CheckResult(
                "secret_key",
                "error",
                f"The secret key {mask(secret_key)} is a {sk_instance} key but the publishable key "
                f"a {pk_instance} key.",
                "Use the publishable and secret keys of the same Clerk instance, both _test_ or "
                "both _live_.",
            )
        )
    else:
        results.append(
            _ok("secret_key", f"The secret key {mask(secret_key)} is a {sk_instance} key.")
        )
    return results


def check_key_mode(options: ClerkOptions) -> CheckResult:
    """Where session tokens get their signing keys, and what that leaves out: the PEM
    ``jwt_key`` (networkless), the Backend API JWKS (secret key), or the Frontend API JWKS
    (publishable key only: no handshake nonce, session refresh, machine tokens or Backend API
    calls; docs/publishable-key-only.md). Result ``key_mode``."""
    if options.jwt_key:
        return _ok(
            "key_mode",
            "Session tokens are verified with jwt_key, the PEM public key (networkless).",
        )
    if options.secret_key:
        return _ok(
            "key_mode",
            f"Session tokens are verified with the Backend API JWKS ({_shown(options.jwks_url)}).",
        )
    url = options.frontend_jwks_url
    if url is None:
        return CheckResult(
            "key_mode",
            "warning",
            "No key to verify session tokens with: no publishable key, secret key or jwt_key.",
            "Set CLERK_PUBLISHABLE_KEY (and CLERK_SECRET_KEY for the Backend API).",
        )
    note = ""
    if options.proxy_url and "://" not in options.proxy_url:
        note = (
            f" (the relative proxy_url {options.proxy_url} names no host to fetch from, so the "
            "Frontend API is asked directly; give proxy_url as an absolute URL if its host is "
            "reachable only through your proxy)"
        )
    return _ok(
        "key_mode",
        f"Publishable key only: session tokens are verified with the Frontend API JWKS "
        f"({_shown(url)}){note}. Handshakes use the signed handshake token; session refresh, "
        "machine tokens and Backend API calls (clerk.backend_api, current_user) are off.",
    )


def check_authorized_parties(options: ClerkOptions) -> CheckResult:
    """Live keys need ``authorized_parties``: without it a session token that the same instance
    issued to another site (another app, a sub-domain) is accepted here. Result
    ``authorized_parties``."""
    if options.authorized_parties:
        return _ok(
            "authorized_parties",
            "Session tokens are accepted only from " + ", ".join(options.authorized_parties) + ".",
        )
    if options.instance_type == "production":
        return CheckResult(
            "authorized_parties",
            "error",
            "Live keys without authorized_parties: a session token your Clerk instance minted for "
            "another site (another app, a sub-domain) would be accepted here.",
            "Set authorized_parties (CLERK_AUTHORIZED_PARTIES) to the origins your users sign in "
            "from, e.g. 'https://example.com'.",
        )
    return CheckResult(
        "authorized_parties",
        "warning",
        "authorized_parties is not set: a session token of this instance minted for any origin "
        "is accepted (tolerable with development keys).",
        "Set authorized_parties (CLERK_AUTHORIZED_PARTIES) to your app's origins before going "
        "live, e.g. 'http://localhost:8000'.",
    )


def check_satellite(options: ClerkOptions) -> CheckResult:
    """Satellite and proxy settings fit together: the rules ``ClerkOptions`` enforces (a satellite
    names ``domain`` or ``proxy_url``; a development satellite an absolute ``sign_in_url``), plus
    ``domain`` without ``is_satellite`` (ignored). Result ``satellite``."""
    try:
        _satellite_rules(options)
    except ClerkConfigurationError as exc:
        return CheckResult(
            "satellite",
            "error",
            str(exc),
            "Set CLERK_DOMAIN (or CLERK_PROXY_URL) and, on development keys, CLERK_SIGN_IN_URL to "
            "the primary app's sign-in page, or unset CLERK_IS_SATELLITE.",
        )
    if options.is_satellite:
        via = f"domain {options.domain}" if options.domain else f"proxy {options.proxy_url}"
        return _ok("satellite", f"A satellite application on {via}.")
    if options.domain:
        return CheckResult(
            "satellite",
            "warning",
            f"domain is set ({options.domain}) but is_satellite is not, so the domain is ignored.",
            "Set CLERK_IS_SATELLITE=true if this app is a satellite, else unset CLERK_DOMAIN.",
        )
    if options.proxy_url:
        return _ok("satellite", f"A primary application behind the proxy {options.proxy_url}.")
    return _ok("satellite", "A primary application without a proxy.")


_PROD_WORD = re.compile(r"(?<![a-z])prod(?:uction)?(?![a-z])")
_DEV_WORD = re.compile(r"(?<![a-z])(?:dev|development|local)(?![a-z])")
_ENV_NAMES = (
    "ENV",
    "APP_ENV",
    "ENVIRONMENT",
    "DJANGO_SETTINGS_MODULE",
    "FLASK_ENV",
    "PYTHON_ENV",
    "NODE_ENV",
)


def _environment_hint(environ: Mapping[str, str], debug: bool | None) -> tuple[str | None, str]:
    """``("production" | "development" | None, why)`` from the environment and ``DEBUG``."""
    for name in _ENV_NAMES:
        value = (environ.get(name) or "").lower()
        if _PROD_WORD.search(value):
            return "production", f"{name} says production"
        if _DEV_WORD.search(value):
            return "development", f"{name} says development"
    if debug is False:
        return "production", "DEBUG is off"
    if debug is True:
        return "development", "DEBUG is on"
    return None, "nothing in the environment says which"


def check_environment(
    options: ClerkOptions, environ: Mapping[str, str] | None = None, *, debug: bool | None = None
) -> CheckResult:
    """Development keys where the environment looks like production (``ENV``, ``APP_ENV``,
    ``ENVIRONMENT``, ``DJANGO_SETTINGS_MODULE``... naming prod, or ``debug=False``), and live keys
    where it looks like development: a warning. Result ``environment``."""
    env = os.environ if environ is None else environ
    looks, why = _environment_hint(env, debug)
    kind = options.instance_type
    if kind is None:
        return CheckResult(
            "environment",
            "warning",
            "Without a publishable key the keys' environment is unknown.",
            "Set CLERK_PUBLISHABLE_KEY.",
        )
    if kind == "development" and looks == "production":
        return CheckResult(
            "environment",
            "warning",
            f"Development (test) keys in what looks like production ({why}).",
            "Deploy with the production (pk_live_/sk_live_) keys of your Clerk instance.",
        )
    if kind == "production" and looks == "development":
        return CheckResult(
            "environment",
            "warning",
            f"Production (live) keys in what looks like development ({why}).",
            "Use the development (pk_test_/sk_test_) keys outside production.",
        )
    return _ok("environment", f"{kind.capitalize()} keys; {why}.")


def check_webhook_secret(secret: str | None) -> CheckResult | None:
    """The webhook signing secret is ``whsec_`` + base64 of at least 24 bytes, as
    :class:`~clerk_core.webhooks.WebhookVerifier` requires; ``None`` when none is set. Result
    ``webhook_secret``."""
    if not secret:
        return None
    try:
        WebhookVerifier(secret)
    except ClerkConfigurationError:
        return CheckResult(
            "webhook_secret",
            "error",
            f"The webhook signing secret {mask(secret)} is malformed: expected 'whsec_' followed "
            "by base64 of at least 24 bytes.",
            "Copy the signing secret again from your endpoint in the Clerk dashboard (Webhooks) "
            "into CLERK_WEBHOOK_SIGNING_SECRET.",
        )
    return _ok("webhook_secret", f"The webhook signing secret {mask(secret)} is well formed.")


def static_checks(options: ClerkOptions) -> list[CheckResult]:
    """The cheap, network-free checks of built options, for start-up and system checks: key
    shapes, ``authorized_parties`` of live keys, satellite and proxy coherence."""
    return [
        *check_key_shapes(options.publishable_key, options.secret_key),
        check_authorized_parties(options),
        check_satellite(options),
    ]


# ------------------------------------------------------------------------------ start-up

_startup_logger = logging.getLogger("clerk_core.doctor")


def startup_results(
    options: ClerkOptions,
    *,
    environ: Mapping[str, str] | None = None,
    debug: bool | None = None,
    local_frontend: bool = False,
) -> list[CheckResult]:
    """What an app reports about built options when it starts, with the start-up severity: the
    network-free checks that found something, in every adapter alike (Django's system checks map
    them to their ids). ``environment`` (keys that do not fit the environment; development keys
    are not flagged when ``local_frontend`` serves the test kit's sign-in) and ``satellite`` (a
    ``domain`` without ``is_satellite``) are warnings; ``authorized_parties`` missing with live
    keys is a **warning** at start-up (an error in the doctor), so running deployments keep
    starting; a malformed ``webhook_secret`` is an error. Invalid keys never get here:
    ``ClerkOptions`` and ``Clerk`` refuse them first. ``environ`` defaults to ``os.environ``."""
    found: list[CheckResult] = []
    if options.instance_type is not None:
        environment = check_environment(options, environ, debug=debug)
        skip = options.instance_type == "development" and local_frontend
        if environment.status != "ok" and not skip:
            found.append(environment)
    parties = check_authorized_parties(options)
    if parties.status == "error":
        found.append(dataclasses.replace(parties, status="warning"))
    satellite = check_satellite(options)
    if satellite.status != "ok":
        found.append(satellite)
    webhook = check_webhook_secret(options.webhook_signing_secret)
    if webhook is not None and webhook.status != "ok":
        found.append(webhook)
    return found


def check_at_startup(
    options: ClerkOptions,
    *,
    environ: Mapping[str, str] | None = None,
    debug: bool | None = None,
    local_frontend: bool = False,
    logger: logging.Logger | None = None,
) -> list[CheckResult]:
    """Run :func:`startup_results` where an adapter builds its engine: an error raises
    :class:`~clerk_core.errors.ClerkConfigurationError` (``"<what is wrong> Fix: <how>"``), each
    warning is logged once (``logger``, default ``clerk_core.doctor``, with ``extra``
    ``clerk_check`` = the check id). Returns the warnings."""
    found = startup_results(options, environ=environ, debug=debug, local_frontend=local_frontend)
    errors = [r for r in found if r.status == "error"]
    if errors:
        raise ClerkConfigurationError(" ".join(f"{r.message} Fix: {r.fix}" for r in errors))
    log = logger or _startup_logger
    for result in found:
        log.warning(
            "Clerk: %s Fix: %s", result.message, result.fix, extra={"clerk_check": result.id}
        )
    return found


# ------------------------------------------------------------------------------ network


@dataclasses.dataclass
class _Fetched:
    kids: list[str] | None = None
    date: float | None = None
    sent_at: float = 0.0
    received_at: float = 0.0


def _fetch_jwks(
    check_id: str,
    label: str,
    url: str,
    client: httpx.Client,
    headers: Mapping[str, str],
    clock: Callable[[], float],
    timer: Callable[[], float],
    fix_unreachable: str,
    fix_refused: str,
) -> tuple[CheckResult, _Fetched]:
    fetched = _Fetched(sent_at=clock())
    shown = _shown(url)
    started = timer()
    try:
        response = client.get(url, headers=dict(headers), timeout=_TIMEOUT)
    except httpx.HTTPError as exc:
        return CheckResult(
            check_id,
            "error",
            f"The {label} at {shown} is unreachable ({type(exc).__name__}).",
            fix_unreachable,
        ), fetched
    elapsed_ms = (timer() - started) * 1000
    fetched.received_at = clock()
    fetched.date = _parse_date(response.headers.get("date"))
    if response.status_code in (401, 403):
        return CheckResult(
            check_id,
            "error",
            f"The {label} at {shown} refused the request (HTTP {response.status_code}).",
            fix_refused,
        ), fetched
    kids: list[str] = []
    try:
        if response.status_code != 200:
            raise ValueError(response.status_code)
        document: Any = response.json()
        for key in document["keys"]:
            kids.append(_printable(str(key["kid"])))
    except (ValueError, KeyError, TypeError):
        return CheckResult(
            check_id,
            "error",
            f"The {label} at {shown} answered HTTP {response.status_code} without a JSON Web Key "
            "Set.",
            fix_unreachable,
        ), fetched
    fetched.kids = kids
    if not kids:
        return CheckResult(
            check_id,
            "error",
            f"The {label} at {shown} answered in {elapsed_ms:.0f} ms with no signing key.",
            fix_refused,
        ), fetched
    return _ok(
        check_id,
        f"The {label} at {shown} answered in {elapsed_ms:.0f} ms with {len(kids)} "
        f"key{'s' if len(kids) != 1 else ''} (kids: {', '.join(kids)}).",
    ), fetched


def _parse_date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # "-0000": an HTTP date is in GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()


def _printable(text: str, limit: int = 64) -> str:
    """A value from the network as it may be printed: no control characters, at most ``limit``."""
    cleaned = "".join(c if c.isprintable() else "?" for c in text)
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _shown(url: str) -> str:
    """``url`` without any ``user:password@`` part."""
    try:
        return str(httpx.URL(url).copy_with(username=None, password=None))
    except (httpx.InvalidURL, TypeError, ValueError):
        return "(unprintable URL)"


def check_apis(
    options: ClerkOptions,
    client: httpx.Client,
    *,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.perf_counter,
) -> list[CheckResult]:
    """Fetch the Backend API JWKS (``{api_url}/v1/jwks`` with the secret key) and the Frontend
    API's (``https://{frontend_api}/.well-known/jwks.json``), through ``client``. Results:
    ``backend_api`` and ``frontend_api`` (reachability, latency, key count and kids),
    ``same_instance`` (the two sets name the same kids) and ``clock_skew`` (this machine's clock
    against the ``Date`` of Clerk's answer, ``clock`` in Unix seconds). With a ``proxy_url``, also
    ``frontend_api_proxy``: the Frontend API as ClerkJS reaches it, through the proxy."""
    results: list[CheckResult] = []
    backend: _Fetched | None = None
    if options.secret_key:
        result, backend = _fetch_jwks(
            "backend_api",
            "Backend API",
            options.jwks_url,
            client,
            {"Authorization": f"Bearer {options.secret_key}"},
            clock,
            timer,
            "Check this machine's network, proxy and firewall towards the Backend API, and "
            "CLERK_API_URL if set.",
            "Copy the secret key again from the API keys page of the Clerk dashboard into "
            "CLERK_SECRET_KEY.",
        )
        results.append(result)
    else:
        results.append(
            CheckResult(
                "backend_api",
                "warning" if options.jwt_key or options.publishable_key else "error",
                "The Backend API was not called: no secret key is set.",
                "Set CLERK_SECRET_KEY.",
            )
        )
    frontend: _Fetched | None = None
    if options.frontend_api:
        result, frontend = _fetch_jwks(
            "frontend_api",
            "Frontend API",
            f"https://{options.frontend_api}/.well-known/jwks.json",
            client,
            {},
            clock,
            timer,
            "Check this machine's network towards the Frontend API, and the publishable key "
            "(its Frontend API host must exist: copy the key again from the dashboard).",
            "Copy the publishable key again from the API keys page of the Clerk dashboard.",
        )
        results.append(result)
    else:
        results.append(
            CheckResult(
                "frontend_api",
                "error",
                "The Frontend API was not called: no publishable key is set.",
                "Set CLERK_PUBLISHABLE_KEY.",
            )
        )
    proxied: _Fetched | None = None
    if options.proxy_url:
        result, proxied = _check_proxy(options, client, frontend, clock, timer)
        results.append(result)
    if (frontend is None or not frontend.kids) and proxied is not None and proxied.kids:
        frontend = proxied  # ClerkJS reaches the Frontend API through the proxy: compare that
    results.append(_same_instance(backend, frontend))
    results.append(_clock_skew(options, backend, frontend))
    return results


def _check_proxy(
    options: ClerkOptions,
    client: httpx.Client,
    frontend: _Fetched | None,
    clock: Callable[[], float],
    timer: Callable[[], float],
) -> tuple[CheckResult, _Fetched | None]:
    """``frontend_api_proxy``: the Frontend API as ClerkJS reaches it with ``proxy_url``
    (``{proxy_url}/.well-known/jwks.json``, forwarded by the proxy to the Frontend API), and
    whether the proxy forwards to this instance's Frontend API (the same kids). No credential is
    sent to the proxy. A relative ``proxy_url`` is resolved by the browser against the page's
    origin, which the doctor does not know: it is reported, not called."""
    proxy = options.proxy_url or ""
    if "://" not in proxy:
        return _ok(
            "frontend_api_proxy",
            f"proxy_url {proxy} is relative: the browser resolves it against each page's origin, "
            f"so the doctor did not call it (open https://<your app>{proxy.rstrip('/')}"
            "/.well-known/jwks.json to try it).",
        ), None
    fapi = options.frontend_api or "your Frontend API"
    fix = (
        f"Make the proxy at {_shown(proxy)} forward every path below it to https://{fapi} "
        "(Clerk's Frontend API proxy set-up), reachable from this machine."
    )
    result, proxied = _fetch_jwks(
        "frontend_api_proxy",
        "Frontend API through the proxy",
        proxy.rstrip("/") + "/.well-known/jwks.json",
        client,
        {},
        clock,
        timer,
        fix,
        fix,
    )
    if (
        proxied.kids
        and frontend is not None
        and frontend.kids
        and not set(proxied.kids) & set(frontend.kids)
    ):
        return CheckResult(
            "frontend_api_proxy",
            "error",
            f"The proxy at {_shown(proxy)} forwards to another Clerk instance: it serves the "
            f"signing keys {', '.join(proxied.kids)}, the Frontend API {fapi} "
            f"{', '.join(frontend.kids)}.",
            f"Point the proxy at https://{fapi}, the Frontend API your publishable key names.",
        ), proxied
    return result, proxied


def _same_instance(backend: _Fetched | None, frontend: _Fetched | None) -> CheckResult:
    if backend is None or frontend is None or not backend.kids or not frontend.kids:
        return CheckResult(
            "same_instance",
            "warning",
            "Not compared: the signing keys of both APIs are needed to tell whether the "
            "publishable and secret keys belong to the same instance.",
            "Make the backend_api and frontend_api checks pass first.",
        )
    if set(backend.kids) & set(frontend.kids):
        return _ok(
            "same_instance",
            "The publishable and secret keys belong to the same instance (same signing keys).",
        )
    return CheckResult(
        "same_instance",
        "error",
        "The publishable and secret keys are keys of two different instances: the Backend API "
        f"signs with {', '.join(backend.kids)}, the Frontend API with {', '.join(frontend.kids)}.",
        "Copy both keys from the API keys page of one Clerk instance (same application, same "
        "environment).",
    )


def _clock_skew(
    options: ClerkOptions, backend: _Fetched | None, frontend: _Fetched | None
) -> CheckResult:
    answer = next((f for f in (backend, frontend) if f is not None and f.date is not None), None)
    if answer is None or answer.date is None:
        return CheckResult(
            "clock_skew",
            "warning",
            "Not measured: Clerk sent no answer with a Date header.",
            "Make the backend_api and frontend_api checks pass first.",
        )
    # The server stamped its answer between sending and receiving; whole seconds, truncated.
    local = (answer.sent_at + answer.received_at) / 2
    skew = local - (answer.date + 0.5)
    drift = abs(skew)
    direction = "ahead of" if skew > 0 else "behind"
    said = f"This machine's clock is {drift:.1f} s {direction} Clerk's"
    fix = "Synchronise this machine's clock with NTP (e.g. enable systemd-timesyncd or chrony)."
    if drift > options.clock_skew:
        return CheckResult(
            "clock_skew",
            "error",
            f"{said}, more than the {options.clock_skew:g} s clock_skew tolerance: fresh session "
            "tokens are refused as not yet valid or expired.",
            fix,
        )
    if drift > _SKEW_WARNING:
        return CheckResult(
            "clock_skew",
            "warning",
            f"{said}, within the {options.clock_skew:g} s clock_skew tolerance but close to it.",
            fix,
        )
    return _ok("clock_skew", f"{said} (tolerance {options.clock_skew:g} s).")


# ------------------------------------------------------------------------------ running


def run_checks(
    build: Callable[[], ClerkOptions],
    *,
    publishable_key: str | None,
    secret_key: str | None,
    http_client: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
    debug: bool | None = None,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.perf_counter,
    network: bool = True,
) -> list[CheckResult]:
    """Every check, on the options ``build()`` returns and the raw keys the app reads (checked
    even when ``build()`` refuses them). A ``ClerkConfigurationError`` from ``build()`` is the
    ``settings`` error (unless a key check already explains it), and the checks that need
    options are skipped. ``http_client`` defaults to a fresh client, closed afterwards."""
    results = check_key_shapes(publishable_key, secret_key)
    try:
        options = build()
    except ClerkConfigurationError as exc:
        if not any(r.status == "error" for r in results):
            results.append(_settings_error(exc))
        return results
    if not options.secret_key and (options.jwt_key or options.publishable_key):
        # Verification with the PEM key or the Frontend API JWKS works without a secret key;
        # only what needs the Backend API (nonces, refresh, machine tokens) does not.
        results = [_networkless(r, options) if r.id == "secret_key" else r for r in results]
    if not options.secret_key:
        results.append(check_key_mode(options))  # the secret_key result names the usual mode
    results.append(check_authorized_parties(options))
    results.append(check_satellite(options))
    results.append(check_environment(options, environ, debug=debug))
    webhook = check_webhook_secret(options.webhook_signing_secret)
    if webhook is not None:
        results.append(webhook)
    if network:
        if http_client is None:
            with httpx.Client() as own:
                results.extend(check_apis(options, own, clock=clock, timer=timer))
        else:
            results.extend(check_apis(options, http_client, clock=clock, timer=timer))
    return results


def _networkless(result: CheckResult, options: ClerkOptions) -> CheckResult:
    source = "jwt_key" if options.jwt_key else "the publishable key (Frontend API JWKS)"
    return CheckResult(
        "secret_key",
        "warning",
        f"No secret key is set: session tokens are verified with {source}, but handshake "
        "nonces, session refresh and machine tokens need the Backend API.",
        result.fix,
    )


_SATELLITE_STEPS = ("_check_satellite", "_derive_frontend_apis")


def _settings_error(exc: ClerkConfigurationError) -> CheckResult:
    """The options' refusal as a result: ``satellite`` when a satellite or proxy rule refused
    them (the rule's own words), else ``settings``."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None and tb.tb_frame.f_code.co_name in _SATELLITE_STEPS:
        return CheckResult(
            "satellite",
            "error",
            str(exc),
            "Set CLERK_DOMAIN (or CLERK_PROXY_URL) and, on development keys, CLERK_SIGN_IN_URL to "
            "the primary app's sign-in page, or unset CLERK_IS_SATELLITE.",
        )
    return CheckResult(
        "settings",
        "error",
        str(exc),
        "Correct the setting the message names; the app refuses to start until then.",
    )


def exit_code(results: Sequence[CheckResult]) -> int:
    """:data:`EXIT_ERROR` when a check found an error, else :data:`EXIT_OK`."""
    return EXIT_ERROR if any(r.status == "error" for r in results) else EXIT_OK


def format_human(results: Sequence[CheckResult]) -> str:
    """One line per check (``status  id: message  Fix: fix  See: docs``, the last two for a
    warning or an error) and a summary line."""
    lines = []
    for r in results:
        line = f"{r.status.upper():<7} {r.id}: {r.message}"
        if r.fix:
            line += f" Fix: {r.fix}"
        if r.status != "ok":
            line += f" See: {r.docs}"
        lines.append(line)
    errors = sum(r.status == "error" for r in results)
    warnings = sum(r.status == "warning" for r in results)
    lines.append(
        f"{len(results)} checks: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}."
    )
    return "\n".join(lines) + "\n"


def format_json(results: Sequence[CheckResult]) -> str:
    """A JSON list of ``{"id", "status", "message", "fix", "docs"}`` objects."""
    return json.dumps([r.as_dict() for r in results], indent=2) + "\n"


def _first_sentence(text: str) -> str:
    head = text.split(". ", 1)[0].rstrip(".")
    return head + "."


def render(results: Sequence[CheckResult], *, as_json: bool) -> str:
    """The report as the commands print it."""
    return format_json(results) if as_json else format_human(results)


# ------------------------------------------------------------------------------ command line


def register(subparsers: Any) -> None:
    """Add ``doctor`` to the ``python -m clerk_core`` sub-commands."""
    parser = subparsers.add_parser(
        "doctor",
        help="check the Clerk settings of the environment and talk to Clerk",
        description="Check the Clerk settings this environment gives an app (CLERK_* variables): "
        "key shapes, that both keys belong to one instance, authorized_parties, satellite and "
        "proxy settings, the webhook secret, reachability of the Backend and Frontend APIs, and "
        "the clock. Exit codes: 0 no error (warnings allowed), 1 an error, 2 usage error.",
    )
    add_arguments(parser)
    parser.add_argument(
        "--app",
        metavar="MODULE:ATTR",
        help="also inspect this Starlette, FastAPI or Flask app (an import string as uvicorn "
        "takes, e.g. 'main:app'): how Clerk is installed in it, and the settings it gives Clerk",
    )
    parser.add_argument(
        "--factory",
        action="store_true",
        help="MODULE:ATTR is a function that returns the app (as uvicorn's --factory)",
    )
    parser.set_defaults(handler=run_command)


def add_arguments(parser: Any) -> None:
    """The doctor's options (this CLI and ``manage.py clerk_doctor``)."""
    parser.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list of {id, status, message, fix, docs}",
    )
    add_bundle_arguments(parser)


def run_command(
    args: Any,
    *,
    http_client: httpx.Client | None = None,
    environ: Mapping[str, str] | None = None,
    clock: Callable[[], float] = time.time,
    timer: Callable[[], float] = time.perf_counter,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    **_: Any,
) -> int:
    """``python -m clerk_core doctor``: the checks on ``ClerkOptions.from_env()``; with ``--app``,
    on the settings that app gives Clerk, followed by its installation checks; with
    ``--bundle FILE``, the debug bundle too."""
    env = os.environ if environ is None else environ
    inspection: AppInspection | None = None
    if getattr(args, "app", None):
        try:
            inspection = _inspect_spec(args.app, factory=bool(args.factory))
        except AppLoadError as exc:
            (stderr or sys.stderr).write(f"python -m clerk_core doctor: error: {exc}\n")
            return EXIT_USAGE
    build: Callable[[], ClerkOptions] = lambda: ClerkOptions.from_env(env)  # noqa: E731
    publishable, secret = env.get("CLERK_PUBLISHABLE_KEY"), env.get("CLERK_SECRET_KEY")
    if inspection is not None and inspection.build is not None:
        build = inspection.build
        publishable, secret = inspection.publishable_key, inspection.secret_key
    if http_client is None and inspection is not None:
        http_client = inspection.http_client
    results = run_checks(
        build,
        publishable_key=publishable,
        secret_key=secret,
        http_client=http_client,
        environ=env,
        clock=clock,
        timer=timer,
    )
    if inspection is not None:
        results.extend(inspection.results)
    out = stdout or sys.stdout
    out.write(render(results, as_json=bool(args.json)))
    if getattr(args, "bundle", None):
        written = bundle_after_checks(
            args.bundle,
            build,
            results,
            events_file=args.events,
            environ=env,
        )
        (stderr or sys.stderr).write(f"Wrote the debug bundle (secrets masked) to {written}\n")
    return exit_code(results)


# ------------------------------------------------------------------------------ debug bundle
# ``doctor --bundle FILE``: one redacted JSON file to attach to a support ticket (versions,
# settings with secrets masked, the checks, the last auth decisions). See docs/observability.md.

BUNDLE_FORMAT = 1
"""The bundle's ``format`` field; raised when a field changes meaning."""

_DISTRIBUTIONS = (
    "clerk-integrations",
    "django",
    "djangorestframework",
    "flask",
    "werkzeug",
    "starlette",
    "fastapi",
    "uvicorn",
    "gunicorn",
    "httpx",
    "cryptography",
    "pyjwt",
    "cachetools",
    "standardwebhooks",
    "redis",
    "opentelemetry-api",
    "opentelemetry-sdk",
)
_SECRET_OPTIONS = ("secret_key", "machine_secret_key", "webhook_signing_secret", "jwt_key")
_SECRET_WORDS = ("KEY", "SECRET", "TOKEN", "PASSWORD")
_EVENT_FIELDS = (
    "status",
    "reason",
    "token_type",
    "token_source",
    "memory_hit",
    "key_source",
    "handshake",
    "refresh",
    "duration_ms",
    "entry_point",
    "timestamp",
    "frontend_api",
)
_ID_FIELDS = ("user_id", "session_id", "org_id")


def add_bundle_arguments(parser: Any) -> None:
    """``--bundle FILE`` and ``--events FILE`` (this CLI and ``manage.py clerk_doctor``)."""
    parser.add_argument(
        "--bundle",
        metavar="FILE",
        help="also write a redacted debug bundle (versions, masked settings, the checks, recent "
        "auth decisions) to FILE, to attach to a support ticket",
    )
    parser.add_argument(
        "--events",
        metavar="FILE",
        help="the JSON Lines file a DecisionRecorder(path=...) writes: its last decisions go "
        "into the bundle",
    )


def _redact_url(value: str) -> str:
    """A URL without its user-info (``https://user:pass@host`` -> ``https://***@host``)."""
    return re.sub(r"(?<=://)[^/@\s]*@", "***@", value)


def _bundle_value(name: str, value: Any) -> Any:
    """One setting as the bundle shows it: secrets masked, URLs without credentials, callables
    and patterns by name, everything else as JSON allows."""
    if name in _SECRET_OPTIONS:
        if name == "jwt_key":
            return "(set: PEM public key)" if value else "(unset)"
        return mask(value) if value else "(unset)"
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return _redact_url(value)
    if isinstance(value, re.Pattern):
        return f"re:{value.pattern}"
    if callable(value):
        return f"<{type(value).__qualname__}>"
    if isinstance(value, (list, tuple, frozenset, set)):
        return [_bundle_value(name, v) for v in value]
    return f"<{type(value).__qualname__}>"


def settings_summary(options: ClerkOptions) -> dict[str, Any]:
    """Every ``ClerkOptions`` setting and the instance facts derived from them, secrets masked
    (:func:`mask`: the prefix and at most the last 4 characters), URLs without credentials."""
    shown: dict[str, Any] = {
        f.name: _bundle_value(f.name, getattr(options, f.name))
        for f in dataclasses.fields(options)
        if f.init
    }
    shown["frontend_api"] = options.frontend_api
    shown["instance_type"] = options.instance_type
    return shown


def _environment_summary(environ: Mapping[str, str]) -> dict[str, str]:
    """The ``CLERK_*`` variables set, secret-like ones masked."""
    shown: dict[str, str] = {}
    for name in sorted(environ):
        if not name.startswith("CLERK_"):
            continue
        value = environ[name]
        secret = name != "CLERK_PUBLISHABLE_KEY" and any(w in name for w in _SECRET_WORDS)
        shown[name] = mask(value) if secret else _redact_url(value)[:300]
    return shown


def _versions() -> dict[str, str]:
    from importlib import metadata

    found: dict[str, str] = {}
    for name in _DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def _event_dict(event: Any, include_ids: bool) -> dict[str, Any]:
    """An auth decision (an ``AuthEvent`` or the dict a recorder's file holds), reduced to the
    event's own fields: whatever else a file line carries is dropped."""
    data = event.as_dict() if hasattr(event, "as_dict") else dict(event)
    names = _EVENT_FIELDS + (_ID_FIELDS if include_ids else ())
    return {name: data[name] for name in names if data.get(name) is not None}


def recorded_events(
    options: ClerkOptions | None,
    *,
    events_file: str | os.PathLike[str] | None = None,
    limit: int = 100,
) -> list[Any]:
    """The last ``limit`` decisions available to the bundle: those of a
    :class:`~clerk_core.events.DecisionRecorder` installed as ``on_auth_event`` (in memory, or
    read from its file when its memory is empty, as in a separate command process), else those
    of ``events_file``."""
    from .events import DecisionRecorder, read_events_file

    hook = options.on_auth_event if options is not None else None
    recorder = hook if isinstance(hook, DecisionRecorder) else None
    if recorder is None:
        first = getattr(hook, "first", None)  # a hook chained by clerk_core.otel.instrument
        recorder = first if isinstance(first, DecisionRecorder) else None
    if recorder is not None:
        events: list[Any] = list(recorder.events())
        if events:
            return events[-limit:] if limit > 0 else []
        if events_file is None and recorder.path is not None:
            events_file = recorder.path
    if events_file is not None:
        return list(read_events_file(events_file, limit))
    return []


def build_bundle(
    results: Sequence[CheckResult],
    *,
    options: ClerkOptions | None = None,
    events: Sequence[Any] = (),
    environ: Mapping[str, str] | None = None,
    include_ids: bool = False,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The debug bundle as a dict: ``format``, ``created_at``, ``versions``, ``python``,
    ``platform``, ``settings`` (masked; ``None`` when the settings do not build), ``environment``
    (the ``CLERK_*`` variables set, masked), ``checks`` and ``auth_events`` (ids only with
    ``include_ids``)."""
    import platform

    env = os.environ if environ is None else environ
    created = datetime.datetime.fromtimestamp(clock(), tz=datetime.timezone.utc)
    return {
        "format": BUNDLE_FORMAT,
        "created_at": created.isoformat(timespec="seconds"),
        "versions": _versions(),
        "python": {
            "version": platform.python_version(),
            "implementation": platform.python_implementation(),
        },
        "platform": platform.platform(terse=True),
        "settings": settings_summary(options) if options is not None else None,
        "environment": _environment_summary(env),
        "checks": [r.as_dict() for r in results],
        "auth_events": [_event_dict(e, include_ids) for e in events],
    }


def write_bundle(
    path: str | os.PathLike[str],
    *,
    engine: Any = None,
    options: ClerkOptions | None = None,
    results: Sequence[CheckResult] | None = None,
    events: Sequence[Any] | None = None,
    events_file: str | os.PathLike[str] | None = None,
    limit: int = 100,
    include_ids: bool = False,
    network: bool = False,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Write the debug bundle of a running app (``engine``, a :class:`~clerk_core.Clerk`) or of
    ``options`` to ``path`` (readable by its owner only); returns the path.

    ``results`` defaults to the doctor's checks, network-free unless ``network=True`` (then
    through the engine's HTTP client); ``events`` to the last ``limit`` decisions of the
    options' :class:`~clerk_core.events.DecisionRecorder` or of ``events_file``."""
    if engine is not None:
        options = engine.options
    if options is None:
        raise ValueError("write_bundle needs engine= or options=.")
    if results is None:
        built = options
        results = run_checks(
            lambda: built,
            publishable_key=built.publishable_key,
            secret_key=built.secret_key,
            http_client=engine.http_client if engine is not None else None,
            environ=environ,
            network=network,
        )
    if events is None:
        events = recorded_events(options, events_file=events_file, limit=limit)
    bundle = build_bundle(
        results, options=options, events=events, environ=environ, include_ids=include_ids
    )
    return _write_json(path, bundle)


def _write_json(path: str | os.PathLike[str], bundle: Mapping[str, Any]) -> str:
    target = os.fspath(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(bundle, out, indent=2, sort_keys=False)
        out.write("\n")
    return target


def bundle_after_checks(
    path: str | os.PathLike[str],
    build: Callable[[], ClerkOptions],
    results: Sequence[CheckResult],
    *,
    events_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """What the doctor commands do with ``--bundle``: the bundle of the checks just run, the
    options ``build()`` gives (``None`` when it refuses them) and the recorded decisions."""
    try:
        options: ClerkOptions | None = build()
    except ClerkConfigurationError:
        options = None
    events = recorded_events(options, events_file=events_file)
    bundle = build_bundle(results, options=options, events=events, environ=environ)
    return _write_json(path, bundle)


# ------------------------------------------------------------------------------ apps

EXIT_USAGE = 2
"""A usage error: an unknown option, or an ``--app`` that cannot be found."""


@dataclasses.dataclass
class AppInspection:
    """What an adapter found by looking at an app object (``doctor --app``): ``results`` about how
    Clerk is installed in it (``middleware``, ``middleware_order``, ``lifespan``, ``extension``...;
    docs/doctor.md), and the settings its Clerk engine reads: ``build`` (``None``: the
    ``CLERK_*`` environment's), the raw keys it gives (checked even when ``build`` refuses them),
    and the engine's ``http_client`` when it was given one."""

    results: list[CheckResult]
    build: Callable[[], ClerkOptions] | None = None
    publishable_key: str | None = None
    secret_key: str | None = None
    http_client: httpx.Client | None = None


class AppLoadError(Exception):
    """``--app`` names no importable module or no attribute of it (a usage error, exit 2)."""


def load_app(spec: str, *, factory: bool = False) -> Any:
    """The object ``MODULE:ATTR`` names (``ATTR`` may be dotted), as uvicorn imports it; with
    ``factory``, the result of calling it. Raises :class:`AppLoadError` when the module or the
    attribute does not exist; an exception the module raises while it is imported propagates."""
    module_name, _, attrs = spec.partition(":")
    if not module_name or not attrs:
        raise AppLoadError(f"--app {spec!r} must be 'MODULE:ATTR', e.g. 'main:app'.")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name and not module_name.startswith(f"{exc.name}."):
            raise  # the module exists but imports something that does not
        raise AppLoadError(
            f"no module {module_name!r} (run the doctor from the directory the server runs in)."
        ) from None
    target: Any = module
    for attr in attrs.split("."):
        try:
            target = getattr(target, attr)
        except AttributeError:
            raise AppLoadError(f"module {module_name!r} has no attribute {attrs!r}.") from None
    if factory:
        target = target()
    return target


_INSPECTORS = {
    "starlette": "clerk_starlette.doctor",
    "fastapi": "clerk_starlette.doctor",
    "clerk_starlette": "clerk_starlette.doctor",
    "flask": "clerk_flask.doctor",
    "clerk_flask": "clerk_flask.doctor",
}
"""The adapter module whose ``inspect_app(app)`` looks at an app of each framework, by the top
package of a class in the app's type's MRO (imported only when such an app is inspected)."""


def inspect_app(app: Any) -> AppInspection:
    """How Clerk is installed in ``app`` (a Starlette or FastAPI app, or a Flask app), by the
    adapter of its framework; an ``app`` error result for anything else."""
    for cls in type(app).__mro__:
        name = _INSPECTORS.get(cls.__module__.split(".")[0])
        if name is not None:
            inspector: Callable[[Any], AppInspection] = importlib.import_module(name).inspect_app
            return inspector(app)
    return AppInspection(
        [
            CheckResult(
                "app",
                "error",
                f"The --app object (a {type(app).__name__}) is not a Starlette, FastAPI or Flask "
                "app.",
                "Give --app the application object your server runs, e.g. 'main:app'.",
            )
        ]
    )


def _inspect_spec(spec: str, *, factory: bool) -> AppInspection:
    """:func:`load_app` then :func:`inspect_app`; an app whose import refuses Clerk's settings
    (an engine built at import) is the ``app`` error, with the refusal's words."""
    try:
        app = load_app(spec, factory=factory)
    except ClerkConfigurationError as exc:
        return AppInspection(
            [
                CheckResult(
                    "app",
                    "error",
                    f"Importing {spec} fails: {exc}",
                    "Correct the setting the message names; the app cannot start until then.",
                )
            ]
        )
    return inspect_app(app)
