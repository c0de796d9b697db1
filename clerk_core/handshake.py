"""The rules of the handshake's return trip (the stricter-than-Clerk policy of ``docs/reliability.md``).

Clerk's Frontend API sends a browser back from a handshake with a nonce to redeem
(``__clerk_handshake_nonce``) or, in the legacy form, a signed token (``__clerk_handshake``). Both
sign the browser in, so both are attack surface: this module holds the checks the engine applies
before it trusts either.

* :func:`nonce_is_well_formed`: a nonce's shape, checked before any network call.
* :func:`check_handshake_times`: a handshake token's ``exp`` / ``nbf`` / ``iat``, when present.
* :class:`PresentedNonces`: the nonces already taken to the Backend API, so a repeated nonce costs
  a dictionary lookup rather than a Backend API call.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Any

from .tokens import check_times

__all__ = [
    "FAILED_REDEMPTIONS_BURST",
    "FAILED_REDEMPTIONS_INTERVAL",
    "NONCE_MAX_LENGTH",
    "NONCE_MIN_LENGTH",
    "PRESENTED_NONCES_SIZE",
    "PRESENTED_NONCES_TTL",
    "PresentedNonces",
    "RedemptionBudget",
    "check_handshake_times",
    "nonce_is_well_formed",
]

NONCE_MIN_LENGTH = 8
"""A handshake nonce is an opaque, unguessable id: anything shorter is not one Clerk issued."""
NONCE_MAX_LENGTH = 256
"""Far above any id Clerk issues; a longer value is junk and never reaches the Backend API."""
PRESENTED_NONCES_SIZE = 4096
"""How many presented nonces an engine remembers (about 300 KiB at most)."""
PRESENTED_NONCES_TTL = 60.0
"""How long, in seconds, a presented nonce is remembered: longer than a handshake round trip, short
enough that a nonce refused during an outage is tried again soon after."""
FAILED_REDEMPTIONS_BURST = 5
"""How many nonce redemptions may fail in a row before an engine pauses redeeming."""
FAILED_REDEMPTIONS_INTERVAL = 6.0
"""Seconds to earn back one failure: at most ten failed redemptions a minute, sustained."""
_NONCE = re.compile(rf"[A-Za-z0-9._~+/=-]{{{NONCE_MIN_LENGTH},{NONCE_MAX_LENGTH}}}", re.ASCII)


def nonce_is_well_formed(nonce: str) -> bool:
    """Whether ``nonce`` may be a handshake nonce: 8 to 256 characters, each a URL-safe one
    (letters, digits, ``- . _ ~``) or one of base64's ``+ / =``. No spaces, controls, quotes, ``%``,
    ``&``, ``?`` or ``#``: a nonce of any other shape is refused without a network call."""
    return _NONCE.fullmatch(nonce) is not None


def check_handshake_times(payload: dict[str, Any], *, now: float, skew: float) -> None:
    """A handshake token's time claims: each is optional, but one that is present must be a finite
    number and hold within ``skew`` seconds (``exp`` not past, ``nbf`` and ``iat`` not ahead).
    Raises :class:`TokenVerificationError` with Clerk's reason for the failed claim."""
    check_times(payload, now=now, skew=skew, require_exp=False)


class PresentedNonces:
    """Nonces already taken to the Backend API, each remembered for ``ttl`` seconds.

    A nonce is single-use, so once one has been presented (redeemed, refused, or lost to a network
    error) presenting it again cannot sign anyone in: the engine skips the call and reads the
    request's own cookies instead. Keyed by SHA-256 of the nonce; bounded to ``size`` entries (the
    oldest goes first), so a flood of distinct junk costs memory only up to the bound.
    """

    __slots__ = ("_entries", "_lock", "_size", "_ttl")

    def __init__(self, size: int, ttl: float) -> None:
        self._size = size
        self._ttl = ttl
        self._entries: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def claim(self, nonce: str, now: float) -> bool:
        """Record ``nonce`` as presented at ``now``; ``False`` when it already was, less than
        ``ttl`` seconds ago (the caller then makes no call). Atomic, so of several concurrent
        requests carrying one nonce, exactly one gets ``True``."""
        digest = hashlib.sha256(nonce.encode()).digest()
        with self._lock:
            entries = self._entries
            seen = entries.get(digest)
            if seen is not None and now < seen + self._ttl:
                return False
            entries.pop(digest, None)
            while entries and len(entries) >= self._size:
                del entries[next(iter(entries))]
            if self._size > 0:
                entries[digest] = now
            return True

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RedemptionBudget:
    """How many more nonce redemptions may fail: a token bucket of ``burst`` failures, one earned
    back every ``interval`` seconds.

    :class:`PresentedNonces` makes a repeated nonce free; this bounds *distinct* junk nonces, which
    would otherwise each cost a Backend API call made with the secret key (sharing the instance's
    rate limit with the app's own calls). Only failures spend it, so a site whose visitors come
    back from Clerk with good nonces never notices it; under a flood of junk, redemption pauses
    and a visitor arriving with a real nonce is answered from their cookies (a new handshake).
    """

    __slots__ = ("_at", "_burst", "_interval", "_lock", "_tokens")

    def __init__(self, burst: int, interval: float) -> None:
        self._burst = float(burst)
        self._interval = interval
        self._tokens = float(burst)
        self._at: float | None = None
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        if self._at is not None and now > self._at:
            self._tokens = min(self._burst, self._tokens + (now - self._at) / self._interval)
        self._at = now if self._at is None else max(self._at, now)

    def allows(self, now: float) -> bool:
        """Whether a redemption may be tried now (at least one failure left to spend)."""
        with self._lock:
            self._refill(now)
            return self._tokens >= 1.0

    def spend(self, now: float) -> None:
        """Record a failed redemption."""
        with self._lock:
            self._refill(now)
            self._tokens = max(0.0, self._tokens - 1.0)
