"""Shared helpers of the migration tests and benchmark: a simulated clock, a transport that
injects faults into the local Backend API, and cheap Django-format password hashes."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import httpx

from clerk_core.testing import LocalClerkInstance


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


class Faults:
    """The local Backend API behind a transport that answers every ``every``-th call with a
    429 (``Retry-After: 1``) and can crash: ``crash_at`` raises ``crash`` at that call, after
    the fake has handled it (the answer is lost, as when a process dies mid-request)."""

    def __init__(
        self,
        instance: LocalClerkInstance,
        *,
        every: int | None = None,
        crash_at: int | None = None,
        crash: Callable[[], BaseException] = lambda: RuntimeError("injected crash"),
    ) -> None:
        self.instance = instance
        self.every = every
        self.crash_at = crash_at
        self.crash = crash
        self.calls = 0
        self.throttled = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.every and self.calls % self.every == 0:
            self.throttled += 1
            return httpx.Response(
                429,
                json={
                    "errors": [
                        {
                            "code": "too_many_requests",
                            "message": "Too many requests",
                            "long_message": "Too many requests, retry later.",
                        }
                    ]
                },
                headers={"Retry-After": "1"},
            )
        response = self.instance.backend.handle_request(request)
        if self.crash_at is not None and self.calls == self.crash_at:
            raise self.crash()
        return response

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self))


def django_pbkdf2(password: str, salt: str = "saltsaltsalt", iterations: int = 1000) -> str:
    """Django's ``PBKDF2PasswordHasher`` format, computed as Django does it."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt.encode(), iterations)
    return f"pbkdf2_sha256${iterations}${salt}${base64.b64encode(digest).decode()}"
