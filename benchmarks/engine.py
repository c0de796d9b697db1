"""The engine's hot paths, as ratios against a bare PyJWT decode measured in the same rounds.

    python benchmarks/engine.py [--calls N] [--rounds R] [--memory-size M]

Every request carries realistic headers (``benchmarks/_harness.py``: a browser's 15, an API
client's 9). Figures, in microseconds per call, median over the rounds [25th-75th percentile]:

* ``pyjwt decode``: ``jwt.decode(token, key, algorithms=["RS256"])`` with a preloaded RSA key
  object, a new token each call: the baseline, 1.00x;
* ``bearer, cold``: ``Clerk.authenticate_request`` with a Bearer token never seen before (keys
  already cached): the first request of each token;
* ``bearer, warm`` / ``cookie, warm``: the same token again, from the ``Authorization`` header or
  from the session cookie (the verified-token memory answers);
* ``signed out``: a browser without a session;

  every call builds its ``RequestView`` from the headers, as an adapter does per request, so the
  figures include reading the headers and parsing the ``Cookie`` header (until issue 13's second
  round, the cookie figures reused one view, whose cookies stayed parsed: 0.10x then, which left
  out the parsing every real request pays);
* ``auth build, warm``: what ``RequestState.to_auth()`` adds to a warm request (the auth object an
  adapter hands to views), as the difference of the two, interleaved;
* peers, when installed: Clerk's ``clerk-backend-api`` ``authenticate_request`` (networkless, with
  the PEM key, as its docs recommend; it verifies every token, so warm and cold are the same) and
  ``fastapi-clerk-auth``'s token decode (``PyJWKClient`` with its JWKS cached, then ``jwt.decode``).

Each figure with a target of issue 13 ("Speed") is printed against it, by its median and its
best round: a new Bearer token at most 0.55x PyJWT, a repeated session cookie at most 0.10x.

Then the verified-token memory: ``M`` puts into a memory already holding ``M`` entries (each put
evicts one), mean, 99th percentile and max per put, beside a plain ``dict`` store of the same keys.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import importlib
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jwt  # noqa: E402

from benchmarks._harness import (  # noqa: E402
    ORIGIN,
    added,
    api_headers,
    best_added,
    browser_headers,
    clerk_cookies,
    interleaved,
    ratio,
)
from clerk_core import RequestView  # noqa: E402
from clerk_core.testing import LocalClerkInstance  # noqa: E402

URL = f"{ORIGIN}/api/me"

TARGETS = {"bearer, cold": 0.55, "cookie, warm": 0.10}
"""Issue 13's targets, in x PyJWT."""


def view(headers: list[tuple[str, str]]) -> RequestView:
    return RequestView("GET", URL, dict(headers))


def token_pool(instance: LocalClerkInstance, prefix: str, size: int) -> Iterator[str]:
    tokens = [instance.session_token(f"user_{prefix}{i}", lifetime=3600) for i in range(size)]
    return iter(tokens)


def peers(
    instance: LocalClerkInstance, size: int, stack: ExitStack
) -> dict[str, Callable[[], object]]:
    """Callables for the installed peers, each with its own pool of new tokens."""
    found: dict[str, Callable[[], object]] = {}
    if find_spec("clerk_backend_api") is not None:
        # Optional peers, not project dependencies: imported by name.
        security = importlib.import_module("clerk_backend_api.security")
        types = importlib.import_module("clerk_backend_api.security.types")
        authenticate_request = security.authenticate_request
        signed_in = types.AuthStatus.SIGNED_IN
        options = types.AuthenticateRequestOptions(
            jwt_key=instance.public_key_pem(), authorized_parties=[ORIGIN]
        )
        pool = token_pool(instance, "cba", size)

        class Requestish:
            def __init__(self, headers: dict[str, str]) -> None:
                self.headers = headers

        def clerk_backend_api() -> object:
            # As its docs show: the request's headers (httpx/requests expose a case-insensitive
            # mapping; a dict with the header's canonical name is the cheapest honest stand-in).
            headers = dict(api_headers(next(pool)))
            headers["Authorization"] = headers.pop("authorization")
            state = authenticate_request(Requestish(headers), options)
            assert state.status is signed_in, state
            return state

        found["peer clerk-backend-api, any"] = clerk_backend_api
    if find_spec("fastapi_clerk_auth") is not None:
        from benchmarks.adapters import jwks_server

        peer = importlib.import_module("fastapi_clerk_auth")
        jwks_url = stack.enter_context(jwks_server(instance.jwks()))
        guard = peer.ClerkHTTPBearer(peer.ClerkConfig(jwks_url=jwks_url), debug_mode=True)
        pool2 = token_pool(instance, "fca", size)

        def fastapi_clerk_auth() -> object:
            return guard._decode_token(next(pool2))

        found["peer fastapi-clerk-auth, any"] = fastapi_clerk_auth
    return found


def memory_puts(engine: Any, size: int) -> tuple[list[float], list[float]] | None:
    """Per-put nanoseconds into the engine's verified-token memory (full, so each put evicts),
    and into a plain dict; ``None`` when the memory's interface is not the one known here."""
    memory: Any = getattr(engine, "_memory", None)
    put = getattr(memory, "put", None)
    if put is None:
        return None
    memory_type = type(memory)
    try:
        memory = memory_type(size)
    except TypeError:
        return None
    claims = {"sub": "user_bench", "exp": time.time() + 3600}
    exp = time.time() + 3600
    keys = [hashlib.sha256(str(i).encode()).digest() for i in range(2 * size)]
    for key in keys[:size]:
        memory.put(key, claims, exp, 0)
    plain: dict[bytes, Any] = {}
    ns = time.perf_counter_ns
    timings: list[float] = []
    baseline: list[float] = []
    gc.disable()
    try:
        for key in keys[size:]:
            start = ns()
            memory.put(key, claims, exp, 0)
            timings.append((ns() - start) / 1000)
            start = ns()
            plain[key] = (claims, exp, 0)
            baseline.append((ns() - start) / 1000)
    finally:
        gc.enable()
    return timings, baseline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--memory-size", type=int, default=100_000)
    args = parser.parse_args()
    stack = ExitStack()  # the peers' JWKS server, closed once they are measured

    instance = LocalClerkInstance(
        instance_type="production", frontend_api="clerk.bench.test", authorized_parties=(ORIGIN,)
    )
    size = args.calls * args.rounds + 1
    engine = instance.clerk(token_cache_size=2 * size + 10)
    key = instance.public_key
    print(f"# minting {size * 4} tokens...", file=sys.stderr)  # PyJWT, cold and the two peers
    token = instance.session_token("user_bench", lifetime=3600)
    cookies = clerk_cookies(token, instance.cookie_suffix, client_uat=int(instance.clock()) - 60)
    # Each call builds its request view, as an adapter does for every request: the cookies are
    # parsed per request (a view reused across calls would keep its parsed cookies).
    cookie_headers = browser_headers(cookies)
    bearer_headers = api_headers(token)
    signed_out_headers = browser_headers(clerk_cookies(None, instance.cookie_suffix))
    pyjwt_pool = token_pool(instance, "pyjwt", size)
    cold_pool = token_pool(instance, "cold", size)
    assert engine.authenticate_request(view(bearer_headers)).is_authenticated  # keys, memory
    assert engine.authenticate_request(view(cookie_headers)).is_authenticated

    def pyjwt_decode() -> object:
        return jwt.decode(next(pyjwt_pool), key, algorithms=["RS256"])

    def bearer_cold() -> object:
        state = engine.authenticate_request(view(api_headers(next(cold_pool))))
        assert state.is_authenticated, state
        return state

    def bearer_warm() -> object:
        return engine.authenticate_request(view(bearer_headers))

    def bearer_warm_auth() -> object:
        return engine.authenticate_request(view(bearer_headers)).to_auth()

    def cookie_warm() -> object:
        return engine.authenticate_request(view(cookie_headers))

    def anonymous() -> object:
        return engine.authenticate_request(view(signed_out_headers))

    subjects: dict[str, Callable[[], object]] = {
        "pyjwt decode (new token)": pyjwt_decode,
        "bearer, cold": bearer_cold,
        "bearer, warm": bearer_warm,
        "bearer, warm + to_auth()": bearer_warm_auth,
        "cookie, warm": cookie_warm,
        "signed out": anonymous,
        **peers(instance, size, stack),
    }
    for name, fn in subjects.items():
        if name != "pyjwt decode (new token)" and "cold" not in name and "peer" not in name:
            fn()
    with stack:
        results = interleaved(subjects, args.calls, args.rounds)
    base = results["pyjwt decode (new token)"]
    print(
        f"# {args.rounds} rounds of {args.calls} calls; us per call, "
        "median [25th-75th percentile]; ratio to PyJWT per round; best: the fastest round"
    )
    print(f"{'figure':<34}{'us':>9}{'spread':>16}{'x pyjwt':>9}{'best us':>9}{'x pyjwt':>9}")
    for name, figure in results.items():
        print(
            f"{name:<34}{figure:>9.2f}{'[' + figure.spread() + ']':>16}"
            f"{ratio(figure, base):>8.3f}x{figure.best:>9.2f}{figure.best / base.best:>8.3f}x"
        )
    build = added(results["bearer, warm + to_auth()"], results["bearer, warm"])
    best_build = best_added(results["bearer, warm + to_auth()"], results["bearer, warm"])
    print(
        f"{'auth build, warm (to_auth added)':<34}{build:>9.2f}{'[' + build.spread() + ']':>16}"
        f"{'':>9}{best_build:>9.2f}"
    )
    for name, target in TARGETS.items():
        median = ratio(results[name], base).median
        best = results[name].best / base.best
        verdict = (
            "met" if median <= target else ("met by the best round" if best <= target else "missed")
        )
        print(
            f"target {name}: <= {target:.2f}x pyjwt; median {median:.3f}x, best {best:.3f}x: {verdict}"
        )
    cookie_vs_bearer = ratio(results["cookie, warm"], results["bearer, warm"])
    best_cvb = results["cookie, warm"].best / results["bearer, warm"].best
    print(f"{'cookie, warm / bearer, warm':<34}{cookie_vs_bearer:>8.2f}x{'':>25}{best_cvb:>8.2f}x")

    found = memory_puts(engine, args.memory_size)
    if found is None:
        print("# token memory: its interface changed; update memory_puts() in benchmarks/engine.py")
        return
    timings, plain = found
    ordered = sorted(timings)
    p99 = ordered[int(0.99 * (len(ordered) - 1))]
    print(
        f"token memory put at {args.memory_size:,} entries (each evicts): mean "
        f"{statistics.fmean(timings):.2f} us, median {statistics.median(timings):.2f}, "
        f"p99 {p99:.2f}, max {max(timings):.1f} us; plain dict store: mean "
        f"{statistics.fmean(plain):.2f} us, max {max(plain):.1f} us"
    )
    # Early and late puts: an O(n) eviction grows with the evictions made since the dict last
    # compacted itself; the medians keep other processes' interruptions out.
    quarter = len(timings) // 4
    parts = [statistics.median(timings[i * quarter : (i + 1) * quarter]) for i in range(4)]
    print("  median per quarter of the puts: " + ", ".join(f"{p:.2f}" for p in parts) + " us")


if __name__ == "__main__":
    main()
