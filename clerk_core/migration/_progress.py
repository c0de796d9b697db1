"""Progress output without a dependency: a redrawn bar on a terminal, plain lines elsewhere (CI,
a pipe, a log file)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """Shows ``done`` of ``total``. On a terminal (and not under ``CI``), a bar redrawn at most
    ten times a second; otherwise a line at every ``lines``-th part (default each 10%) and at the
    end. ``stream=None`` shows nothing."""

    def __init__(
        self,
        total: int,
        stream: TextIO | None,
        *,
        tty: bool | None = None,
        lines: int = 10,
        clock: Callable[[], float] = time.monotonic,
        label: str = "users",
    ) -> None:
        self.total = total
        self.stream = stream
        if tty is None:
            isatty = getattr(stream, "isatty", None)
            tty = bool(isatty and isatty()) and not os.environ.get("CI")
        self.tty = tty
        self.step = max(1, -(-total // max(1, lines)))
        self.clock = clock
        self.label = label
        self.started = clock()
        self._drawn = 0.0
        self._next_line = self.step

    def _rate(self, done: int) -> str:
        elapsed = self.clock() - self.started
        return f"{done / elapsed:.0f} {self.label}/s" if elapsed > 0 else ""

    def update(self, done: int, counts: Mapping[str, int]) -> None:
        if self.stream is None:
            return
        summary = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
        if self.tty:
            now = self.clock()
            if now - self._drawn < 0.1 and done < self.total:
                return
            self._drawn = now
            width = 30
            filled = width * done // self.total if self.total else width
            bar = "#" * filled + "." * (width - filled)
            pct = 100 * done // self.total if self.total else 100
            self.stream.write(
                f"\r[{bar}] {done}/{self.total} {pct:3d}%  {summary}  {self._rate(done)}\x1b[K"
            )
            self.stream.flush()
        elif done >= self._next_line or done == self.total:
            while self._next_line <= done:
                self._next_line += self.step
            pct = 100 * done // self.total if self.total else 100
            self.stream.write(f"{done}/{self.total} {self.label} ({pct}%): {summary}\n")
            self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.tty:
            self.stream.write("\n")
            self.stream.flush()
