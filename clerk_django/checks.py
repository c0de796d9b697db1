"""System checks (``manage.py check``): Clerk keys, middleware order, keys that do not fit DEBUG.

Ids (docs/doctor.md, "Django's system checks"): E001-E006 and W001-W009 for the settings and
``MIDDLEWARE``; E020-E022 and W020 for Django users mirrored from Clerk.

The checks of the keys' environment, ``authorized_parties``, satellite settings and the webhook
secret are the doctor's network-free checks (``clerk_core.doctor``, ``manage.py clerk_doctor``),
with their messages and fixes, under this module's ids.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from clerk_core import ClerkConfigurationError, ClerkOptions, doctor

from .conf import build_options, clerk_settings, get_guard

MIDDLEWARE_PATH = "clerk_django.middleware.ClerkMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOCAL_MIDDLEWARE = "clerk_django.local.LocalFrontendMiddleware"
SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
CORS_MIDDLEWARE = "corsheaders.middleware.CorsMiddleware"


@register()
def check_clerk(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    try:
        config = clerk_settings()
    except ImproperlyConfigured as exc:
        return [Error(str(exc), id="clerk.E001")]
    if config.get("clerk") is not None:
        options = config["clerk"].options
    else:
        try:
            options = build_options(config)
        except (ClerkConfigurationError, ImproperlyConfigured) as exc:
            return [
                Error(
                    f"Clerk settings are invalid: {exc}",
                    hint="Fix settings.CLERK or the CLERK_* environment variables.",
                    id="clerk.E002",
                )
            ]
    if not options.publishable_key:
        # A publishable key alone is enough to verify sessions (docs/publishable-key-only.md);
        # the doctor (manage.py clerk_doctor) says what a missing secret key leaves out.
        messages.append(
            Error(
                "Clerk keys are missing.",
                hint="Set CLERK_PUBLISHABLE_KEY and CLERK_SECRET_KEY (or settings.CLERK "
                "'publishable_key' and 'secret_key') from the API keys page of the Clerk dashboard.",
                id="clerk.E003",
            )
        )
    try:
        get_guard()
    except ImproperlyConfigured as exc:
        messages.append(
            Error(
                str(exc), hint="Point 'guard' at a callable guard(auth, request).", id="clerk.E004"
            )
        )

    for finding in middleware_findings(_middleware(), config):
        kind = Error if finding.level == "error" else Warning
        messages.append(kind(finding.message, hint=finding.hint, id=finding.id))

    messages.extend(_doctor_messages(options, config))
    return messages


@register()
def check_clerk_users(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The settings of Django users mirrored from Clerk (``docs/django-users.md``)."""
    try:
        config = clerk_settings()
    except ImproperlyConfigured:
        return []  # reported as clerk.E001
    from django.apps import apps
    from django.contrib.auth import get_user_model

    if not apps.is_installed("django.contrib.auth"):
        return []  # Django reports the models' relation to the user model itself

    from .dashboard import dashboard_url_problem
    from .fieldmap import field_map_problems
    from .sync import DELETE_POLICIES

    messages: list[CheckMessage] = []
    try:
        model = get_user_model()
    except ImproperlyConfigured:
        return []  # AUTH_USER_MODEL is wrong: Django's own check says so
    for message, hint in field_map_problems(model):
        messages.append(
            Error(
                message, hint=hint or "See docs/django-users.md, 'The field map'.", id="clerk.E020"
            )
        )
    policy = config.get("user_delete_policy", "deactivate")
    if policy not in DELETE_POLICIES:
        messages.append(
            Error(
                f"settings.CLERK['user_delete_policy'] is {policy!r}.",
                hint="Use 'deactivate' (the default: is_active=False, the row and its foreign keys "
                "stay), 'delete' (the Django user is deleted, with its cascades) or 'keep'.",
                id="clerk.E021",
            )
        )
    elif policy == "deactivate" and not any(
        f.name == "is_active" for f in model._meta.concrete_fields
    ):
        messages.append(
            Warning(
                f"{model.__name__} has no is_active field, so a user deleted in Clerk cannot be "
                "deactivated.",
                hint="Set settings.CLERK['user_delete_policy'] to 'delete' or 'keep'.",
                id="clerk.W020",
            )
        )
    problem = dashboard_url_problem(config.get("dashboard_url"))
    if problem is not None:
        messages.append(
            Error(
                problem,
                hint="For example 'https://dashboard.clerk.com/apps/app_.../instances/ins_.../{path}' "
                "(the ids are in the address bar of your instance in the dashboard).",
                id="clerk.E022",
            )
        )
    return messages


_STARTUP_IDS = {
    "authorized_parties": "clerk.W005",
    "satellite": "clerk.W006",
    "webhook_secret": "clerk.E006",
}


def _doctor_messages(options: ClerkOptions, config: Any) -> list[CheckMessage]:
    """The doctor's start-up findings (``clerk_core.doctor.startup_results``, which the Flask and
    Starlette adapters run when they build their engine) as system-check messages: W003/W004
    (production or development keys that do not fit ``DEBUG``), W005 (live keys without
    ``authorized_parties``; a warning at start-up, an error in the doctor), W006 (``domain``
    without ``is_satellite``), E006 (a malformed webhook secret)."""
    messages: list[CheckMessage] = []
    debug = bool(getattr(settings, "DEBUG", False))
    found = doctor.startup_results(
        options, environ={}, debug=debug, local_frontend=config.get("local_frontend") is not None
    )
    for result in found:
        if result.id == "environment":
            check_id = "clerk.W003" if options.instance_type == "production" else "clerk.W004"
        else:
            check_id = _STARTUP_IDS[result.id]
        kind = Error if result.status == "error" else Warning
        messages.append(kind(result.message, hint=result.fix, id=check_id))
    return messages


# ------------------------------------------------------------------------------ MIDDLEWARE


@dataclasses.dataclass(frozen=True)
class MiddlewareFinding:
    """One problem with ``ClerkMiddleware``'s place in ``MIDDLEWARE``: the system check's ``id``,
    ``level`` (``"error"`` or ``"warning"``), ``message`` and ``hint``; ``after`` names the
    middleware ClerkMiddleware must come after, for an order problem."""

    id: str
    level: Literal["error", "warning"]
    message: str
    hint: str
    after: str | None = None


def _middleware() -> list[str]:
    return [str(path) for path in getattr(settings, "MIDDLEWARE", None) or ()]


def _is_clerk(path: str) -> bool:
    """``ClerkMiddleware`` or a subclass of it."""
    if path == MIDDLEWARE_PATH:
        return True
    if not path.startswith(("clerk_django.", "django.", "corsheaders.")):
        try:
            cls = import_string(path)
        except ImportError:
            return False
        from .middleware import ClerkMiddleware

        return isinstance(cls, type) and issubclass(cls, ClerkMiddleware)
    return False


_BEFORE_CLERK: tuple[tuple[str, str, str, str], ...] = (
    (
        LOCAL_MIDDLEWARE,
        "clerk.E005",
        "error",
        "LocalFrontendMiddleware must come before ClerkMiddleware, or its sign-in page and "
        "handshake endpoint are themselves sent through handshakes.",
    ),
    (
        SECURITY_MIDDLEWARE,
        "clerk.W008",
        "warning",
        "SecurityMiddleware comes after ClerkMiddleware, so Clerk's sign-in redirects, "
        "handshakes and 401s leave without its headers (HSTS, X-Content-Type-Options, "
        "Referrer-Policy) and an http:// request starts a handshake before SECURE_SSL_REDIRECT "
        "sends it to https://.",
    ),
    (
        CORS_MIDDLEWARE,
        "clerk.W009",
        "warning",
        "CorsMiddleware comes after ClerkMiddleware, so Clerk's 401 and 403 answers reach the "
        "browser without CORS headers (the page sees a CORS error, not the status) and a CORS "
        "preflight (OPTIONS) meets Clerk's guard before CorsMiddleware can answer it.",
    ),
)
"""Middleware that must run before ClerkMiddleware: ``(path, id, level, message)``."""


def middleware_findings(middleware: Sequence[str], config: Any) -> list[MiddlewareFinding]:
    """What is wrong with ``ClerkMiddleware`` in the ``middleware`` list (``settings.MIDDLEWARE``):
    missing (W001), listed twice (W007), or placed before a middleware it must follow:
    ``AuthenticationMiddleware`` with ``django_users`` (W002, it would replace the
    ``request.user`` Clerk set), ``LocalFrontendMiddleware`` (E005), ``SecurityMiddleware``
    (W008) and django-cors-headers' ``CorsMiddleware`` (W009), which must see Clerk's own
    answers (redirects, 401s). What reads ``request.auth`` (views, decorators, DRF, other
    middleware's ``process_view``) runs after every middleware's request phase, so it needs no
    order of its own."""
    clerk_at = [i for i, path in enumerate(middleware) if _is_clerk(path)]
    if not clerk_at:
        return [
            MiddlewareFinding(
                "clerk.W001",
                "warning",
                "ClerkMiddleware is not in MIDDLEWARE: request.auth is set only by the decorators.",
                f"Add '{MIDDLEWARE_PATH}' to MIDDLEWARE.",
            )
        ]
    found: list[MiddlewareFinding] = []
    if len(clerk_at) > 1:
        found.append(
            MiddlewareFinding(
                "clerk.W007",
                "warning",
                f"ClerkMiddleware is listed {len(clerk_at)} times in MIDDLEWARE: every request is "
                "authenticated, and the guard run, as many times.",
                f"Keep one '{MIDDLEWARE_PATH}' entry in MIDDLEWARE.",
            )
        )
    first = clerk_at[0]
    if (
        config.get("django_users")
        and AUTH_MIDDLEWARE in middleware
        and middleware.index(AUTH_MIDDLEWARE) > first
    ):
        found.append(
            MiddlewareFinding(
                "clerk.W002",
                "warning",
                "ClerkMiddleware comes before AuthenticationMiddleware, which then replaces the "
                "request.user that Clerk set.",
                f"Move '{MIDDLEWARE_PATH}' after '{AUTH_MIDDLEWARE}'.",
                after=AUTH_MIDDLEWARE,
            )
        )
    for path, check_id, level, message in _BEFORE_CLERK:
        if path in middleware and middleware.index(path) > first:
            found.append(
                MiddlewareFinding(
                    check_id,
                    "error" if level == "error" else "warning",
                    message,
                    f"Move '{path}' above '{MIDDLEWARE_PATH}'.",
                    after=path,
                )
            )
    return found


def installation_results() -> list[doctor.CheckResult]:
    """The middleware checks as the doctor's results (``manage.py clerk_doctor``): ``middleware``
    (installed, once) and ``middleware_order`` (placed after what it must follow), each with the
    system check ids it stands for."""
    middleware = _middleware()
    try:
        config = clerk_settings()
    except ImproperlyConfigured:
        config = {}
    findings = middleware_findings(middleware, config)
    presence = [f for f in findings if f.after is None]
    order = [f for f in findings if f.after is not None]
    results: list[doctor.CheckResult] = []
    if presence:
        finding = presence[0]
        results.append(
            doctor.CheckResult(
                "middleware", finding.level, f"{finding.message} ({finding.id})", finding.hint
            )
        )
        if finding.id == "clerk.W001":
            return results
    else:
        at = next(i for i, path in enumerate(middleware) if _is_clerk(path))
        results.append(
            doctor.CheckResult(
                "middleware",
                "ok",
                f"ClerkMiddleware is in MIDDLEWARE (entry {at + 1} of {len(middleware)}).",
            )
        )
    if not order:
        results.append(
            doctor.CheckResult(
                "middleware_order",
                "ok",
                "ClerkMiddleware comes after the middleware it must follow.",
            )
        )
        return results
    level: doctor.Status = "error" if any(f.level == "error" for f in order) else "warning"
    message = " ".join(f"{f.message} ({f.id})" for f in order)
    if len(order) == 1:
        fix = order[0].hint
    else:
        names = ", ".join(f"'{f.after}'" for f in order)
        fix = f"Move '{MIDDLEWARE_PATH}' below {names} in MIDDLEWARE."
    results.append(doctor.CheckResult("middleware_order", level, message, fix))
    return results
