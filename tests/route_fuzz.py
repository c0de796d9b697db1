"""Shared pieces of the route-guard differential fuzz test (one test module per adapter).

Every adapter serves the same routes, some of them protected by a guard built with
``create_route_matcher`` and called with the framework's own request. A few hundred generated raw
paths (encoded slashes and backslashes in any case, ``%252F``, ``//``, dot segments, ``;params``,
``%00``, non-ASCII, malformed escapes, trailing slashes, upper case) go through each server's own
decoding rules (uvicorn for ASGI; gunicorn and werkzeug's server for WSGI) into the app twice:
without the guard, to learn which view the framework routes each path to, and with it, to check
that every path routed to a protected view was refused. No path may give a 5xx.
"""

from __future__ import annotations

import asyncio
import io
import random
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, unquote_to_bytes

from clerk_core import AuthObject, create_route_matcher

# The app's routes, by kind. Each framework declares them in its own syntax:
#   /                               public
#   /public/<anything>              public
#   /files/<name>                   public
#   /orgs/<slug>/billing            public
#   /admin, /admin/<anything>       protected
#   /api/admin/users                protected
#   /orgs/<slug>/settings/billing   protected
#   /account                        protected (an exact pattern)
#   /dashboard, /dashboard/<any>    protected (/dashboard/:path*, the README's advice)
PROTECTED = create_route_matcher(
    ["/admin(.*)", "/api/admin(.*)", "/orgs/:slug/settings(.*)", "/account", "/dashboard/:path*"]
)
PUBLIC = create_route_matcher(["/", "/public(.*)", "/files/:name", "/orgs/:slug/billing"])

GuardMode = str  # "deny-list": protect what PROTECTED matches; "allow-list": all but PUBLIC
GUARD_MODES = ("deny-list", "allow-list")


def guard_for(mode: GuardMode) -> Callable[[AuthObject, Any], None]:
    """A guard as a user writes it: the matcher judges the framework's own request object."""
    if mode == "deny-list":

        def deny_list(auth: AuthObject, request: Any) -> None:
            if PROTECTED(request):
                auth.protect()

        return deny_list

    def allow_list(auth: AuthObject, request: Any) -> None:
        if not PUBLIC(request):
            auth.protect()

    return allow_list


# ------------------------------------------------------------------------------ paths
KNOWN_ATTACKS = [
    "/orgs/acme%2Fsettings/billing",
    "/orgs/acme%2fsettings/billing",
    "/api%2Fadmin/users",
    "/api%2fadmin/users",
    "/api%252Fadmin/users",
    "/orgs/acme%252Fsettings/billing",
    "/%61dmin",
    "/%2561dmin",
    "/Admin",
    "/ADMIN/x",
    "//admin",
    "/admin/",
    "/./admin",
    "/public/../admin",
    "/public/%2E%2E/admin",
    "/public%2F..%2Fadmin",
    "/admin;x=1",
    "/api/admin;x=1/users",
    "/admin%00",
    "/admin%5Cx",
    "/public%5C..%5Cadmin",
    "/admin/%zz",
    "/%zz/admin",
    "/admin%",
    "/admin/%C3%A9",
    "/admin/%C3",
    "/admin/%FF",
    "/orgs/%C3%A9/settings/billing",
    "/orgs/acme/settings%2Fbilling",
    "/api/admin%2Fusers",
    "/public/x%2F..%2F..%2Fadmin",
    "/orgs/a%23b/settings/billing",
    "/orgs/a%3Fb/settings/billing",
    "/admin/x%0A",
    "/api/admin/users%0A",
    "/orgs/a%0A/settings/billing",
    "/account%0A",
    "/account%0A%0A",
    "/dashboard%0A",
    "/dashboard/x%0A",
    "/admin%0A",
    "/Account/",
    "/account;x",
    "/%61ccount",
]

_BASES = [
    "/admin",
    "/admin/users",
    "/api/admin/users",
    "/orgs/acme/settings/billing",
    "/orgs/acme/billing",
    "/public/x/y",
    "/files/a.txt",
    "/account",
    "/dashboard",
    "/dashboard/a/b",
    "/",
]
_SLASHES = [
    "%2F",
    "%2f",
    "%252F",
    "%252f",
    "%5C",
    "%5c",
    "\\",
    "//",
    "/./",
    "/%2E/",
    "/x/../",
    "/;p=1/",
]
_NOISE = [
    "%00",
    "%C3%A9",
    "%C3",
    "%FF",
    "%zz",
    "%",
    "%2",
    ";jsessionid=1",
    "%23",
    "%3F",
    "%20",
    "%0A",
    "%0D",
    "%09",
    "%E2%80%A8",
]


def _mutate(path: str, rng: random.Random) -> str:
    kind = rng.randrange(7)
    slashes = [i for i, ch in enumerate(path) if ch == "/" and i > 0]
    if kind == 0 and slashes:
        i = rng.choice(slashes)
        return path[:i] + rng.choice(_SLASHES) + path[i + 1 :]
    if kind == 1:
        i = rng.randrange(1, len(path) + 1)
        return path[:i] + rng.choice(_NOISE) + path[i:]
    if kind == 2:
        letters = [i for i, ch in enumerate(path) if ch.isalpha()]
        if letters:
            i = rng.choice(letters)
            encoded = f"%{ord(path[i]):02X}"
            if rng.random() < 0.3:
                encoded = "%25" + encoded[1:]
            return path[:i] + encoded + path[i + 1 :]
    if kind == 3:
        return path.upper() if rng.random() < 0.5 else path.title()
    if kind == 4:
        return path + rng.choice(["/", "%2F", "//", "/.", "/..", ";x", "%0A", "%0D%0A", "%00"])
    if kind == 5:
        return rng.choice(["//", "/./", "/public/../", "/%2E%2E/"]) + path.lstrip("/")
    return path.replace("/", rng.choice(_SLASHES), rng.randrange(1, 3))


def fuzz_paths(count: int = 300, seed: int = 11) -> list[str]:
    """The known attacks plus generated ones: deterministic, ASCII-printable request targets."""
    rng = random.Random(seed)
    paths = list(KNOWN_ATTACKS)
    seen = set(paths)
    while len(paths) < count:
        path = rng.choice(_BASES)
        for _ in range(rng.randrange(1, 4)):
            path = _mutate(path, rng)
        if not path.startswith("/"):
            path = "/" + path
        if path not in seen:
            seen.add(path)
            paths.append(path)
    return paths


# ------------------------------------------------------------------------------ servers
HEADERS = [("host", "app.test"), ("accept", "application/json")]


def asgi_scope(raw: str) -> dict[str, Any]:
    """An HTTP scope as uvicorn builds it: ``path`` is ``unquote`` of the raw target."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw),
        "raw_path": raw.encode("ascii"),
        "root_path": "",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in HEADERS],
        "server": ("127.0.0.1", 80),
        "client": ("127.0.0.1", 50000),
    }


async def call_asgi(app: Any, raw: str) -> tuple[int, bytes]:
    """One request through an ASGI app, as a server sends it."""
    sent: list[dict[str, Any]] = []
    received = False

    async def receive() -> dict[str, Any]:
        nonlocal received
        if received:  # the client stays connected until the response is sent
            await asyncio.Event().wait()
        received = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(asgi_scope(raw), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


WSGI_SERVERS = ("gunicorn", "werkzeug")


def wsgi_environ(raw: str, server: str) -> dict[str, Any]:
    """A WSGI environ as the named server builds it (PEP 3333: the path's bytes as latin-1)."""
    if server == "gunicorn":
        path_info = unquote_to_bytes(raw).decode("latin-1")
    else:  # werkzeug.serving: unquote as UTF-8 (errors replaced), then the WSGI encoding dance
        path_info = unquote(raw).encode("utf-8").decode("latin-1")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path_info,
        "QUERY_STRING": "",
        "RAW_URI": raw,
        "REQUEST_URI": raw,
        "SERVER_NAME": "app.test",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in HEADERS:
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


def call_wsgi(app: Callable[..., Any], raw: str, server: str) -> tuple[int, bytes]:
    """One request through a WSGI app, as the named server sends it."""
    status: list[str] = []

    def start_response(line: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
        status.append(line)
        return lambda data: None

    result = app(wsgi_environ(raw, server), start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(status[-1].split()[0]), body


def check(
    paths: list[str],
    unguarded: dict[str, tuple[int, bytes]],
    guarded: dict[str, tuple[int, bytes]],
) -> int:
    """Assert the invariant; return how many paths the framework routed to a protected view."""
    reached = 0
    for path in paths:
        open_status, open_body = unguarded[path]
        status, body = guarded[path]
        assert open_status < 500, f"{path!r}: {open_status} without the guard"
        assert status < 500, f"{path!r}: {status} with the guard"
        if b'"protected"' in open_body and open_status == 200:
            reached += 1
            assert status in (401, 404), (
                f"{path!r} reaches a protected view but the guard let it through: {status} {body!r}"
            )
        assert not (status == 200 and b'"protected"' in body), f"{path!r} bypassed the guard"
    return reached
