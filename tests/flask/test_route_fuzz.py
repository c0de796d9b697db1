"""Route guards judge the path werkzeug routes on: the differential fuzz test (tests/route_fuzz.py)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from clerk_core import Clerk
from clerk_flask import Clerk as FlaskClerk
from tests import route_fuzz

PATHS = route_fuzz.fuzz_paths(seed=12)


def make_app(clerk: Clerk, guard: Any) -> Flask:
    app = Flask(__name__)

    def public(**_: str) -> dict[str, str]:
        return {"route": "public"}

    def protected(**_: str) -> dict[str, str]:
        return {"route": "protected"}

    for rule in ("/", "/public/<path:rest>", "/files/<name>", "/orgs/<slug>/billing"):
        app.add_url_rule(rule, f"public {rule}", public)
    for rule in (
        "/admin",
        "/admin/<path:rest>",
        "/api/admin/users",
        "/orgs/<slug>/settings/billing",
        "/account",
        "/dashboard",
        "/dashboard/<path:rest>",
    ):
        app.add_url_rule(rule, f"protected {rule}", protected)
    FlaskClerk(app, clerk=clerk, guard=guard)
    return app


@pytest.mark.parametrize("server", route_fuzz.WSGI_SERVERS)
@pytest.mark.parametrize("mode", route_fuzz.GUARD_MODES)
def test_every_path_routed_to_a_protected_view_meets_the_guard(
    clerk_engine: Clerk, mode: str, server: str
) -> None:
    bare, guarded_app = (
        make_app(clerk_engine, None),
        make_app(clerk_engine, route_fuzz.guard_for(mode)),
    )
    unguarded = {path: route_fuzz.call_wsgi(bare, path, server) for path in PATHS}
    guarded = {path: route_fuzz.call_wsgi(guarded_app, path, server) for path in PATHS}
    reached = route_fuzz.check(PATHS, unguarded, guarded)
    assert reached >= 20  # the generated paths do reach protected views through odd spellings


@pytest.mark.parametrize("server", route_fuzz.WSGI_SERVERS)
def test_the_reported_bypasses_are_closed(clerk_engine: Clerk, server: str) -> None:
    bare = make_app(clerk_engine, None)
    app = make_app(clerk_engine, route_fuzz.guard_for("deny-list"))
    for raw in ("/orgs/acme%2Fsettings/billing", "/api%2Fadmin/users"):
        status, body = route_fuzz.call_wsgi(bare, raw, server)
        assert (status, b'"protected"' in body) == (200, True)
        assert route_fuzz.call_wsgi(app, raw, server)[0] == 401
