"""Route matching cost per request, as ratios against a bare precompiled regex in the same run.

    python benchmarks/routes.py

* baseline: ``re.Pattern.match`` of one precompiled regex on the path (the irreducible cost);
* matcher, 1 / 10 patterns, path string: ``create_route_matcher(...)(path)``
  (normalisation included);
* matcher, 10 patterns, RequestView with the routed path: what an adapter's guard pays per request;
* matcher, 10 patterns, a Starlette / Django / Flask request: a guard called with the native request
  (``routed_path`` dispatch included);
* matcher, 10 patterns, percent-encoded path: the decoding path.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import partial

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


def native_requests(path: str) -> list[tuple[str, object]]:
    """The framework requests a guard receives (each adapter registers its type)."""
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(ALLOWED_HOSTS=["*"])
        django.setup()
    from django.test import RequestFactory
    from flask import Flask
    from starlette.requests import Request

    import clerk_django  # noqa: F401  (registers Django's request type)
    import clerk_flask  # noqa: F401
    import clerk_starlette  # noqa: F401

    scope = {"type": "http", "path": path, "raw_path": path.encode(), "headers": []}
    flask_request = Flask(__name__).test_request_context(path).request
    return [
        ("Starlette Request", Request(scope)),
        ("Django HttpRequest", RequestFactory().get(path)),
        ("Flask Request", flask_request),
    ]


def main() -> None:
    path = "/teams/blue/members/42"  # matches the 7th pattern
    baseline_re = re.compile(r"^/teams/([^/#?]+?)/members/([^/#?]+?)[/#?]?\Z", re.IGNORECASE)
    one = create_route_matcher(PATTERNS[6])
    ten = create_route_matcher(PATTERNS)
    request = RequestView("GET", f"https://app.example{path}?x=1", {"host": "app.example"}, path)
    natives = native_requests(path)
    assert one(path)
    assert ten(path)
    assert ten(request)
    assert all(ten(native) for _, native in natives)

    base = per_call(lambda: baseline_re.match(path))
    rows = [
        ("matcher, 1 pattern, path", per_call(lambda: one(path))),
        ("matcher, 10 patterns, path", per_call(lambda: ten(path))),
        ("matcher, 10 patterns, routed RequestView", per_call(lambda: ten(request))),
        *((f"matcher, 10 patterns, {name}", per_call(partial(ten, n))) for name, n in natives),
        ("matcher, 10 patterns, %-encoded", per_call(lambda: ten("/teams/bl%75e/members/42"))),
        ("matcher, 10 patterns, no match", per_call(lambda: ten("/nothing/here/at/all"))),
    ]
    print(f"{'baseline: one precompiled re.match':40} {base:7.3f} us/call   1.00x")
    for name, value in rows:
        print(f"{name:40} {value:7.3f} us/call   {value / base:5.2f}x")


if __name__ == "__main__":
    main()
