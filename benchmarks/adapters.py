"""What the framework adapters add to a realistic request, against the same app without Clerk.

    python benchmarks/adapters.py [--calls N] [--rounds R] [--only NAME ...]
    python benchmarks/adapters.py --server [--duration S] [--rounds R]   # uvicorn/gunicorn + wrk
    python benchmarks/adapters.py --profile VARIANT SCENARIO [--calls N]  # where the time goes

In-process (the default): each app of ``benchmarks/apps.py`` is called straight through its ASGI or
WSGI entry point with the scope or environ a server builds for a real request: a browser's 15
headers with Clerk's cookies among others, or an API client's 9 headers with a Bearer token. Each
adapter runs against its bare framework in the same rounds (``benchmarks/_harness.py``), and the
table gives, per request, the bare app's time, the time with Clerk, the time Clerk adds (median of
the per-round differences, with its 25th-75th percentile spread) and the ratio.

Scenarios:

* ``cookie, warm``: a signed-in browser repeating its session cookie (the verified-token memory
  answers: the steady state of a signed-in user);
* ``bearer, warm``: an API client repeating its token (the memory answers);
* ``bearer, cold``: an API client with a token never seen before (a signature check per request);
* ``signed out``: a browser without a session (``__client_uat=0``); ``require_auth`` answers 401.

Peers: ``fastapi-clerk-auth``'s ``ClerkHTTPBearer`` is measured beside ``require_auth`` when it is
installed (it reads Bearer tokens only, and verifies every one: its warm and cold are the same).

``--server`` serves the same apps on 127.0.0.1, one worker each: uvicorn for Starlette, FastAPI and
Django's ASGI handler, gunicorn with a sync worker for Django's WSGI handler and Flask. ``wrk`` (a
Lua script sets the realistic headers) loads the bare server and the Clerk server in alternation,
and "added" is ``1/rps(Clerk) - 1/rps(bare)`` per round, median over the rounds. It needs ``wrk``,
``uvicorn`` and ``gunicorn`` on the machine; the tests never run it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.util import find_spec
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import apps  # noqa: E402
from benchmarks._harness import (  # noqa: E402
    HOST,
    ORIGIN,
    Figure,
    added,
    api_headers,
    best_added,
    browser_headers,
    clerk_cookies,
    interleaved,
    ratio,
)
from clerk_core import Clerk  # noqa: E402
from clerk_core.testing import LocalClerkInstance  # noqa: E402

Headers = list[tuple[str, str]]

# framework -> (baseline variant, the variants measured against it)
GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "starlette": ("starlette:bare", ("starlette:middleware",)),
    "fastapi": (
        "fastapi:bare",
        (
            "fastapi:middleware",
            "fastapi:httpbearer",
            "fastapi:require_auth",
            "fastapi:peer-fastapi-clerk-auth",
        ),
    ),
    "django-wsgi": ("django-wsgi:bare", ("django-wsgi:middleware",)),
    "django-asgi": ("django-asgi:bare", ("django-asgi:middleware",)),
    "flask": ("flask:bare", ("flask:extension",)),
}
SCENARIOS = ("cookie, warm", "bearer, warm", "bearer, cold", "signed out")
PEERS = {"fastapi:peer-fastapi-clerk-auth": "fastapi_clerk_auth"}


def expected_status(variant: str, scenario: str) -> int:
    if scenario == "signed out" and variant == "fastapi:require_auth":
        return 401
    return 200


def applies(variant: str, scenario: str) -> bool:
    """A Bearer-only peer has nothing to do with cookies; skip it there (noted in the output)."""
    return not (variant in PEERS and scenario in ("cookie, warm", "signed out"))


def is_asgi(variant: str) -> bool:
    return variant.split(":")[0] in ("starlette", "fastapi", "django-asgi")


# --------------------------------------------------------------------------------- the bench Clerk
class Bench:
    """One local Clerk instance, its tokens and the request headers of each scenario."""

    def __init__(self, pool_size: int) -> None:
        self.instance = LocalClerkInstance(
            instance_type="production",
            frontend_api="clerk.bench.test",
            authorized_parties=(ORIGIN,),
        )
        inst = self.instance
        self.token = inst.session_token("user_bench", lifetime=3600)
        iat = int(inst.clock())
        cookies = clerk_cookies(self.token, inst.cookie_suffix, client_uat=iat - 60)
        self.headers: dict[str, list[Headers]] = {
            "cookie, warm": [browser_headers(cookies)],
            "bearer, warm": [api_headers(self.token)],
            "signed out": [browser_headers(clerk_cookies(None, inst.cookie_suffix))],
        }
        self.pool_size = pool_size
        self._pools = 0

    def cold_pool(self) -> list[Headers]:
        """Headers with ``pool_size`` tokens never used before (one pool per engine and run)."""
        self._pools += 1
        return [
            api_headers(self.instance.session_token(f"user_cold{self._pools}_{i}", lifetime=3600))
            for i in range(self.pool_size)
        ]

    def engine(self) -> Clerk:
        return self.instance.clerk()  # JWKS from the instance's transport, fetched once


# ------------------------------------------------------------------------------ in-process calls
def asgi_caller(
    app: Any,
    path: str,
    header_lists: Sequence[Headers],
    status: int,
    loop: asyncio.AbstractEventLoop,
) -> Callable[[], object]:
    scopes = [
        {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "state": {},
        }
        for headers in header_lists
    ]
    cycle = itertools.cycle(scopes)
    sent: list[Any] = []
    received: list[bool] = []

    async def receive() -> dict[str, Any]:
        if not received:
            received.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        await loop.create_future()  # a client that stays connected (Django listens for it)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    def call() -> object:
        sent.clear()
        received.clear()
        scope = next(cycle)
        loop.run_until_complete(app({**scope, "state": {}}, receive, send))
        if sent[0]["status"] != status:
            raise AssertionError(f"{path}: {sent[0]['status']} instead of {status}: {sent}")
        return sent

    return call


def wsgi_environ(path: str, headers: Headers) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "RAW_URI": path,  # gunicorn passes the raw request target
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "50000",
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        "wsgi.file_wrapper": None,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return environ


def wsgi_caller(
    app: Any, path: str, header_lists: Sequence[Headers], status: int
) -> Callable[[], object]:
    cycle = itertools.cycle([wsgi_environ(path, headers) for headers in header_lists])
    seen: list[str] = []

    def start_response(status_line: str, headers: Any, exc_info: Any = None) -> Any:
        seen.append(status_line)

    def call() -> object:
        seen.clear()
        environ = dict(next(cycle))
        environ["wsgi.input"] = io.BytesIO(b"")
        body = b"".join(app(environ, start_response))
        if not seen[0].startswith(str(status)):
            raise AssertionError(f"{path}: {seen[0]} instead of {status}: {body[:200]!r}")
        return body

    return call


# ------------------------------------------------------------------------------ the JWKS for peers
@contextmanager
def jwks_server(jwks: dict[str, Any]) -> Iterator[str]:
    """The instance's JWKS on 127.0.0.1, for peers that fetch keys by URL with no credentials."""
    body = json.dumps(jwks).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    finally:
        server.shutdown()
        server.server_close()


def installed(variant: str) -> bool:
    module = PEERS.get(variant)
    return module is None or find_spec(module) is not None


# ---------------------------------------------------------------------------------- in-process run
PYJWT = "pyjwt"


def pyjwt_reference(bench: Bench) -> Callable[[], object]:
    """A bare PyJWT decode (preloaded key), timed in every set of rounds: "added" divided by it
    is the same on a fast and on a slow machine (the targets of issue 13 were set where it took
    about 50 us)."""
    import jwt

    key = bench.instance.public_key
    tokens = itertools.cycle([bench.instance.session_token(f"user_ref{i}") for i in range(8)])
    return lambda: jwt.decode(next(tokens), key, algorithms=["RS256"], leeway=3600)


def in_process(args: argparse.Namespace) -> None:
    cold_calls = max(10, args.calls // 5)
    bench = Bench(pool_size=cold_calls * args.rounds + 1)
    reference = pyjwt_reference(bench)
    loop = asyncio.new_event_loop()
    django_engine = bench.engine()
    skipped: list[str] = []
    print(
        f"# in-process, {args.rounds} rounds of {args.calls} requests ({cold_calls} cold); "
        "us per request, median [25th-75th percentile]; /pyjwt: added divided by a bare PyJWT "
        "decode timed in the same rounds; best+: fastest round with Clerk minus fastest bare"
    )
    print(
        f"{'framework / variant':<38}{'scenario':<15}{'bare':>8}{'with':>9}"
        f"{'added':>9}{'spread':>14}{'ratio':>8}{'/pyjwt':>9}{'best+':>9}{'/pyjwt':>9}"
    )
    with jwks_server(bench.instance.jwks()) as jwks_url:
        for group, (base_variant, subjects) in GROUPS.items():
            if args.only and group not in args.only:
                continue
            variants = [v for v in subjects if installed(v)]
            skipped += [v for v in subjects if not installed(v)]
            engines = {
                v: django_engine if group.startswith("django") else bench.engine() for v in variants
            }
            if group.startswith("django"):
                apps.make(variants[0], django_engine)  # settings.CLERK names this engine
            built = {v: apps.make(v, engines[v], jwks_url=jwks_url) for v in variants}
            built[base_variant] = apps.make(base_variant, None)
            path = apps.path_of(base_variant)
            for scenario in SCENARIOS:
                cold = scenario == "bearer, cold"
                pools = {
                    v: bench.cold_pool() if cold else bench.headers[scenario] for v in variants
                }
                callers: dict[str, Callable[[], object]] = {}
                for variant in [base_variant, *variants]:
                    if not applies(variant, scenario):
                        continue
                    header_lists = pools.get(variant) or pools[variants[0]]
                    status = expected_status(variant, scenario)
                    app = built[variant]
                    callers[variant] = (
                        asgi_caller(app, path, header_lists, status, loop)
                        if is_asgi(variant)
                        else wsgi_caller(app, path, header_lists, status)
                    )
                for variant, call in callers.items():
                    if not cold:
                        call()  # warm: the token is verified once, then remembered
                    elif variant == base_variant:
                        call()
                callers[PYJWT] = reference
                results = interleaved(callers, cold_calls if cold else args.calls, args.rounds)
                base = results[base_variant]
                for variant in callers:
                    if variant in (base_variant, PYJWT):
                        continue
                    extra = added(results[variant], base)
                    print(
                        f"{group + ' / ' + variant.split(':')[1]:<38}{scenario:<15}"
                        f"{base:>8.1f}{results[variant]:>9.1f}{extra:>9.1f}"
                        f"{'[' + extra.spread() + ']':>14}{ratio(results[variant], base):>7.2f}x"
                        f"{ratio(extra, results[PYJWT]):>9.3f}"
                        f"{best_added(results[variant], base):>9.1f}"
                        f"{best_added(results[variant], base) / results[PYJWT].best:>9.3f}"
                    )
                sys.stdout.flush()
    for variant in dict.fromkeys(skipped):
        print(f"# skipped {variant}: the package {PEERS[variant]!r} is not installed")


def profile(args: argparse.Namespace) -> None:
    """cProfile one variant in one scenario (in-process), the functions by their own time."""
    import cProfile
    import pstats

    variant, scenario = args.profile
    if variant not in apps.VARIANTS or scenario not in SCENARIOS:
        raise SystemExit(f"--profile VARIANT SCENARIO: one of {apps.VARIANTS} and {SCENARIOS}")
    bench = Bench(pool_size=args.calls + 1)
    engine = bench.engine()
    loop = asyncio.new_event_loop()
    with jwks_server(bench.instance.jwks()) as jwks_url:
        if variant.startswith("django"):
            apps.make(variant.split(":")[0] + ":middleware", engine)
        app = apps.make(variant, None if variant.endswith(":bare") else engine, jwks_url=jwks_url)
        cold = scenario == "bearer, cold"
        header_lists = bench.cold_pool() if cold else bench.headers[scenario]
        status = expected_status(variant, scenario)
        path = apps.path_of(variant)
        call = (
            asgi_caller(app, path, header_lists, status, loop)
            if is_asgi(variant)
            else wsgi_caller(app, path, header_lists, status)
        )
        if not cold:
            for _ in range(20):
                call()
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.calls):
            call()
        profiler.disable()
    print(f"# {variant}, {scenario}: {args.calls} requests under cProfile")
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(30)


# --------------------------------------------------------------------------------- real servers
LUA = """
wrk.method = "GET"
wrk.path = {path}
wrk.headers = {{}}
{headers}
"""


def lua_script(path: str, headers: Headers) -> str:
    # wrk adds its own ``Host`` unless the table has one under that exact spelling.
    lines = "\n".join(f"wrk.headers[{json.dumps(k.title())}] = {json.dumps(v)}" for k, v in headers)
    return LUA.format(path=json.dumps(path), headers=lines)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


UVICORN = "-m uvicorn --factory benchmarks.apps:from_env --host 127.0.0.1 --workers 1"
GUNICORN = "-m gunicorn --workers 1 --worker-class sync"


def server_command(variant: str, port: int) -> list[str]:
    """uvicorn for an ASGI app, gunicorn with a sync worker for a WSGI app; one worker each."""
    if is_asgi(variant):
        options = ["--port", str(port), "--no-access-log", "--log-level", "warning"]
        return [sys.executable, *UVICORN.split(), *options]
    options = ["--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    return [sys.executable, *GUNICORN.split(), *options, "benchmarks.apps:from_env()"]


@contextmanager
def serving(variant: str, config_path: str) -> Iterator[int]:
    port = free_port()
    env = {
        **os.environ,
        "BENCH_APP": variant,
        "BENCH_CLERK_CONFIG": config_path,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    # Our own interpreter with fixed arguments: nothing here comes from outside.
    process = subprocess.Popen(server_command(variant, port), cwd=ROOT, env=env)  # noqa: S603
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{variant} did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


WRK = shutil.which("wrk") or "wrk"
WRK_RPS = re.compile(r"Requests/sec:\s+([0-9.]+)")
WRK_BAD = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def wrk(port: int, script: str, duration: int, connections: int) -> float:
    command = [WRK, "-t1", f"-c{connections}", f"-d{duration}s", "-s", script]
    out = subprocess.run(  # noqa: S603 (wrk, found on PATH, with fixed arguments)
        [*command, f"http://127.0.0.1:{port}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bad = WRK_BAD.search(out)
    if bad:
        raise AssertionError(f"{bad.group(1)} error responses:\n{out}")
    found = WRK_RPS.search(out)
    if found is None:
        raise AssertionError(out)
    return float(found.group(1))


def server_mode(args: argparse.Namespace) -> None:
    missing = [
        name
        for name, ok in (
            ("wrk", shutil.which("wrk") is not None),
            ("uvicorn", find_spec("uvicorn") is not None),
            ("gunicorn", find_spec("gunicorn") is not None),
        )
        if not ok
    ]
    if missing:
        print(f"--server needs {', '.join(missing)}; not installed, nothing measured.")
        return
    bench = Bench(pool_size=0)
    inst = bench.instance
    reference = pyjwt_reference(bench)
    pairs = [
        ("starlette:bare", "starlette:middleware"),
        ("fastapi:bare", "fastapi:middleware"),
        ("fastapi:bare", "fastapi:httpbearer"),
        ("fastapi:bare", "fastapi:require_auth"),
        ("fastapi:bare", "fastapi:peer-fastapi-clerk-auth"),
        ("django-wsgi:bare", "django-wsgi:middleware"),
        ("django-asgi:bare", "django-asgi:middleware"),
        ("flask:bare", "flask:extension"),
    ]
    scenarios = ("cookie, warm", "bearer, warm", "signed out")
    print(
        f"# real servers, {args.rounds} rounds of {args.duration}s wrk runs per app "
        f"({args.connections} connections, 1 thread); req/s median, us added per request "
        "= 1/rps(with) - 1/rps(bare), median [25th-75th percentile]; /pyjwt: added divided by "
        "a bare PyJWT decode timed here after each round"
    )
    print(
        f"{'framework / variant':<38}{'scenario':<15}{'bare rps':>10}{'with rps':>10}"
        f"{'added':>9}{'spread':>14}{'/pyjwt':>9}"
    )
    with (
        inst.serve() as backend,
        jwks_server(inst.jwks()) as jwks_url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        config_path = os.path.join(tmp, "clerk.json")
        with open(config_path, "w", encoding="utf-8") as handle:
            json.dump(
                {
                    "options": {
                        "secret_key": inst.secret_key,
                        "publishable_key": inst.publishable_key,
                        "api_url": backend.url,
                        "authorized_parties": [ORIGIN],
                        "allowed_hosts": [HOST],
                    },
                    "jwks_url": jwks_url,
                },
                handle,
            )
        for base_variant, variant in pairs:
            if args.only and variant.split(":")[0] not in args.only:
                continue
            if not installed(variant):
                print(f"# skipped {variant}: the package {PEERS[variant]!r} is not installed")
                continue
            with (
                serving(base_variant, config_path) as base_port,
                serving(variant, config_path) as port,
            ):
                for scenario in scenarios:
                    if not applies(variant, scenario):
                        continue
                    if expected_status(variant, scenario) != 200:
                        continue  # wrk counts a 401 as an error; the in-process table has it
                    script = os.path.join(tmp, "req.lua")
                    with open(script, "w", encoding="utf-8") as handle:
                        handle.write(lua_script(apps.path_of(variant), bench.headers[scenario][0]))
                    for p in (base_port, port):
                        wrk(p, script, 1, args.connections)  # warm-up (and first verification)
                    base_rps: list[float] = []
                    with_rps: list[float] = []
                    pyjwt_us: list[float] = []
                    for r in range(args.rounds):
                        order = [(base_port, base_rps), (port, with_rps)]
                        for p, into in order if r % 2 == 0 else order[::-1]:
                            into.append(wrk(p, script, args.duration, args.connections))
                        pyjwt_us.append(interleaved({PYJWT: reference}, 100, 1)[PYJWT].median)
                    base_f, with_f = Figure(tuple(base_rps)), Figure(tuple(with_rps))
                    extra = added(
                        Figure(tuple(1e6 / x for x in with_rps)),
                        Figure(tuple(1e6 / x for x in base_rps)),
                    )
                    label = f"{variant.split(':')[0]} / {variant.split(':')[1]}"
                    per_pyjwt = ratio(extra, Figure(tuple(pyjwt_us)))
                    print(
                        f"{label:<38}{scenario:<15}{base_f:>10.0f}{with_f:>10.0f}"
                        f"{extra:>9.1f}{'[' + extra.spread() + ']':>14}{per_pyjwt:>9.3f}"
                    )
                    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="requests per round (in-process)")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--only", nargs="*", choices=list(GROUPS), help="these frameworks only")
    parser.add_argument("--server", action="store_true", help="uvicorn/gunicorn + wrk")
    parser.add_argument("--duration", type=int, default=3, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections")
    parser.add_argument(
        "--profile",
        nargs=2,
        metavar=("VARIANT", "SCENARIO"),
        help='cProfile one app, e.g. --profile fastapi:require_auth "bearer, warm"',
    )
    args = parser.parse_args()
    os.environ.pop("DJANGO_SETTINGS_MODULE", None)
    if args.profile:
        profile(args)
    elif args.server:
        server_mode(args)
    else:
        in_process(args)


if __name__ == "__main__":
    main()
