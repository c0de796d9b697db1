"""System checks (``manage.py check``): Clerk keys, middleware order, keys that do not fit DEBUG.

The checks of the keys' environment, ``authorized_parties``, satellite settings and the webhook
secret are the doctor's network-free checks (``clerk_core.doctor``, ``manage.py clerk_doctor``),
with their messages and fixes, under this module's ids.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from clerk_core import ClerkConfigurationError, ClerkOptions, doctor

from .conf import build_options, clerk_settings, get_guard

MIDDLEWARE_PATH = "clerk_django.middleware.ClerkMiddleware"
AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
LOCAL_MIDDLEWARE = "clerk_django.local.LocalFrontendMiddleware"


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

    middleware = list(getattr(settings, "MIDDLEWARE", []) or [])
    if MIDDLEWARE_PATH not in middleware:
        messages.append(
            Warning(
                "ClerkMiddleware is not in MIDDLEWARE: request.auth is set only by the decorators.",
                hint=f"Add '{MIDDLEWARE_PATH}' to MIDDLEWARE.",
                id="clerk.W001",
            )
        )
    elif (
        config.get("django_users")
        and AUTH_MIDDLEWARE in middleware
        and middleware.index(AUTH_MIDDLEWARE) > middleware.index(MIDDLEWARE_PATH)
    ):
        messages.append(
            Warning(
                "ClerkMiddleware comes before AuthenticationMiddleware, which then replaces the "
                "request.user that Clerk set.",
                hint=f"Move '{MIDDLEWARE_PATH}' after '{AUTH_MIDDLEWARE}'.",
                id="clerk.W002",
            )
        )
    if (
        LOCAL_MIDDLEWARE in middleware
        and MIDDLEWARE_PATH in middleware
        and middleware.index(LOCAL_MIDDLEWARE) > middleware.index(MIDDLEWARE_PATH)
    ):
        messages.append(
            Error(
                "LocalFrontendMiddleware must come before ClerkMiddleware, or its sign-in page and "
                "handshake endpoint are themselves sent through handshakes.",
                hint=f"Move '{LOCAL_MIDDLEWARE}' above '{MIDDLEWARE_PATH}'.",
                id="clerk.E005",
            )
        )

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


def _doctor_messages(options: ClerkOptions, config: Any) -> list[CheckMessage]:
    """The doctor's network-free checks as system-check messages: W003/W004 (keys that do not fit
    ``DEBUG``), W005 (live keys without ``authorized_parties``; a warning here, an error in the
    doctor), W006 (``domain`` without ``is_satellite``), E006 (a malformed webhook secret)."""
    messages: list[CheckMessage] = []
    debug = bool(getattr(settings, "DEBUG", False))
    environment = doctor.check_environment(options, {}, debug=debug)
    if environment.status != "ok" and options.instance_type == "production":
        messages.append(Warning(environment.message, hint=environment.fix, id="clerk.W003"))
    elif (
        environment.status != "ok"
        and options.instance_type == "development"
        and config.get("local_frontend") is None
    ):
        messages.append(Warning(environment.message, hint=environment.fix, id="clerk.W004"))
    parties = doctor.check_authorized_parties(options)
    if parties.status == "error":
        messages.append(Warning(parties.message, hint=parties.fix, id="clerk.W005"))
    satellite = doctor.check_satellite(options)
    if satellite.status != "ok":
        messages.append(Warning(satellite.message, hint=satellite.fix, id="clerk.W006"))
    webhook = doctor.check_webhook_secret(options.webhook_signing_secret)
    if webhook is not None and webhook.status == "error":
        messages.append(Error(webhook.message, hint=webhook.fix, id="clerk.E006"))
    return messages
