"""Client-side pacing: keep an import under Clerk's Backend API rate limit, and account the time
spent waiting (on the pacer, and on ``Retry-After`` when Clerk answers 429 anyway)."""

from __future__ import annotations

import collections
import dataclasses
import time
from collections.abc import Callable

__all__ = ["DEVELOPMENT_LIMIT", "PRODUCTION_LIMIT", "Pacer", "RateLimit", "limit_for_key"]


@dataclasses.dataclass(frozen=True)
class RateLimit:
    """At most ``requests`` calls in any ``window`` seconds."""

    requests: int
    window: float = 10.0

    def __post_init__(self) -> None:
        if self.requests < 1 or not self.window > 0:
            raise ValueError("A rate limit needs at least 1 request in a window over 0 seconds.")


PRODUCTION_LIMIT = RateLimit(1000, 10.0)
"""Clerk's documented Backend API limit for a production instance (per secret key)."""
DEVELOPMENT_LIMIT = RateLimit(100, 10.0)
"""Clerk's documented Backend API limit for a development instance."""


def limit_for_key(secret_key: str | None) -> RateLimit:
    """Clerk's documented limit for the instance a secret key belongs to (``sk_live_``: 1000
    requests per 10 s; otherwise 100 per 10 s)."""
    return PRODUCTION_LIMIT if (secret_key or "").startswith("sk_live_") else DEVELOPMENT_LIMIT


class Pacer:
    """A sliding window over the last calls: :meth:`acquire` sleeps until one more call stays
    within the limit. :meth:`retry_sleep` is a ``sleep`` for ``BackendAPI(sleep=...)`` that
    accounts the client's ``Retry-After`` waits. ``clock`` and ``sleep`` are injectable (tests
    and the benchmark run on a simulated clock)."""

    def __init__(
        self,
        limit: RateLimit | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self.clock = clock
        self._sleep = sleep
        self._sent: collections.deque[float] = collections.deque()
        self.calls = 0
        self.paced_seconds = 0.0
        """Time spent waiting for the pacer."""
        self.retry_seconds = 0.0
        """Time spent waiting on ``Retry-After`` (or back-off) inside the client."""
        self.retries = 0

    def acquire(self) -> None:
        """Wait, if needed, then count one call."""
        limit = self.limit
        if limit is not None:
            now = self.clock()
            sent = self._sent
            while sent and now - sent[0] >= limit.window:
                sent.popleft()
            if len(sent) >= limit.requests:
                # Wait until the oldest call leaves the window, then forget it (no second
                # look at the clock: a simulated one may not move by a rounding error).
                wait = limit.window - (now - sent.popleft())
                if wait > 0:
                    self.paced_seconds += wait
                    self._sleep(wait)
            self._sent.append(self.clock())
        self.calls += 1

    def retry_sleep(self, seconds: float) -> None:
        self.retries += 1
        self.retry_seconds += seconds
        self._sleep(seconds)

    @property
    def waited_seconds(self) -> float:
        return self.paced_seconds + self.retry_seconds
