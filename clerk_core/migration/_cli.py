"""``python -m clerk_core import-users FILE``: import a CSV or JSON export into Clerk."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

import httpx

from ..backend_api import BackendAPI
from ..errors import ClerkConfigurationError
from ._checkpoint import CheckpointError
from ._importer import ImportAborted, ImportResult, import_users, write_report
from ._pacing import Pacer, RateLimit, limit_for_key
from ._progress import Progress
from ._source import COLUMNS, SourceError, read_export

__all__ = [
    "EXIT_ABORTED",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "add_file_arguments",
    "add_import_arguments",
    "register",
    "run_import",
]

EXIT_OK = 0
"""Every row imported, updated or skipped (a dry run: every row valid or skipped)."""
EXIT_FAILED = 1
"""Some rows failed (a dry run: some rows are invalid); the report says which and why."""
EXIT_USAGE = 2
"""Bad arguments, a missing secret key, an unreadable file or an unusable checkpoint."""
EXIT_ABORTED = 3
"""Clerk stopped taking users (bad key, rate limit past the retries, API down): resume later."""
EXIT_INTERRUPTED = 130


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    """The options the import commands share (this CLI and Django's ``clerk_import_users``)."""
    parser.add_argument("--dry-run", action="store_true", help="validate every row; send nothing")
    parser.add_argument("--report", metavar="PATH", help="write the report here (.json, else CSV)")
    parser.add_argument(
        "--checkpoint", metavar="PATH", help="where to record progress (default: beside the source)"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the import recorded in the checkpoint"
    )
    parser.add_argument(
        "--on-existing",
        choices=("skip", "update"),
        default="skip",
        help="a Clerk user with the same external_id: skip it, or refresh its names and metadata",
    )
    parser.add_argument(
        "--unsupported-hasher",
        choices=("skip", "no-password"),
        default="skip",
        help="a password hash Clerk cannot check: skip the user, or import it without a password",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        metavar="N",
        help="at most N requests per window (default: Clerk's limit for the key: 1000 for "
        "sk_live_, 100 for sk_test_; 0 turns pacing off)",
    )
    parser.add_argument(
        "--rate-window", type=float, default=10.0, metavar="SECONDS", help="default 10"
    )
    parser.add_argument(
        "--progress",
        choices=("auto", "bar", "lines", "none"),
        default="auto",
        help="a bar on a terminal, lines otherwise (auto), or as named",
    )


def register(subparsers: Any) -> None:
    """Add ``import-users`` to the ``python -m clerk_core`` sub-commands."""
    columns = "\n".join(f"  {name:<17} {text}" for name, text in COLUMNS.items())
    parser = subparsers.add_parser(
        "import-users",
        help="import users from a CSV or JSON export into Clerk",
        description="Import users from a CSV or JSON export into Clerk. The secret key comes "
        "from CLERK_SECRET_KEY (and the API from CLERK_API_URL, if set). Exit codes: 0 done, "
        "1 some rows failed or are invalid, 2 usage or input error, 3 Clerk stopped taking "
        "users (resume later), 130 interrupted (resume later).",
        epilog="Columns (CSV) or keys (JSON):\n" + columns,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_file_arguments(parser)
    parser.set_defaults(handler=run_import)


def add_file_arguments(parser: argparse.ArgumentParser) -> None:
    """The import of a file's arguments (this CLI and ``flask clerk import-users``)."""
    parser.add_argument("file", metavar="FILE", help="the export: a .csv or .json file")
    parser.add_argument("--format", choices=("csv", "json"), help="default: the file's suffix")
    add_import_arguments(parser)


def pacer_for(
    args: argparse.Namespace,
    secret_key: str | None,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
) -> Pacer:
    if args.rate_limit is None:
        limit: RateLimit | None = limit_for_key(secret_key)
    elif args.rate_limit <= 0:
        limit = None
    else:
        limit = RateLimit(args.rate_limit, args.rate_window)
    return Pacer(limit, clock=clock, sleep=sleep)


def progress_for(args: argparse.Namespace, total: int, stream: TextIO) -> Progress | None:
    if args.progress == "none":
        return None
    tty = {"bar": True, "lines": False}.get(args.progress)
    return Progress(total, stream, tty=tty)


def print_summary(result: ImportResult, out: TextIO) -> None:
    summary = result.summary()
    counts = ", ".join(f"{k} {v}" for k, v in result.counts.items())
    verb = "Checked" if result.dry_run else "Imported"
    out.write(f"{verb} {summary['total']} users: {counts}.\n")
    if not result.dry_run:
        out.write(
            f"{summary['api_calls']} API calls in {summary['elapsed_seconds']} s, "
            f"{summary['waited_rate_limit_seconds']} s of it waiting on the rate limit.\n"
        )
    shown = 0
    for outcome in result.outcomes:
        if outcome.status in ("failed", "invalid") and shown < 20:
            out.write(
                f"  row {outcome.row} ({outcome.external_id}): {outcome.code}: {outcome.message}\n"
            )
            shown += 1


def run_import(
    args: argparse.Namespace,
    *,
    http_client: httpx.Client | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    secret_key: str | None = None,
    api_url: str | None = None,
    api_version: str = "v1",
) -> int:
    """Run the import of ``args.file``; the exit code. The secret key and the API's URL are the
    ones given (an app's own settings), else ``CLERK_SECRET_KEY`` and ``CLERK_API_URL``."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        source = read_export(args.file, format=args.format)
    except SourceError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    for warning in source.warnings:
        err.write(f"warning: {warning}\n")
    api: BackendAPI | None = None
    secret = secret_key or os.environ.get("CLERK_SECRET_KEY")
    try:
        pacer = pacer_for(args, secret, clock, sleep)
    except ValueError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    if not args.dry_run:
        try:
            api = BackendAPI(
                secret,
                api_url=api_url or os.environ.get("CLERK_API_URL") or "https://api.clerk.com",
                api_version=api_version,
                http_client=http_client,
                clock=clock,
                sleep=pacer.retry_sleep,
            )
        except ClerkConfigurationError as exc:
            err.write(f"error: {exc}\n")
            return EXIT_USAGE
    checkpoint = args.checkpoint or f"{args.file}.checkpoint"
    return finish_import(
        lambda: import_users(
            api,
            source,
            dry_run=args.dry_run,
            on_existing=args.on_existing,
            unsupported_hasher=args.unsupported_hasher,
            checkpoint=None if args.dry_run else checkpoint,
            resume=args.resume,
            pacer=pacer,
            progress=progress_for(args, len(source.users), err),
            clock=clock,
        ),
        args.report,
        out,
        err,
        checkpoint,
    )


def finish_import(
    run: Callable[[], ImportResult],
    report: str | None,
    out: TextIO,
    err: TextIO,
    checkpoint: str,
) -> int:
    """Run the import and turn its end into output and an exit code (shared with Django)."""
    try:
        result = run()
    except CheckpointError as exc:
        err.write(f"error: {exc}\n")
        return EXIT_USAGE
    except ImportAborted as exc:
        err.write(f"error: {exc}\nThe checkpoint is at {checkpoint}: resume with --resume.\n")
        return EXIT_ABORTED
    except KeyboardInterrupt:
        err.write(f"\nInterrupted. The checkpoint is at {checkpoint}: resume with --resume.\n")
        return EXIT_INTERRUPTED
    if report:
        write_report(result, report)
        out.write(f"Report: {report}\n")
    print_summary(result, out)
    return EXIT_OK if result.ok else EXIT_FAILED
