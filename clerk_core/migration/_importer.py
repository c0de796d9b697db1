"""The import itself: validate, look up by ``external_id``, create (or update), checkpoint,
report. Framework-free; the CLI and the Django command are thin callers."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from ..backend_api import BackendAPI
from ..errors import ClerkAPIError
from ._checkpoint import Checkpoint, CheckpointError, read_checkpoint, write_checkpoint
from ._hashers import PasswordPlan
from ._pacing import Pacer
from ._progress import Progress
from ._source import Source, SourceUser, validate

__all__ = [
    "ImportAborted",
    "ImportResult",
    "Outcome",
    "import_users",
    "write_report",
]

OnExisting = Literal["skip", "update"]
Unsupported = Literal["skip", "no-password"]
STATUSES = ("imported", "updated", "skipped", "failed", "valid", "invalid")
LOOKUP_BATCH = 100
"""Clerk's ``GET /users`` takes up to 100 ``external_id`` values and answers up to 500 users."""


class ImportAborted(Exception):
    """The import stopped because Clerk cannot take more now (bad key, rate limit past the
    retries, the API unreachable or failing). The checkpoint is at the row that was not done:
    fix the cause and resume. ``error`` is Clerk's."""

    def __init__(self, message: str, error: ClerkAPIError) -> None:
        super().__init__(message)
        self.error = error


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What happened to one row: ``status`` is ``imported``, ``updated``, ``skipped`` or
    ``failed`` (a dry run: ``valid``, ``invalid`` or ``skipped``); ``code`` and ``message`` are
    Clerk's (``ClerkAPIError.code`` / ``.long_message``) or this importer's reason; ``password``
    says what became of the password (the hasher's name, ``none``, ``unusable``, ``dropped``),
    never the digest."""

    row: int
    external_id: str
    email: str | None
    status: str
    clerk_user_id: str | None = None
    password: str | None = None
    code: str | None = None
    message: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in _OUTCOME_FIELDS}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outcome:
        return cls(**{k: v for k, v in data.items() if k in _OUTCOME_FIELDS})


_OUTCOME_FIELDS = tuple(f.name for f in dataclasses.fields(Outcome))


@dataclasses.dataclass
class ImportResult:
    """Every row's :class:`Outcome` (resumed runs included), the counts by status, and the
    time: ``elapsed_seconds`` of this run, of which ``paced_seconds`` waiting for the pacer and
    ``retry_seconds`` waiting on Clerk's ``Retry-After``; ``api_calls`` made by this run."""

    outcomes: list[Outcome]
    dry_run: bool
    elapsed_seconds: float = 0.0
    paced_seconds: float = 0.0
    retry_seconds: float = 0.0
    api_calls: int = 0
    resumed_at: int = 0
    _tally: dict[str, int] = dataclasses.field(default_factory=dict, repr=False)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        self._tally[outcome.status] = self._tally.get(outcome.status, 0) + 1

    @property
    def counts(self) -> dict[str, int]:
        if sum(self._tally.values()) != len(self.outcomes):  # outcomes added directly
            self._tally = {}
            for outcome in self.outcomes:
                self._tally[outcome.status] = self._tally.get(outcome.status, 0) + 1
        counts = {name: self._tally.get(name, 0) for name in STATUSES}
        names = ("valid", "invalid", "skipped") if self.dry_run else STATUSES[:4]
        return {name: counts[name] for name in names}

    @property
    def ok(self) -> bool:
        """No row failed (or, in a dry run, was invalid)."""
        counts = self.counts
        return not counts.get("failed") and not counts.get("invalid")

    def summary(self) -> dict[str, Any]:
        waited = self.paced_seconds + self.retry_seconds
        return {
            "dry_run": self.dry_run,
            "total": len(self.outcomes),
            **self.counts,
            "resumed_at_row": self.resumed_at,
            "api_calls": self.api_calls,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "waited_rate_limit_seconds": round(waited, 3),
            "waited_pacing_seconds": round(self.paced_seconds, 3),
            "waited_retry_after_seconds": round(self.retry_seconds, 3),
        }


def write_report(result: ImportResult, path: str | Path) -> None:
    """The report: JSON (``{"summary": ..., "users": [...]}``) for a ``.json`` path, else CSV
    (one row per user, the columns of :class:`Outcome`)."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    if file.suffix.lower() == ".json":
        document = {"summary": result.summary(), "users": [o.to_json() for o in result.outcomes]}
        file.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        return
    with file.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, [f.name for f in dataclasses.fields(Outcome)])
        writer.writeheader()
        for outcome in result.outcomes:
            writer.writerow(outcome.to_json())


def _fatal(error: ClerkAPIError) -> bool:
    """An answer that says Clerk cannot take more now, rather than that the row is wrong."""
    status = error.status
    return status is None or status in (401, 403, 429) or status >= 500


class _Journal:
    """The outcomes of a checkpointed import, one JSON line per row, appended and flushed."""

    def __init__(self, path: Path, keep_bytes: int) -> None:
        self.path = path
        with path.open("ab") as file:
            if file.tell() < keep_bytes:
                raise CheckpointError(
                    f"The journal {path} is shorter than its checkpoint says; delete the "
                    "checkpoint to start again (users already in Clerk are skipped)."
                )
            file.truncate(keep_bytes)
        with path.open("rb") as file:
            try:
                self.previous = [
                    Outcome.from_json(json.loads(line)) for line in file.read().splitlines() if line
                ]
            except (ValueError, TypeError):
                raise CheckpointError(f"The journal {path} is damaged.") from None
        self.file = path.open("ab")

    def append(self, outcome: Outcome) -> None:
        self.file.write(json.dumps(outcome.to_json()).encode() + b"\n")

    def size(self) -> int:
        self.file.flush()
        return self.file.tell()

    def close(self) -> None:
        self.file.close()


class _Run:
    def __init__(
        self,
        api: BackendAPI | None,
        source: Source,
        *,
        dry_run: bool,
        on_existing: OnExisting,
        unsupported_hasher: Unsupported,
        pacer: Pacer,
        progress: Progress | None,
    ) -> None:
        self.api = api
        self.users = source.users
        self.source = source
        self.dry_run = dry_run
        self.on_existing = on_existing
        self.unsupported = unsupported_hasher
        self.pacer = pacer
        self.progress = progress
        self.result = ImportResult([], dry_run)
        self.problems = validate(source.users, unsupported_hasher="no-password")

    # ------------------------------------------------------------------ one row
    def _outcome(self, index: int, status: str, **fields: Any) -> Outcome:
        user = self.users[index]
        return Outcome(index + 1, user.external_id, user.email, status, **fields)

    def local(self, index: int) -> tuple[Outcome | None, PasswordPlan]:
        """The outcome decided without Clerk (invalid, skipped), or ``None``: send it."""
        user = self.users[index]
        plan = user.password_plan()
        problems = self.problems.get(index)
        if problems:
            status = "invalid" if self.dry_run else "failed"
            return self._outcome(
                index, status, code="invalid_row", message=" ".join(problems)
            ), plan
        if user.skip_reason:
            return self._outcome(
                index, "skipped", code="source_skipped", message=user.skip_reason
            ), plan
        if plan.kind == "unsupported" and self.unsupported == "skip":
            return self._outcome(
                index,
                "skipped",
                password="unsupported",  # noqa: S106 - a label, not a password
                code="unsupported_password_hasher",
                message=plan.reason,
            ), plan
        if self.dry_run:
            return self._outcome(index, "valid", password=_label(plan)), plan
        return None, plan

    def lookup(self, external_ids: Sequence[str]) -> dict[str, str]:
        """The Clerk user id of each external id already in Clerk."""
        assert self.api is not None
        found: dict[str, str] = {}
        for start in range(0, len(external_ids), LOOKUP_BATCH):
            chunk = list(external_ids[start : start + LOOKUP_BATCH])
            self.pacer.acquire()
            try:
                page = self.api.users.list(external_id=chunk, limit=len(chunk))
            except ClerkAPIError as exc:
                # Without the lookup the import cannot tell new users from imported ones.
                raise ImportAborted(
                    f"Clerk did not answer the lookup by external_id: {exc}", exc
                ) from exc
            for user in page:
                external = user.external_id
                if external is not None and user.id:
                    found[external] = user.id
        return found

    def send(self, index: int, plan: PasswordPlan, existing: str | None) -> Outcome:
        user = self.users[index]
        api = self.api
        assert api is not None
        password = _label(plan)
        if existing is not None:
            if self.on_existing == "skip":
                return self._outcome(
                    index,
                    "skipped",
                    clerk_user_id=existing,
                    code="already_in_clerk",
                    message="A Clerk user has this external_id already.",
                )
            return self._update(index, existing)
        digest = plan.kind == "digest"
        try:
            self.pacer.acquire()
            created = api.users.create(
                external_id=user.external_id,
                email_address=[user.email] if user.email else None,
                username=user.username,
                first_name=user.first_name,
                last_name=user.last_name,
                password_digest=plan.digest if digest else None,
                password_hasher=plan.hasher if digest else None,
                skip_password_requirement=None if digest else True,
                public_metadata=user.public_metadata,
                private_metadata=user.private_metadata,
                unsafe_metadata=user.unsafe_metadata,
                created_at=user.created_at,
            )
        except ValueError as exc:  # refused by the client before any request
            return self._outcome(
                index, "failed", password=password, code="invalid_row", message=str(exc)
            )
        except ClerkAPIError as exc:
            if exc.status is None or exc.status >= 500:
                # The request may have reached Clerk: look before calling it failed.
                again = self.lookup([user.external_id]).get(user.external_id)
                if again is not None:
                    return self._outcome(index, "imported", clerk_user_id=again, password=password)
            if _fatal(exc):
                raise ImportAborted(f"Clerk did not take row {index + 1}: {exc}", exc) from exc
            return self._outcome(
                index,
                "failed",
                password=password,
                code=exc.code,
                message=exc.long_message or exc.message or str(exc),
            )
        return self._outcome(index, "imported", clerk_user_id=created.id, password=password)

    def _update(self, index: int, clerk_id: str) -> Outcome:
        """Refresh an existing user's names and merge its metadata (never its password, email
        or username: the user may have changed them in Clerk since)."""
        user = self.users[index]
        api = self.api
        assert api is not None
        try:
            if user.first_name is not None or user.last_name is not None:
                self.pacer.acquire()
                api.users.update(clerk_id, first_name=user.first_name, last_name=user.last_name)
            if user.public_metadata or user.private_metadata or user.unsafe_metadata:
                self.pacer.acquire()
                api.users.update_metadata(
                    clerk_id,
                    public_metadata=user.public_metadata,
                    private_metadata=user.private_metadata,
                    unsafe_metadata=user.unsafe_metadata,
                )
        except ClerkAPIError as exc:
            if _fatal(exc):
                raise ImportAborted(f"Clerk did not take row {index + 1}: {exc}", exc) from exc
            return self._outcome(
                index,
                "failed",
                clerk_user_id=clerk_id,
                code=exc.code,
                message=exc.long_message or exc.message or str(exc),
            )
        return self._outcome(index, "updated", clerk_user_id=clerk_id)

    # ------------------------------------------------------------------ the rows
    def run(
        self,
        start: int,
        record: Callable[[Outcome], None],
        checkpoint: Callable[[int], None],
    ) -> None:
        users = self.users
        position = start
        try:
            while position < len(users):
                chunk = range(position, min(position + LOOKUP_BATCH, len(users)))
                decided = {i: self.local(i) for i in chunk}
                to_send = [i for i in chunk if decided[i][0] is None]
                existing = self.lookup([users[i].external_id for i in to_send]) if to_send else {}
                for index in chunk:
                    outcome, plan = decided[index]
                    if outcome is None:
                        outcome = self.send(index, plan, existing.get(users[index].external_id))
                    record(outcome)
                    position = index + 1
                    if self.progress is not None:
                        self.progress.update(position, self.result.counts)
                checkpoint(position)
        finally:
            checkpoint(position)


def _label(plan: PasswordPlan) -> str:
    return "dropped" if plan.kind == "unsupported" else plan.label


def import_users(
    api: BackendAPI | None,
    source: Source | Sequence[SourceUser],
    *,
    dry_run: bool = False,
    on_existing: OnExisting = "skip",
    unsupported_hasher: Unsupported = "skip",
    checkpoint: str | Path | None = None,
    resume: bool = False,
    pacer: Pacer | None = None,
    progress: Progress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> ImportResult:
    """Import ``source`` into Clerk through ``api`` and return every row's outcome.

    Each row's ``external_id`` is looked up first (100 per call), so a user already in Clerk is
    skipped (``on_existing="skip"``) or has its names and metadata refreshed (``"update"``), and a
    second run creates no duplicate. A password digest moves with the user when a Clerk hasher
    checks it; a user without a usable password is created with ``skip_password_requirement``; an
    unsupported digest skips the user (``unsupported_hasher="skip"``) or imports it without a
    password (``"no-password"``). ``dry_run`` validates every row and sends nothing (``api`` may
    be ``None``).

    ``checkpoint`` is a file recording how far the import got, rewritten atomically every 100
    rows and when the import stops for any reason; its outcomes are journalled beside it
    (``<checkpoint>.journal``). With ``resume=True`` the import continues from it (the source
    must be the same); without, an existing checkpoint is refused (:class:`CheckpointError`).
    ``pacer`` keeps the calls under a rate limit and accounts the waits (build the client with
    ``sleep=pacer.retry_sleep`` to account ``Retry-After`` waits too). Raises
    :class:`ImportAborted` when Clerk cannot take more (the checkpoint is then at that row).
    """
    if not isinstance(source, Source):
        rows = list(source)
        digest = hashlib.sha256("\n".join(u.external_id for u in rows).encode()).hexdigest()
        source = Source(rows, f"users:sha256:{digest}")
    if api is None and not dry_run:
        raise ValueError("import_users needs a BackendAPI unless dry_run=True.")
    pacer = pacer or Pacer(None)
    run = _Run(
        api,
        source,
        dry_run=dry_run,
        on_existing=on_existing,
        unsupported_hasher=unsupported_hasher,
        pacer=pacer,
        progress=progress,
    )
    result = run.result
    started = clock()
    calls, paced, retried = pacer.calls, pacer.paced_seconds, pacer.retry_seconds
    if dry_run or checkpoint is None:
        try:
            run.run(0, result.add, lambda _position: None)
        finally:
            _finish(result, pacer, progress, clock() - started, calls, paced, retried)
        return result

    path = Path(checkpoint)
    saved = read_checkpoint(path)
    start, keep = 0, 0
    if saved is not None:
        if not resume:
            raise CheckpointError(
                f"A checkpoint of an earlier import is at {path}: resume it, or delete it (and "
                f"{path.name}.journal) to start again (users already in Clerk are skipped)."
            )
        if saved.source != source.fingerprint:
            raise CheckpointError(
                f"The checkpoint {path} is of another source (the file changed since); "
                "delete it to start again (users already in Clerk are skipped)."
            )
        users = source.users
        if saved.position > len(users) or (
            saved.position and users[saved.position - 1].external_id != saved.last_external_id
        ):
            raise CheckpointError(
                f"The source no longer matches the checkpoint {path} (rows were added, removed "
                "or reordered); delete it to start again (users already in Clerk are skipped)."
            )
        start, keep = saved.position, saved.journal_bytes
    journal = _Journal(path.with_name(path.name + ".journal"), keep)
    for previous in journal.previous:
        result.add(previous)
    result.resumed_at = start

    def record(outcome: Outcome) -> None:
        result.add(outcome)
        journal.append(outcome)

    def save(position: int) -> None:
        last = source.users[position - 1].external_id if position else None
        write_checkpoint(
            path,
            Checkpoint(
                source.fingerprint,
                position,
                journal.size(),
                last,
                complete=position >= len(source.users),
            ),
        )

    try:
        run.run(start, record, save)
    finally:
        journal.close()
        _finish(result, pacer, progress, clock() - started, calls, paced, retried)
    return result


def _finish(
    result: ImportResult,
    pacer: Pacer,
    progress: Progress | None,
    elapsed: float,
    calls: int,
    paced: float,
    retried: float,
) -> None:
    result.elapsed_seconds = elapsed
    result.api_calls = pacer.calls - calls
    result.paced_seconds = pacer.paced_seconds - paced
    result.retry_seconds = pacer.retry_seconds - retried
    if progress is not None:
        progress.close()
