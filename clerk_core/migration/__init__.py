"""Import an existing app's users into Clerk (framework-free).

    from clerk_core.migration import Pacer, import_users, limit_for_key, read_export, write_report

    source = read_export("users.csv")                 # or a list of SourceUser (Django: its command)
    pacer = Pacer(limit_for_key(secret_key))          # stay under Clerk's Backend API rate limit
    api = BackendAPI(secret_key, sleep=pacer.retry_sleep)
    result = import_users(api, source, checkpoint="users.csv.checkpoint", pacer=pacer)
    write_report(result, "report.json")

* **Sources**: :func:`read_export` reads a CSV or JSON export (columns: :data:`COLUMNS`);
  ``manage.py clerk_import_users`` reads Django's user table; both give :class:`SourceUser` rows.
* **Passwords**: :func:`plan_password` maps a stored digest to Clerk's ``password_hasher``
  (Django's ``pbkdf2_sha256`` -> ``pbkdf2_sha256_django``, bcrypt, argon2, ...).
* **The import**: :func:`import_users` looks each ``external_id`` up first (idempotent), creates
  the missing users, records a checkpoint (resumable), paces its calls (:class:`Pacer`), shows
  :class:`Progress` and returns an :class:`ImportResult` for :func:`write_report`. A dry run
  (:func:`validate`) sends nothing.

The command line: ``python -m clerk_core import-users FILE`` (see ``docs/migration.md``).
"""

from __future__ import annotations

from ._checkpoint import CheckpointError
from ._hashers import CLERK_PASSWORD_HASHERS, PasswordPlan, plan_password
from ._importer import ImportAborted, ImportResult, Outcome, import_users, write_report
from ._pacing import DEVELOPMENT_LIMIT, PRODUCTION_LIMIT, Pacer, RateLimit, limit_for_key
from ._progress import Progress
from ._source import COLUMNS, Source, SourceError, SourceUser, read_export, validate

__all__ = [
    "CLERK_PASSWORD_HASHERS",
    "COLUMNS",
    "DEVELOPMENT_LIMIT",
    "PRODUCTION_LIMIT",
    "CheckpointError",
    "ImportAborted",
    "ImportResult",
    "Outcome",
    "Pacer",
    "PasswordPlan",
    "Progress",
    "RateLimit",
    "Source",
    "SourceError",
    "SourceUser",
    "import_users",
    "limit_for_key",
    "plan_password",
    "read_export",
    "validate",
    "write_report",
]
