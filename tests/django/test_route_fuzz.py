"""Route guards judge the path Django routes on (``request.path_info``), behind WSGI servers and
ASGI: the differential fuzz test (tests/route_fuzz.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core import signals
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from clerk_core import Clerk
from tests import route_fuzz

PATHS = route_fuzz.fuzz_paths(seed=13)
GUARDS = {
    "deny-list": "tests.django.fuzz_urls.deny_list_guard",
    "allow-list": "tests.django.fuzz_urls.allow_list_guard",
}


@pytest.fixture(autouse=True)
def _no_connection_cleanup() -> Iterator[None]:
    """Django's handlers close old database connections around each request; like Django's own
    test client, the direct handler calls here leave the (pytest-django guarded) database alone."""
    with without_connection_cleanup():
        yield


@contextmanager
def without_connection_cleanup() -> Iterator[None]:
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def configure(settings: Any, clerk: Clerk, mode: str | None) -> None:
    settings.ROOT_URLCONF = "tests.django.fuzz_urls"
    settings.CLERK = {"clerk": clerk, **({"guard": GUARDS[mode]} if mode else {})}


def run_wsgi(server: str) -> dict[str, tuple[int, bytes]]:
    handler = WSGIHandler()
    return {path: route_fuzz.call_wsgi(handler, path, server) for path in PATHS}


async def run_asgi() -> dict[str, tuple[int, bytes]]:
    handler = ASGIHandler()
    return {path: await route_fuzz.call_asgi(handler, path) for path in PATHS}


def run(server: str) -> dict[str, tuple[int, bytes]]:
    return asyncio.run(run_asgi()) if server == "asgi" else run_wsgi(server)


@pytest.mark.parametrize("server", [*route_fuzz.WSGI_SERVERS, "asgi"])
@pytest.mark.parametrize("mode", route_fuzz.GUARD_MODES)
def test_every_path_routed_to_a_protected_view_meets_the_guard(
    settings: Any, clerk_engine: Clerk, mode: str, server: str
) -> None:
    configure(settings, clerk_engine, None)
    unguarded = run(server)
    configure(settings, clerk_engine, mode)
    guarded = run(server)
    reached = route_fuzz.check(PATHS, unguarded, guarded)
    assert reached >= 20  # the generated paths do reach protected views through odd spellings


@pytest.mark.parametrize("server", route_fuzz.WSGI_SERVERS)
def test_the_reported_bypasses_are_closed(settings: Any, clerk_engine: Clerk, server: str) -> None:
    configure(settings, clerk_engine, "deny-list")
    handler = WSGIHandler()
    for raw in ("/orgs/acme%2Fsettings/billing", "/api%2Fadmin/users"):
        assert route_fuzz.call_wsgi(handler, raw, server)[0] == 401
