"""Route matching cost per request, as ratios against a bare precompiled regex in the same run.

    python benchmarks/routes.py

* baseline: ``re.Pattern.match`` of one precompiled regex on the path (the irreducible cost);
* matcher, 1 / 10 patterns, path string: ``create_route_matcher(...)(path)``
  (normalisation included);
* matcher, 10 patterns, RequestView: what an adapter pays per request;
* matcher, 10 patterns, percent-encoded path: the decoding path.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from clerk_core import RequestView, create_route_matcher

PATTERNS = [
    "/dashboard(.*)",
    "/api/admin(.*)",
    "/orgs/:slug/settings(.*)",
    "/api/:id",
    "/billing/:path*",
    "/account",
    "/teams/:team/members/:member",
    "/files/:name.:ext",
    "/reports(.*)",
    "/admin(.*)",
]


def per_call(fn: Callable[[], object], calls: int = 100_000, rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def main() -> None:
    path = "/teams/blue/members/42"  # matches the 7th pattern
    baseline_re = re.compile(r"^/teams/([^/#?]+?)/members/([^/#?]+?)[/#?]?\Z", re.IGNORECASE)
    one = create_route_matcher(PATTERNS[6])
    ten = create_route_matcher(PATTERNS)
    request = RequestView("GET", f"https://app.example{path}?x=1", {"host": "app.example"})
    assert one(path)
    assert ten(path)
    assert ten(request)

    base = per_call(lambda: baseline_re.match(path))
    rows = [
        ("matcher, 1 pattern, path", per_call(lambda: one(path))),
        ("matcher, 10 patterns, path", per_call(lambda: ten(path))),
        ("matcher, 10 patterns, RequestView", per_call(lambda: ten(request))),
        ("matcher, 10 patterns, %-encoded", per_call(lambda: ten("/teams/bl%75e/members/42"))),
        ("matcher, 10 patterns, no match", per_call(lambda: ten("/nothing/here/at/all"))),
    ]
    print(f"{'baseline: one precompiled re.match':40} {base:7.3f} us/call   1.00x")
    for name, value in rows:
        print(f"{name:40} {value:7.3f} us/call   {value / base:5.2f}x")


if __name__ == "__main__":
    main()
