"""``flask clerk ...``: the extension's commands, registered by ``Clerk.init_app``.

* ``flask clerk export-user USER_ID [--output FILE]``: everything Clerk holds about one user, as
  JSON (to stdout, or to a file readable by its owner only); never log it.
* ``flask clerk import-users FILE [options]``: import users from a CSV or JSON export into Clerk
  with the app's secret key (the options and exit codes of ``python -m clerk_core import-users``;
  ``flask clerk import-users --help`` lists them; docs/migration.md).
* ``flask clerk delete-user USER_ID [--yes]``: delete the user in Clerk, then run the app's local
  clean-up, ``app.config["CLERK_ON_USER_DELETED"]`` (a callable or a dotted path, called with a
  ``clerk_core.privacy.Deletion``). Exit status 0 done, 1 Clerk did not delete (nothing local was
  touched), 2 a usage error, 3 Clerk deleted but the clean-up failed (run the same command again).
* ``flask clerk doctor [--json] [--bundle FILE [--events FILE]]``: the doctor's checks
  (``clerk_core.doctor``, docs/doctor.md) on the extension's options and HTTP client, then how
  Clerk is installed in the app (``extension``, ``before_request``: :mod:`clerk_flask.doctor`);
  with ``--bundle`` a redacted debug bundle (docs/observability.md). Exit status 0 no error
  (warnings allowed), 1 an error, 2 a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup
from werkzeug.utils import import_string

from clerk_core import doctor
from clerk_core.errors import ClerkAPIError
from clerk_core.migration._cli import add_file_arguments, run_import
from clerk_core.privacy import (
    Deletion,
    LocalCleanupError,
    ask_confirmation,
    delete_user,
    deletion_summary,
    dump_export,
    export_summary,
    export_user,
    failure_summary,
    write_private_file,
)

from .doctor import inspect_app
from .extension import _state

__all__ = ["clerk_cli", "on_user_deleted"]

clerk_cli = AppGroup(
    "clerk", help="Clerk: check the set-up, import users, export or delete a user's data."
)


def on_user_deleted() -> Callable[[Deletion], Any] | None:
    """The app's local clean-up: ``CLERK_ON_USER_DELETED`` (a callable or a dotted path; plain or
    ``async def``), or ``None``."""
    hook = current_app.config.get("CLERK_ON_USER_DELETED")
    if isinstance(hook, str):
        hook = import_string(hook)
    if hook is None:
        return None
    if not callable(hook):
        raise click.ClickException(
            "CLERK_ON_USER_DELETED must be a callable or a dotted path to one."
        )
    # An ``async def`` clean-up runs to completion too (Flask's ensure_sync, flask[async]).
    run: Callable[[Deletion], Any] = current_app.ensure_sync(hook)
    return run


def _stdin() -> Any:
    return sys.stdin


@clerk_cli.command("export-user")
@click.argument("user_id")
@click.option("--output", "-o", help="Write the JSON to this file (mode 0600) instead of stdout.")
def export_user_command(user_id: str, output: str | None) -> None:
    """Export everything Clerk holds about USER_ID as JSON."""
    try:
        export = export_user(_state().engine.backend_api, user_id)
    except (ClerkAPIError, ValueError) as exc:
        raise click.ClickException(failure_summary(exc, user_id)) from exc
    text = dump_export(export)
    if output:
        write_private_file(output, text)
        click.echo(export_summary(export, output), err=True)
    else:
        click.echo(text, nl=False)


@clerk_cli.command("delete-user")
@click.argument("user_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (needed off a terminal).")
def delete_user_command(user_id: str, yes: bool) -> None:
    """Delete USER_ID in Clerk, then run CLERK_ON_USER_DELETED."""
    hook = on_user_deleted()
    if not yes and not ask_confirmation(user_id, stdin=_stdin(), stdout=sys.stdout):
        raise click.ClickException(
            f"Not deleted: {user_id} was left alone (confirm on a terminal, or pass --yes)."
        )
    engine = _state().engine
    try:
        deletion = delete_user(
            engine.backend_api, user_id, on_deleted=hook, user_cache=engine.user_cache
        )
    except LocalCleanupError as exc:
        message = failure_summary(exc, user_id, deleting=True)
        click.echo(f"Error: {message} Re-run: flask clerk delete-user {user_id} --yes", err=True)
        raise click.exceptions.Exit(3) from exc
    except (ClerkAPIError, ValueError) as exc:
        raise click.ClickException(failure_summary(exc, user_id, deleting=True)) from exc
    click.echo(deletion_summary(deletion, cascade=hook is not None))


@clerk_cli.command(
    "import-users",
    add_help_option=False,
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def import_users_command(arguments: tuple[str, ...]) -> None:
    """Import users from a CSV or JSON export into Clerk (--help lists the options)."""
    parser = argparse.ArgumentParser(
        prog="flask clerk import-users",
        description="Import users from a CSV or JSON export into Clerk, with the app's secret key. "
        "Exit codes: 0 done, 1 some rows failed or are invalid, 2 usage or input error, 3 Clerk "
        "stopped taking users (resume later), 130 interrupted (resume later).",
    )
    add_file_arguments(parser)
    args = parser.parse_args(list(arguments))  # a usage error exits with status 2, as argparse does
    engine = _state().engine
    options = engine.options
    code = run_import(
        args,
        http_client=engine.http_client,
        secret_key=options.secret_key,
        api_url=options.api_url,
        api_version=options.api_version,
    )
    sys.exit(code)


@clerk_cli.command("doctor")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON list of {id, status, message, fix}."
)
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write a redacted debug bundle (versions, masked settings, the checks, recent "
    "auth decisions) to this file.",
)
@click.option(
    "--events",
    type=click.Path(dir_okay=False),
    default=None,
    help="The JSON Lines file a DecisionRecorder(path=...) writes, for the bundle.",
)
def doctor_command(as_json: bool, bundle: str | None, events: str | None) -> None:
    """Check the app's Clerk settings, how Clerk is installed in it, and talk to Clerk (exit
    status 1 on an error)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    inspection = inspect_app(app)
    assert inspection is not None  # a Flask app
    assert inspection.build is not None
    results = doctor.run_checks(
        inspection.build,
        publishable_key=inspection.publishable_key,
        secret_key=inspection.secret_key,
        http_client=inspection.http_client,
        environ=os.environ,
        debug=True if current_app.debug else None,
    )
    results.extend(inspection.results)
    click.echo(doctor.render(results, as_json=as_json), nl=False)
    if bundle:
        written = doctor.bundle_after_checks(
            bundle, inspection.build, results, events_file=events, environ=os.environ
        )
        click.echo(f"Wrote the debug bundle (secrets masked) to {written}", err=True)
    code = doctor.exit_code(results)
    if code != doctor.EXIT_OK:
        raise click.exceptions.Exit(code)
