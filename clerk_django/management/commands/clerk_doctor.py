"""``manage.py clerk_doctor [--json] [--bundle FILE [--events FILE]]``: the doctor's checks on
``settings.CLERK``, and with ``--bundle`` a redacted debug bundle (docs/observability.md).

The settings are the ones the app reads (``settings.CLERK``, the ``CLERK_*`` environment for
anything not set there, or a ready engine's options); ``DEBUG`` off counts as production. The
checks and their fixes are ``clerk_core.doctor``'s (``docs/doctor.md``), followed by
``ClerkMiddleware``'s place in ``MIDDLEWARE`` (``middleware``, ``middleware_order``: the system
checks W001, W002, W007-W009, E005). Django's system checks do not run first. Exit status: 0 no error
(warnings allowed), 1 an error, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from typing import Any

import httpx
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from clerk_core import Clerk, ClerkConfigurationError, ClerkOptions, doctor
from clerk_django.checks import installation_results
from clerk_django.conf import build_options, clerk_settings


def doctor_sources() -> tuple[
    Callable[[], ClerkOptions], str | None, str | None, httpx.Client | None
]:
    """What the doctor reads in a Django project: ``(build, publishable_key, secret_key,
    http_client)``, from ``settings.CLERK`` and the environment, as ``clerk_django.conf`` does."""
    try:
        config = clerk_settings()
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from None
    engine = config.get("clerk")
    if isinstance(engine, Clerk):
        options = engine.options
        return (lambda: options), options.publishable_key, options.secret_key, engine.http_client
    ready = config.get("options")
    if isinstance(ready, ClerkOptions):
        return (lambda: ready), ready.publishable_key, ready.secret_key, None

    def build() -> ClerkOptions:
        try:
            return build_options(config)
        except ImproperlyConfigured as exc:
            raise ClerkConfigurationError(str(exc)) from None

    publishable = config.get("publishable_key") or os.environ.get("CLERK_PUBLISHABLE_KEY")
    secret = config.get("secret_key") or os.environ.get("CLERK_SECRET_KEY")
    return build, publishable, secret, None


class Command(BaseCommand):
    help = (
        "Check this project's Clerk settings and talk to Clerk: key shapes, that both keys "
        "belong to one instance, authorized_parties, satellite and proxy settings, the webhook "
        "secret, the Backend and Frontend APIs, and the clock. Exit status: 0 no error "
        "(warnings allowed), 1 an error."
    )
    requires_system_checks = ()
    """The doctor reports what the system checks would (and more): a broken setting must not stop
    it before it runs."""
    stealth_options = ("http_client", "clock", "timer")
    """Tests pass an ``httpx.Client`` on the local instance (and a clock) via ``call_command``."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        doctor.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        build, publishable, secret, engine_client = doctor_sources()
        extra: dict[str, Any] = {}
        for name in ("clock", "timer"):
            if options.get(name) is not None:
                extra[name] = options[name]
        results = doctor.run_checks(
            build,
            publishable_key=publishable if isinstance(publishable, str) else None,
            secret_key=secret if isinstance(secret, str) else None,
            http_client=options.get("http_client") or engine_client,
            environ=os.environ,
            debug=bool(getattr(settings, "DEBUG", False)),
            **extra,
        )
        results.extend(installation_results())  # MIDDLEWARE: the system checks' W001, W002...
        self.stdout.write(doctor.render(results, as_json=options["json"]), ending="")
        if options.get("bundle"):
            written = doctor.bundle_after_checks(
                options["bundle"], build, results, events_file=options.get("events")
            )
            self.stderr.write(f"Wrote the debug bundle (secrets masked) to {written}")
        if doctor.exit_code(results) != doctor.EXIT_OK:
            errors = sum(r.status == "error" for r in results)
            raise CommandError(
                f"The Clerk doctor found {errors} error{'s' if errors != 1 else ''}.",
                returncode=doctor.EXIT_ERROR,
            )
