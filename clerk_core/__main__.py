"""``python -m clerk_core <command>``: the library's command line.

Each command is a module with ``register(subparsers)``, which adds its parser and sets
``handler`` (a function of the parsed arguments returning the exit code); a new command is one
more entry in :data:`COMMANDS`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import doctor, explain
from .migration import _cli as import_users_cli

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: list[Callable[[Any], None]] = [
    import_users_cli.register,
    doctor.register,
    explain.register,
]
"""The ``register`` function of each sub-command."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m clerk_core", description="Clerk tools.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None, **injected: Any) -> int:
    """Parse ``argv`` and run the command; its exit code. ``injected`` goes to the command's
    handler (tests pass ``http_client=``, ``clock=``, ``sleep=``, ``stdout=``, ``stderr=``)."""
    args = build_parser().parse_args(argv)
    handler: Callable[..., int] = args.handler
    return handler(args, **injected)


if __name__ == "__main__":
    sys.exit(main())
