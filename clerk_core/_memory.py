"""The verified-token memory: what makes a repeated token cost one hash and one lookup.

Read by the fast path (a Bearer token) and the cookie flow before any decoding; written by session
token verification (``_verify``). Keyed by the SHA-256 of the token, never the token itself; an
entry is served only from ``max(iat, nbf) - skew`` to ``exp + skew`` and while the key set has not changed in a way that
could invalidate it (the key source's ``generation``). Bounded, least recently used first out, in
O(1). The claims an entry holds are frozen (``_frozen.freeze``), so every request that repeats a
token shares them safely. See docs/reliability.md ("The order of checks") and docs/security.md
("Claims shared between requests").

The engine keeps a second, separate memory of the same kind for opaque machine tokens (API keys,
M2M and OAuth tokens) that the Backend API verified (``_machine``): keyed by the token's SHA-256
too, its entries hold the frozen verification answer, ``exp`` is the earlier of the token's
expiration and the ``machine_token_cache_ttl``, and their generation is always ``0`` (no signing
key is involved).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

__all__ = ["Remembered", "TokenMemory"]


class Remembered:
    """One verified token: its frozen claims, and what a request derives from them.

    ``auth`` is filled by the first request that asks for the auth object
    (:meth:`clerk_core.state.RequestState.to_auth`): a ``SessionAuth`` template each later
    request copies (``SessionAuth._from_template``) instead of reading the claims again."""

    __slots__ = ("auth", "claims", "exp", "generation", "not_before")

    def __init__(
        self, claims: dict[str, Any], exp: float, generation: int, not_before: float
    ) -> None:
        self.claims = claims
        self.exp = exp
        self.generation = generation
        self.not_before = not_before
        self.auth: Any = None


class TokenMemory:
    """Verified session tokens, bounded, least recently used evicted first (all O(1))."""

    __slots__ = ("_entries", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, Remembered] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, digest: bytes, now: float, skew: float, generation: int) -> Remembered | None:
        """The entry for ``digest`` when it may still be served, else ``None`` (and it is gone)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if (
            now < entry.exp + skew
            and entry.generation == generation
            and now + skew >= entry.not_before  # a clock stepped back: the token is not valid yet
        ):
            # One C call on the OrderedDict, atomic on its own: no lock on the hot path. An entry
            # another thread evicted in between is simply not moved.
            try:  # noqa: SIM105 (contextlib.suppress costs more than the lookup it guards)
                self._entries.move_to_end(digest)
            except KeyError:
                pass
            return entry
        with self._lock:
            self._entries.pop(digest, None)
        return None

    def peek(self, digest: bytes) -> Remembered | None:
        """The entry for ``digest`` whatever its age: its claims are still the token's payload."""
        return self._entries.get(digest)

    def put(
        self,
        digest: bytes,
        claims: dict[str, Any],
        exp: float,
        generation: int,
        not_before: float = float("-inf"),
    ) -> None:
        """Remember ``claims`` until ``exp`` (+ skew); ``not_before`` is the latest of the token's
        ``iat`` and ``nbf``: the entry is not served while the clock reads earlier (- skew), as the
        full check would not accept the token then either."""
        if self._size <= 0:
            return
        entry = Remembered(claims, exp, generation, not_before)
        with self._lock:
            entries = self._entries
            if digest in entries:
                entries.move_to_end(digest)
            elif len(entries) >= self._size:
                entries.popitem(last=False)
            entries[digest] = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
