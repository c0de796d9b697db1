"""Helpers for the example apps: a real server on 127.0.0.1 for browser tests (ASGI with uvicorn,
WSGI with werkzeug, the Django example in its own process with its own settings), and a headless
Chromium page."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


ROOT = Path(__file__).resolve().parents[2]
DJANGO_MANAGE = ROOT / "example_apps" / "django_app" / "manage.py"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class LiveServer:
    """uvicorn serving an ASGI app on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the example server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class WSGILiveServer:
    """werkzeug serving a WSGI app (Flask) on 127.0.0.1 in a background thread, one thread per
    request."""

    def __init__(self, app: Any) -> None:
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WSGILiveServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.thread.join(10)


class DjangoLiveServer:
    """The Django example project served by ``manage.py runserver`` on 127.0.0.1, in a process of
    its own (its settings are not the test suite's), on a fresh migrated SQLite database, with no
    ``CLERK_*`` or ``DJANGO_*`` variable of the caller's environment: the local Clerk instance."""

    def __init__(self, tmp_path: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("CLERK_", "DJANGO_"))}
        self.env["DJANGO_DB"] = str(tmp_path / "db.sqlite3")
        self.log_path = tmp_path / "runserver.log"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def _manage(self, *args: str) -> None:
        result = subprocess.run(
            [sys.executable, str(DJANGO_MANAGE), *args],
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}"
            )

    def __enter__(self) -> DjangoLiveServer:
        self._manage("migrate", "--noinput")
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(DJANGO_MANAGE),
                    "runserver",
                    f"127.0.0.1:{self.port}",
                    "--noreload",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=ROOT,
            )
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "runserver exited:\n" + self.log_path.read_text(errors="replace")
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("the Django example did not start within 60 s") from None
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def require_playwright() -> None:
    """At the top of a browser test module: skip it without Playwright, except in CI (``CI``
    set), where a missing Playwright fails the run as a missing browser does."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail(
                "playwright is missing: it is a test dependency (pip install -e '.[test]')",
                pytrace=False,
            )
        pytest.skip("playwright is not installed (pip install playwright)", allow_module_level=True)


@pytest.fixture
def chromium_path() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs Debian's chromium for this test")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture
def browser_page(chromium_path: str) -> Iterator[Any]:
    """A page of headless Chromium (Debian's, through Playwright), 10 s default timeout. Ask for
    it after the fixture serving the app, so the browser closes before the app stops."""
    require_playwright()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(10_000)
            yield page
            # Route handlers still running (the testing token's, on a request the page made just
            # before the test ended) finish before the browser closes.
            page.context.unroute_all(behavior="wait")
        finally:
            browser.close()


@pytest.fixture
def live_server_factory() -> Iterator[Any]:
    """``start(app)`` serves an ASGI app, ``start(app, wsgi=True)`` a WSGI app, on 127.0.0.1."""
    servers: list[LiveServer | WSGILiveServer] = []

    def start(app: Any, *, wsgi: bool = False) -> LiveServer | WSGILiveServer:
        server = (WSGILiveServer(app) if wsgi else LiveServer(app)).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__()


@pytest.fixture
def django_live_server(tmp_path: Path) -> Iterator[DjangoLiveServer]:
    """The Django example, migrated and served on 127.0.0.1 (see :class:`DjangoLiveServer`)."""
    with DjangoLiveServer(tmp_path) as server:
        yield server
