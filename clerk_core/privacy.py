"""Data export and deletion of one user: what Clerk holds about them, and erasure with a local
cascade.

    from clerk_core.privacy import delete_user, export_user

    data = export_user(clerk.backend_api, "user_123")         # a JSON-ready dict
    delete_user(clerk.backend_api, "user_123", on_deleted=lambda d: forget(d.user_id))

**Export.** :func:`export_user` (``aexport_user`` for async code) reads the user (profile, email
addresses, phone numbers, external accounts, web3 wallets, metadata: public, private and unsafe),
every page of their organization memberships and every page of their sessions, and returns one
dictionary (:data:`EXPORT_VERSION` describes its layout). It is the user's own data, private
metadata included by design: hand it to the user, never to a log. Nothing here logs it.

Every field of Clerk's user object is kept: the named lists and the metadata get their own key, the
rest is ``profile``. Two things are left out because they are not the user's: the ``private_metadata``
of each organization a membership embeds (the organization's, not the member's), and the
``organization_memberships`` the user object may embed (superseded by the complete, paged list).

**Deletion.** :func:`delete_user` (``adelete_user``) deletes the user in Clerk first, then runs the
local cascade ``on_deleted(deletion)`` (a :class:`Deletion`: ``user_id``, ``already_deleted``):

* Clerk first, because a user still in Clerk can sign in again and be re-created locally; once Clerk
  has deleted them nobody can sign in as them, and the local clean-up can take its time.
* Idempotent: when Clerk answers 404 ``resource_not_found`` the user is already deleted
  (``Deletion.already_deleted``) and ``on_deleted`` still runs. So the way to re-run a failed local
  clean-up is to run the same deletion again.
* Any other Clerk error (401, 429 after the retries, 5xx, unreachable) raises
  :class:`~clerk_core.ClerkAPIError` and ``on_deleted`` does not run: nothing local is deleted
  while the user may still exist in Clerk.
* A failure of ``on_deleted`` raises :class:`LocalCleanupError` (its ``__cause__`` is the hook's
  exception); the Clerk deletion is already done and stays done.

``user_cache`` (the engine's ``clerk.user_cache``) drops the cached copy the moment Clerk has
deleted the user, so ``current_user`` stops answering with it.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import re
import stat
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timezone
from typing import IO, TYPE_CHECKING, Any

from .backend_api import Call, ClerkList
from .backend_api.endpoints import sessions, users
from .errors import ClerkAPIError, ClerkError
from .resources import OrganizationMembership, Session

if TYPE_CHECKING:
    from .backend_api import AsyncBackendAPI, BackendAPI
    from .users import UserCache

__all__ = [
    "EXPORT_VERSION",
    "Deletion",
    "LocalCleanupError",
    "adelete_user",
    "aexport_user",
    "ask_confirmation",
    "build_export",
    "delete_user",
    "deletion_summary",
    "dump_export",
    "export_summary",
    "export_user",
    "failure_summary",
    "write_private_file",
]

EXPORT_VERSION = 1
"""The layout of an export: ``{"export_version", "exported_at", "user_id", "profile",
"email_addresses", "phone_numbers", "external_accounts", "web3_wallets", "metadata": {"public",
"private", "unsafe"}, "organization_memberships", "sessions"}``."""

LISTS = ("email_addresses", "phone_numbers", "external_accounts", "web3_wallets")
METADATA = ("public", "private", "unsafe")
_SUPERSEDED = ("organization_memberships",)


# ---------------------------------------------------------------------------------------- export
def _membership_page(user_id: str) -> Callable[[int, int], Call[ClerkList[OrganizationMembership]]]:
    return lambda limit, offset: users.user_memberships(user_id, limit=limit, offset=offset)


def _session_page(user_id: str) -> Callable[[int, int], Call[ClerkList[Session]]]:
    """A user's sessions of every status (active, ended, revoked, ...), page by page."""
    return lambda limit, offset: sessions.list_sessions(user_id=user_id, limit=limit, offset=offset)


def build_export(
    user: Mapping[str, Any],
    memberships: list[Mapping[str, Any]],
    sessions: list[Mapping[str, Any]],
    *,
    exported_at: float,
) -> dict[str, Any]:
    """The export document from Clerk's answers (pure; :func:`export_user` fetches them)."""
    profile = {
        key: value
        for key, value in user.items()
        if key not in LISTS
        and key not in _SUPERSEDED
        and key not in {f"{kind}_metadata" for kind in METADATA}
    }
    out: dict[str, Any] = {
        "export_version": EXPORT_VERSION,
        "exported_at": datetime.fromtimestamp(exported_at, timezone.utc).isoformat(),
        "user_id": user.get("id"),
        "profile": profile,
    }
    for key in LISTS:
        value = user.get(key)
        out[key] = list(value) if isinstance(value, list) else []
    out["metadata"] = {
        kind: dict(value) if isinstance(value := user.get(f"{kind}_metadata"), Mapping) else {}
        for kind in METADATA
    }
    out["organization_memberships"] = [_membership(m) for m in memberships]
    out["sessions"] = [dict(s) for s in sessions]
    return out


def _membership(membership: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(membership)
    org = out.get("organization")
    if isinstance(org, Mapping):
        out["organization"] = {k: v for k, v in org.items() if k != "private_metadata"}
    return out


def export_user(
    api: BackendAPI,
    user_id: str,
    *,
    page_size: int = 100,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Everything Clerk holds about ``user_id`` (see the module's docstring), every page of it.

    A user Clerk does not know raises :class:`~clerk_core.ClerkAPIError` (``status == 404``); an
    id that is not one path segment raises ``ValueError`` before any request."""
    user = api.users.get(user_id)
    memberships = [m.raw for m in api.paginate(_membership_page(user_id), page_size=page_size)]
    sessions = [s.raw for s in api.paginate(_session_page(user_id), page_size=page_size)]
    return build_export(user.raw, memberships, sessions, exported_at=clock())


async def aexport_user(
    api: AsyncBackendAPI,
    user_id: str,
    *,
    page_size: int = 100,
    clock: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """:func:`export_user` for async code."""
    user = await api.users.get(user_id)
    pages = api.paginate(_membership_page(user_id), page_size=page_size)
    memberships = [m.raw async for m in pages]
    sessions = [s.raw async for s in api.paginate(_session_page(user_id), page_size=page_size)]
    return build_export(user.raw, memberships, sessions, exported_at=clock())


def dump_export(export: Mapping[str, Any]) -> str:
    """The export as indented JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(export, indent=2, ensure_ascii=False) + "\n"


def write_private_file(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` readable by its owner only (``0600`` on POSIX): an export holds
    personal data and private metadata.

    A symbolic link at ``path`` is refused (``OSError``), never followed: in a shared directory
    another user could point it at a file of yours. An existing file is replaced only when it is
    a regular file owned by this process's user (else ``PermissionError``): another owner could
    read it whatever its mode. It is made ``0600`` before it is emptied and written."""
    flags = os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, 0o600)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise PermissionError(f"{os.fspath(path)!r} is not a regular file")
        if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
            raise PermissionError(
                f"{os.fspath(path)!r} belongs to another user: write the export elsewhere"
            )
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
        os.ftruncate(fd, 0)
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


# -------------------------------------------------------------------------------------- deletion
@dataclasses.dataclass(frozen=True)
class Deletion:
    """The outcome of :func:`delete_user`: ``already_deleted`` when Clerk answered 404 (deleted
    before, by this library, the Dashboard or the user), so only the local cascade ran now."""

    user_id: str
    already_deleted: bool


class LocalCleanupError(ClerkError):
    """The user is deleted in Clerk, but the local cascade (``on_deleted``) failed.

    ``__cause__`` is the hook's exception. Running the same deletion again is safe and runs the
    hook again (Clerk answers 404, read as already deleted)."""

    def __init__(self, user_id: str, *, already_deleted: bool) -> None:
        self.user_id = user_id
        self.already_deleted = already_deleted
        super().__init__(
            f"The user {user_id} is deleted in Clerk, but the local clean-up failed. Fix the cause"
            " and run the same deletion again: Clerk will answer that the user is already deleted"
            " and only the local clean-up will run."
        )


_USER_ID = re.compile(r"user_[A-Za-z0-9]+")


def _check_user_id(user_id: object) -> None:
    """A deletion names a Clerk user id (``user_`` then letters and digits), checked before any
    request. Clerk answers 404 for any other id, which reads as "already deleted": the local
    cascade would then run for an id Clerk never had (a Django username, an e-mail address, an id
    with a stray space, which MySQL's collations even match to the real one)."""
    if not isinstance(user_id, str) or not _USER_ID.fullmatch(user_id):
        raise ValueError(
            "user_id is not a valid Clerk id: a deletion needs a Clerk user id ('user_' then "
            "letters and digits). Nothing was deleted, in Clerk or locally."
        )


def _gone(exc: ClerkAPIError) -> bool:
    """Clerk's own "no such user": 404 with ``resource_not_found``. A bare 404 (a wrong
    ``api_url``, a proxy's page) is not taken as a deletion: fail closed."""
    return exc.status == 404 and exc.code == "resource_not_found"


def _forget(user_cache: UserCache | None, user_id: str) -> None:
    if user_cache is not None:
        user_cache.delete(user_id)


def delete_user(
    api: BackendAPI,
    user_id: str,
    *,
    on_deleted: Callable[[Deletion], object] | None = None,
    user_cache: UserCache | None = None,
) -> Deletion:
    """Delete ``user_id`` in Clerk, then run ``on_deleted(deletion)`` (see the module's docstring
    for the order and what each failure means). A ``user_id`` that is not a Clerk user id raises
    ``ValueError`` before anything is deleted."""
    _check_user_id(user_id)
    try:
        api.users.delete(user_id)
        already = False
    except ClerkAPIError as exc:
        if not _gone(exc):
            raise
        already = True
    _forget(user_cache, user_id)
    deletion = Deletion(user_id, already)
    if on_deleted is not None:
        try:
            on_deleted(deletion)
        except Exception as exc:
            raise LocalCleanupError(user_id, already_deleted=already) from exc
    return deletion


async def adelete_user(
    api: AsyncBackendAPI,
    user_id: str,
    *,
    on_deleted: Callable[[Deletion], object]
    | Callable[[Deletion], Awaitable[object]]
    | None = None,
    user_cache: UserCache | None = None,
) -> Deletion:
    """:func:`delete_user` for async code; ``on_deleted`` may be a plain or an ``async``
    function."""
    _check_user_id(user_id)
    try:
        await api.users.delete(user_id)
        already = False
    except ClerkAPIError as exc:
        if not _gone(exc):
            raise
        already = True
    _forget(user_cache, user_id)
    deletion = Deletion(user_id, already)
    if on_deleted is not None:
        try:
            result = on_deleted(deletion)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            raise LocalCleanupError(user_id, already_deleted=already) from exc
    return deletion


def ask_confirmation(user_id: str, *, stdin: IO[str], stdout: IO[str]) -> bool:
    """Ask on a terminal before an irreversible deletion: ``True`` only when the answer is
    ``yes`` or the user id itself. Not on a terminal (a pipe, CI): ``False`` without asking, so a
    script must say ``--yes``."""
    isatty = getattr(stdin, "isatty", None)
    if isatty is None or not isatty():
        return False
    stdout.write(
        f"Delete {user_id} in Clerk and run the local clean-up? This cannot be undone.\n"
        "Type 'yes' (or the user id) to continue: "
    )
    stdout.flush()
    answer = stdin.readline().strip()
    return answer in ("yes", user_id)


# ---------------------------------------------------------------- what the commands print
def export_summary(export: Mapping[str, Any], where: str) -> str:
    """One line about an export written to ``where``: counts only, never the data."""
    counts = ", ".join(
        f"{len(export.get(key) or [])} {key.replace('_', ' ')}"
        for key in (*LISTS, "organization_memberships", "sessions")
    )
    return f"Exported {export.get('user_id')} to {where}: {counts}."


def deletion_summary(deletion: Deletion, *, cascade: bool) -> str:
    """What a finished deletion did, in one line."""
    head = (
        f"{deletion.user_id} was already deleted in Clerk"
        if deletion.already_deleted
        else f"Deleted {deletion.user_id} in Clerk"
    )
    tail = "; the local clean-up ran." if cascade else "; no local clean-up is connected."
    return head + tail


def failure_summary(exc: BaseException, user_id: str, *, deleting: bool = False) -> str:
    """What a failed export or deletion means for the operator (no data, no secret)."""
    if isinstance(exc, LocalCleanupError):
        cause = exc.__cause__
        detail = f" Cause: {type(cause).__name__}: {cause}" if cause is not None else ""
        return str(exc) + detail
    if isinstance(exc, ClerkAPIError):
        if exc.status == 404 and exc.code == "resource_not_found":
            return f"Clerk has no user {user_id}."
        what = " ".join(
            str(p) for p in (exc.status, exc.code, exc.long_message or exc.message) if p
        )
        trace = f" (clerk_trace_id {exc.clerk_trace_id})" if exc.clerk_trace_id else ""
        after = (
            " Nothing was deleted locally; the user may still exist in Clerk." if deleting else ""
        )
        return f"Clerk answered {what or exc}{trace}.{after}"
    return str(exc)
