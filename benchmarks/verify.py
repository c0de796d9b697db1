"""Token verification cost, as ratios against bare PyJWT measured in the same run.

    python benchmarks/verify.py [--tokens N] [--rounds R]

* baseline: ``jwt.decode(token, key, algorithms=["RS256"])`` with a preloaded RSA key object;
* cold: ``Clerk.authenticate_request`` with a new token every call (a new RequestView each time,
  keys already cached: what the first request of each session costs);
* warm: ``Clerk.authenticate_request`` with a repeated token (what every later request costs).

Each figure is the best of R rounds of N calls, in microseconds per call. Targets (issue 2): cold at
most 0.8x the baseline, warm at most 0.1x.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable

import jwt

from clerk_core import RequestView
from clerk_core.testing import LocalClerkInstance


def best_per_call(fn: Callable[[int], object], calls: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for i in range(calls):
            fn(i)
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    instance = LocalClerkInstance(
        instance_type="production",
        frontend_api="clerk.bench.test",
        authorized_parties=("https://app.example",),
    )
    engine = instance.clerk(token_cache_size=args.tokens * args.rounds + 10)
    key = instance.public_key
    tokens = [instance.session_token(f"user_{i}", lifetime=3600) for i in range(args.tokens)]
    # Cold needs a token never seen before on every call, across all rounds.
    cold_tokens = [
        instance.session_token(f"cold_{i}", lifetime=3600) for i in range(args.tokens * args.rounds)
    ]
    headers = [{"host": "app.example", "authorization": f"Bearer {t}"} for t in cold_tokens]
    warm_headers = {"host": "app.example", "authorization": f"Bearer {tokens[0]}"}
    url = "https://app.example/api/items"

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

    base_us = best_per_call(baseline, args.tokens, args.rounds)
    cold_us = best_per_call(cold, args.tokens, args.rounds)
    warm_us = best_per_call(warm, args.tokens, args.rounds)

    async def warm_async_loop() -> float:
        best = float("inf")
        for _ in range(args.rounds):
            start = time.perf_counter()
            for _ in range(args.tokens):
                await engine.authenticate_request_async(RequestView("GET", url, warm_headers))
            best = min(best, (time.perf_counter() - start) / args.tokens)
        return best * 1e6

    warm_async_us = asyncio.run(warm_async_loop())

    print(f"baseline jwt.decode (preloaded key)   {base_us:8.2f} us/call   1.00x")
    print(
        f"cold authenticate_request (new token) {cold_us:8.2f} us/call   "
        f"{cold_us / base_us:.2f}x  (target <= 0.80x)"
    )
    print(
        f"warm authenticate_request (repeated)  {warm_us:8.2f} us/call   "
        f"{warm_us / base_us:.2f}x  (target <= 0.10x)"
    )
    print(
        f"warm authenticate_request_async       {warm_async_us:8.2f} us/call   "
        f"{warm_async_us / base_us:.2f}x"
    )


if __name__ == "__main__":
    main()
