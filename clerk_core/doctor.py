"""The doctor: checks that catch a misconfigured Clerk set-up, each with a one-sentence fix.

``python -m clerk_core doctor``, ``manage.py clerk_doctor`` and ``flask clerk doctor`` run them on
the settings the app reads; ``docs/doctor.md`` explains each check and its fix.

Every check is a function returning :class:`CheckResult` (``id``, ``status``, ``message``,
``fix``). The cheap ones read only :class:`~clerk_core.options.ClerkOptions` (and the
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
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_USAGE",
    "AppInspection",
    "AppLoadError",
    "CheckResult",
    "Status",
    "check_apis",
    "check_at_startup",
    "check_authorized_parties",
    "check_environment",
    "check_key_shapes",
    "check_satellite",
    "check_webhook_secret",
    "exit_code",
    "format_human",
    "format_json",
    "inspect_app",
    "load_app",
    "mask",
    "run_checks",
    "startup_results",
    "static_checks",
]

Status = Literal["ok", "warning", "error"]
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
    says what was found and ``fix`` (empty when ok) how to put it right, one sentence each."""

    id: str
    status: Status
    message: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        """The JSON form: ``{"id", "status", "message", "fix"}`` (stable field names)."""
        return {"id": self.id, "status": self.status, "message": self.message, "fix": self.fix}


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
                "warning" if options.jwt_key else "error",
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
    if options.jwt_key and not options.secret_key:
        # Networkless verification with the PEM key works without a secret key; only what
        # needs the Backend API (handshakes, refresh, machine tokens) does not.
        results = [_networkless(r) if r.id == "secret_key" else r for r in results]
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


def _networkless(result: CheckResult) -> CheckResult:
    return CheckResult(
        "secret_key",
        "warning",
        "No secret key is set: session tokens are verified with jwt_key, but handshakes, "
        "session refresh and machine tokens need the Backend API.",
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
    """One line per check (``status  id: message  Fix: fix``) and a summary line."""
    lines = []
    for r in results:
        line = f"{r.status.upper():<7} {r.id}: {r.message}"
        if r.fix:
            line += f" Fix: {r.fix}"
        lines.append(line)
    errors = sum(r.status == "error" for r in results)
    warnings = sum(r.status == "warning" for r in results)
    lines.append(
        f"{len(results)} checks: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''}."
    )
    return "\n".join(lines) + "\n"


def format_json(results: Sequence[CheckResult]) -> str:
    """A JSON list of ``{"id", "status", "message", "fix"}`` objects."""
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
        "--json", action="store_true", help="print a JSON list of {id, status, message, fix}"
    )


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
    on the settings that app gives Clerk, followed by its installation checks."""
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
    return exit_code(results)


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
