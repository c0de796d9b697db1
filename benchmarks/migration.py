"""Importing users into Clerk: users per second against the local Backend API, and the share of
the time an import spends waiting on Clerk's rate limit.

    python benchmarks/migration.py [--users N] [--retry-every K]

The import (``clerk_core.migration.import_users``) runs the real client over the in-process
transport of ``LocalClerkInstance`` (no network, no sockets), with Django ``pbkdf2_sha256``
hashes, one lookup per 100 users and one create per user. Waits are *simulated*: the pacer and
the client's ``Retry-After`` sleeps advance a fake clock instead of sleeping, so a 10,000-user
run under a 100-requests-per-10-s limit finishes in seconds and its waits are added up exactly.
The figures:

* work: the measured wall time of the import without the waits (the client, the fake, the
  importer), and users per second at that pace, the most any limit could allow;
* with the rate limit: the simulated wall time (work + waits) and users per second, under no
  limit, Clerk's production limit (1000 requests per 10 s) and its development limit (100 per
  10 s), with a 429 (``Retry-After: 1``) injected every ``--retry-every`` calls;
* waiting: the share of the simulated wall time spent waiting (pacing + ``Retry-After``).

Against Clerk itself each call also costs a network round trip (tens of milliseconds), so real
imports are slower than "work" here but reach the same ceiling set by the rate limit.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clerk_core.backend_api import BackendAPI  # noqa: E402
from clerk_core.migration import (  # noqa: E402
    DEVELOPMENT_LIMIT,
    PRODUCTION_LIMIT,
    Pacer,
    RateLimit,
    SourceUser,
    import_users,
)
from clerk_core.testing import LocalClerkInstance  # noqa: E402


class SimulatedClock:
    """The real time elapsed plus the simulated sleeps: the pacer sees the work take the time it
    takes, and its waits cost nothing real."""

    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.slept = 0.0

    def __call__(self) -> float:
        return time.perf_counter() - self.start + self.slept

    def sleep(self, seconds: float) -> None:
        self.slept += seconds


def users(count: int) -> list[SourceUser]:
    digest = hashlib.pbkdf2_hmac("sha256", b"a password", b"saltsaltsalt", 1000)
    stored = f"pbkdf2_sha256$1000$saltsaltsalt${base64.b64encode(digest).decode()}"
    return [
        SourceUser(str(n), email=f"user{n}@example.test", first_name="Bench", password_hash=stored)
        for n in range(1, count + 1)
    ]


def run(count: int, limit: RateLimit | None, retry_every: int) -> dict[str, float]:
    instance = LocalClerkInstance(key_bits=1024)
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if retry_every and calls % retry_every == 0:
            return httpx.Response(
                429, json={"errors": [{"code": "too_many_requests"}]}, headers={"Retry-After": "1"}
            )
        return instance.backend.handle_request(request)

    clock = SimulatedClock()
    pacer = Pacer(limit, clock=clock, sleep=clock.sleep)
    api = BackendAPI(
        instance.secret_key,
        api_url=instance.api_url,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        clock=clock,
        sleep=pacer.retry_sleep,
    )
    rows = users(count)
    started = time.perf_counter()
    result = import_users(api, rows, pacer=pacer, clock=clock)
    work = time.perf_counter() - started
    assert result.counts["imported"] == count, result.counts
    waited = result.paced_seconds + result.retry_seconds
    return {
        "work": work,
        "waited": waited,
        "paced": result.paced_seconds,
        "retry": result.retry_seconds,
        "calls": calls,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--retry-every", type=int, default=500)
    args = parser.parse_args()
    n = args.users
    print(f"Importing {n} users into the local Backend API (in-process transport; waits simulated)")
    print(
        f"{'limit':<28}{'work s':>8}{'work u/s':>10}{'wall s':>9}{'u/s':>8}{'waiting':>9}{'calls':>8}"
    )
    for name, limit in (
        ("none", None),
        ("production 1000 / 10 s", PRODUCTION_LIMIT),
        ("development 100 / 10 s", DEVELOPMENT_LIMIT),
    ):
        figures = run(n, limit, args.retry_every)
        wall = figures["work"] + figures["waited"]
        print(
            f"{name:<28}{figures['work']:>8.2f}{n / figures['work']:>10.0f}{wall:>9.1f}"
            f"{n / wall:>8.0f}{figures['waited'] / wall:>9.1%}{figures['calls']:>8.0f}"
        )
    print(
        "work: measured, without waits; wall: work + simulated waits (pacing and Retry-After); "
        "waiting: the share of wall."
    )


if __name__ == "__main__":
    main()
