"""Token verification cost in CPU time, as ratios against bare PyJWT measured in the same run.

    python benchmarks/verify.py [--tokens N] [--rounds R]

A quick check of the engine's hot paths for a change to them; ``benchmarks/engine.py`` is the
reference (interleaved rounds, wall time, peers, the auth object). The requests carry realistic
headers (``benchmarks/_harness.py``: an API client's 9, a browser's 15 with both of Clerk's cookie
sets):

* baseline: ``jwt.decode(token, key, algorithms=["RS256"])`` with a preloaded RSA key object;
* cold: ``Clerk.authenticate_request`` with a new Bearer token every call (a new RequestView each
  time, keys already cached: what the first request of each session costs);
* warm: the same Bearer token again (what every later request costs), sync and async;
* warm cookie: a browser's repeated request, the token in ``__session`` and
  ``__session_<suffix>``; a new RequestView each call, so the parsing of its ``Cookie`` header
  (``request.py``) counts here, unlike in ``engine.py``, whose cookie figure reuses one view;
* memory put: one ``put`` into a full verified-token memory of 100,000 entries (each evicts one).

Each figure is the best of R rounds of N calls, in microseconds of CPU time per call (other work
on the machine does not count). Targets (issue 13, "Speed"): cold at most 0.55x the baseline, the
engine's part of a warm cookie at most 0.10x (``engine.py``); a memory put in constant time.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jwt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._harness import (  # noqa: E402
    ORIGIN,
    api_headers,
    browser_headers,
    clerk_cookies,
)
from clerk_core import RequestView  # noqa: E402
from clerk_core._memory import TokenMemory  # noqa: E402
from clerk_core.testing import LocalClerkInstance  # noqa: E402


def best_per_call(fn: Callable[[int], object], calls: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for i in range(calls):
            fn(i)
        best = min(best, (time.process_time() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.bench.test",
        authorized_parties=(ORIGIN,),
    )
    engine = instance.clerk(token_cache_size=args.tokens * args.rounds + 10)
    key = instance.public_key
    tokens = [instance.session_token(f"user_{i}", lifetime=3600) for i in range(args.tokens)]
    # Cold needs a token never seen before on every call, across all rounds.
    cold_tokens = [
        instance.session_token(f"cold_{i}", lifetime=3600) for i in range(args.tokens * args.rounds)
    ]
    headers = [dict(api_headers(t)) for t in cold_tokens]
    warm_headers = dict(api_headers(tokens[0]))
    url = f"{ORIGIN}/api/items"

    # Warm the key cache (one JWKS fetch through the instance's transport) and the memory.
    assert engine.authenticate_request(RequestView("GET", url, warm_headers)).is_authenticated

    def baseline(i: int) -> object:
        return jwt.decode(tokens[i], key, algorithms=["RS256"])

    cold_index = iter(range(len(headers)))

    def cold(_: int) -> object:
        state = engine.authenticate_request(RequestView("GET", url, headers[next(cold_index)]))
        assert state.is_authenticated
        return state

    def warm(_: int) -> object:
        return engine.authenticate_request(RequestView("GET", url, warm_headers))

    cookies = clerk_cookies(tokens[0], instance.cookie_suffix, client_uat=int(time.time()) - 60)
    cookie_headers = dict(browser_headers(cookies))
    assert engine.authenticate_request(RequestView("GET", url, cookie_headers)).is_authenticated

    def warm_cookie(_: int) -> object:
        return engine.authenticate_request(RequestView("GET", url, cookie_headers))

    base_us = best_per_call(baseline, args.tokens, args.rounds)
    cold_us = best_per_call(cold, args.tokens, args.rounds)
    warm_us = best_per_call(warm, args.tokens, args.rounds)

    async def warm_async_loop() -> float:
        best = float("inf")
        for _ in range(args.rounds):
            start = time.process_time()
            for _ in range(args.tokens):
                await engine.authenticate_request_async(RequestView("GET", url, warm_headers))
            best = min(best, (time.process_time() - start) / args.tokens)
        return best * 1e6

    warm_async_us = asyncio.run(warm_async_loop())
    cookie_us = best_per_call(warm_cookie, args.tokens, args.rounds)
    put_us, worst_put_us = memory_puts(100_000, args.tokens)

    print(f"baseline jwt.decode (preloaded key)   {base_us:8.2f} us/call   1.00x")
    print(
        f"cold authenticate_request (new token) {cold_us:8.2f} us/call   "
        f"{cold_us / base_us:.2f}x  (target <= 0.55x)"
    )
    print(
        f"warm authenticate_request (repeated)  {warm_us:8.2f} us/call   {warm_us / base_us:.2f}x"
    )
    print(
        f"warm authenticate_request_async       {warm_async_us:8.2f} us/call   "
        f"{warm_async_us / base_us:.2f}x"
    )
    print(
        f"warm cookie (repeated __session)      {cookie_us:8.2f} us/call   "
        f"{cookie_us / base_us:.2f}x  (Cookie header parsing included)"
    )
    print(
        f"memory put, 100k entries (evicting)   {put_us:8.2f} us/put    "
        f"99.9th percentile {worst_put_us:.1f} us"
    )


def memory_puts(size: int, puts: int) -> tuple[float, float]:
    """Mean time of a ``put`` into a full memory of ``size`` entries, and its 99.9th percentile
    (the very worst single put is the scheduler's, not the memory's, on a busy machine)."""
    memory = TokenMemory(size)
    claims: dict[str, object] = {"sub": "user"}
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(size + puts)]
    for digest in digests[:size]:
        memory.put(digest, claims, 2e9, 0)
    times = []
    for digest in digests[size:]:
        one = time.perf_counter()
        memory.put(digest, claims, 2e9, 0)
        times.append(time.perf_counter() - one)
    times.sort()
    return sum(times) / puts * 1e6, times[int(puts * 0.999)] * 1e6


if __name__ == "__main__":
    main()
