"""The checkpoint of an import: where it stopped, written atomically, and the journal of
outcomes it points into."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["Checkpoint", "CheckpointError", "read_checkpoint", "write_checkpoint"]

VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be used: unreadable, from another source, or one left behind
    by an earlier import when ``resume`` was not asked for."""


@dataclasses.dataclass(frozen=True)
class Checkpoint:
    """``position`` rows are done; their outcomes are the first ``journal_bytes`` bytes of the
    journal (JSON Lines, one outcome per row); ``last_external_id`` is the last done row's, a
    second check that the source still has the same order."""

    source: str
    position: int
    journal_bytes: int
    last_external_id: str | None
    complete: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, **dataclasses.asdict(self)}


def write_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Write ``checkpoint`` to ``path`` atomically: a temporary file in the same directory,
    flushed to disk, then renamed over the old one, so a crash leaves the old or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(checkpoint.to_json(), file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_checkpoint(path: Path) -> Checkpoint | None:
    """The checkpoint at ``path`` (``None`` when there is none)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise CheckpointError(f"The checkpoint {path} cannot be read: {exc}.") from None
    try:
        if data["version"] != VERSION:
            raise CheckpointError(f"The checkpoint {path} has an unknown version.")
        return Checkpoint(
            source=str(data["source"]),
            position=int(data["position"]),
            journal_bytes=int(data["journal_bytes"]),
            last_external_id=data["last_external_id"],
            complete=bool(data["complete"]),
        )
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"The checkpoint {path} is malformed.") from None
