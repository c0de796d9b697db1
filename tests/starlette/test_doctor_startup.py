"""Starlette and FastAPI: a misconfiguration fails at start-up (also under plain ``uvicorn
main:app``, whose lifespan "auto" mode swallows an exception), or answers 500 with one log line
where there is no lifespan; and what ``doctor --app`` finds in an app."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import runpy
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocket, WebSocketDisconnect

from clerk_core import AuthObject, Clerk, ClerkConfigurationError
from clerk_core.__main__ import main
from clerk_core.testing import LocalClerkInstance
from clerk_starlette import ClerkBackend, ClerkMiddleware, get_auth
from clerk_starlette.doctor import inspect_app
from clerk_starlette.fastapi import require_auth
from clerk_starlette.local import LocalFrontendMiddleware
from tests.doctor_kit import both_apis

ROOT = Path(__file__).resolve().parents[2]
BROKEN: dict[str, Any] = {
    "publishable_key": "pk_test_broken",
    "secret_key": "sk_test_" + "s3cr3t" * 8,
}


async def home(request: Request) -> PlainTextResponse:
    return PlainTextResponse("home")


async def echo(websocket: WebSocket) -> None:
    await websocket.accept()
    await websocket.close()


def starlette_app(**clerk: Any) -> Starlette:
    app = Starlette(routes=[Route("/", home), WebSocketRoute("/ws", echo)])
    app.add_middleware(ClerkMiddleware, **clerk)
    return app


def clerk_logs(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(("clerk_starlette", "clerk_core"))]


# ------------------------------------------------------------------------------ start-up


def test_a_bad_key_fails_the_lifespan_startup_with_the_fix(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = starlette_app(**BROKEN)  # app.add_middleware builds nothing yet
    with pytest.raises(ClerkConfigurationError) as refused, TestClient(app):
        pass  # pragma: no cover - start-up fails
    assert str(refused.value).startswith(
        "Clerk is misconfigured, so the app cannot start: publishable_key is not a valid Clerk "
        "publishable key"
    )
    assert "Copy the key again from the Clerk dashboard" in str(refused.value)
    errors = [r for r in clerk_logs(caplog) if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert BROKEN["secret_key"] not in caplog.text


def test_without_a_lifespan_every_request_is_a_500_and_one_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = TestClient(starlette_app(**BROKEN))  # no ``with``: no lifespan
    for _ in range(3):
        response = client.get("/")
        assert response.status_code == 500
        assert response.text == "Clerk is misconfigured: see the server log.\n"
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws"):
        pass  # pragma: no cover - refused
    assert closed.value.code == 1011
    errors = [r for r in clerk_logs(caplog) if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].getMessage().startswith("Clerk is misconfigured, so the app cannot start:")
    assert BROKEN["secret_key"] not in caplog.text


def test_built_at_import_it_still_raises_at_once(clerk_instance: LocalClerkInstance) -> None:
    with pytest.raises(ClerkConfigurationError, match="publishable_key is not a valid"):
        ClerkMiddleware(Starlette(), **BROKEN)
    bad_secret = "whsec_tooshort"
    with pytest.raises(ClerkConfigurationError) as refused:
        ClerkMiddleware(
            Starlette(), options=clerk_instance.options(webhook_signing_secret=bad_secret)
        )
    assert "Fix: Copy the signing secret again" in str(refused.value)
    assert bad_secret not in str(refused.value)


def test_a_healthy_app_starts_and_live_keys_without_parties_are_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = LocalClerkInstance(instance_type="production")
    app = starlette_app(options=live.options(authorized_parties=()))
    with caplog.at_level(logging.WARNING), TestClient(app) as client:
        assert client.get("/").text == "home"
    warnings = [r.getMessage() for r in clerk_logs(caplog) if r.name == "clerk_starlette"]
    assert len(warnings) == 1
    assert warnings[0].startswith("Clerk: Live keys without authorized_parties")
    assert live.secret_key not in caplog.text


def test_the_dependencies_engine_logs_a_misconfiguration_once_then_answers_500(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import clerk_starlette.fastapi as module

    monkeypatch.setattr(module, "_default_engine", None)
    monkeypatch.setattr(module, "_default_failure", None)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", BROKEN["publishable_key"])
    monkeypatch.setenv("CLERK_SECRET_KEY", BROKEN["secret_key"])
    app = FastAPI()

    @app.get("/me")
    async def me(auth: AuthObject = Depends(require_auth)) -> dict[str, Any]:
        return {"user_id": auth.user_id}  # pragma: no cover - never reached

    client = TestClient(app)
    for _ in range(2):
        response = client.get("/me")
        assert response.status_code == 500
        assert response.json() == {"detail": "Clerk is misconfigured: see the server log."}
    errors = [r for r in clerk_logs(caplog) if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "publishable_key is not a valid Clerk publishable key" in errors[0].getMessage()
    assert BROKEN["secret_key"] not in caplog.text + response.text


# ------------------------------------------------------------------------------ real uvicorn


@pytest.fixture
def app_module(tmp_path: Path) -> Path:
    (tmp_path / "broken_main.py").write_text(
        textwrap.dedent(
            f"""
            from fastapi import FastAPI
            from clerk_starlette import ClerkMiddleware

            app = FastAPI()

            @app.get("/")
            async def root():
                return {{"ok": True}}

            app.add_middleware(ClerkMiddleware, publishable_key={BROKEN["publishable_key"]!r},
                               secret_key={BROKEN["secret_key"]!r})
            """
        )
    )
    return tmp_path


def uvicorn(app_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLERK_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(app_dir)])
    command = [sys.executable, "-m", "uvicorn", "broken_main:app", "--host", "127.0.0.1", *args]
    return subprocess.Popen(
        command, env=env, cwd=app_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_plain_uvicorn_refuses_to_start_with_the_message(app_module: Path) -> None:
    """``uvicorn main:app`` (lifespan "auto"): before, it logged "ASGI 'lifespan' protocol appears
    unsupported" and served 500s; now the start-up fails with Clerk's message and exit code 3."""
    server = uvicorn(app_module, "--port", "0")
    try:
        output, _ = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 3, output
    assert "ERROR:    Clerk is misconfigured, so the app cannot start: publishable_key is not" in (
        output
    )
    assert "Application startup failed. Exiting." in output
    assert "appears unsupported" not in output
    assert BROKEN["secret_key"] not in output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_uvicorn_without_lifespan_answers_500_and_logs_once(app_module: Path) -> None:
    port = free_port()
    server = uvicorn(app_module, "--port", str(port), "--lifespan", "off")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answers = [httpx.get(f"http://127.0.0.1:{port}/", timeout=5) for _ in range(2)]
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert [a.status_code for a in answers] == [500, 500]
    assert answers[0].text == "Clerk is misconfigured: see the server log.\n"
    assert output.count("Clerk is misconfigured, so the app cannot start") == 1, output
    assert BROKEN["secret_key"] not in output


# ------------------------------------------------------------------------------ doctor --app


def results_of(app: Any) -> dict[str, Any]:
    inspection = inspect_app(app)
    assert inspection is not None
    return {r.id: r for r in inspection.results}


def test_an_app_without_clerk_is_an_error() -> None:
    middleware = results_of(Starlette())["middleware"]
    assert middleware.status == "error"
    assert middleware.message.startswith("Clerk is not installed in this app")
    assert middleware.fix.startswith("Add app.add_middleware(ClerkMiddleware)")


def test_clerk_middleware_installed_twice_is_a_warning(clerk_engine: Clerk) -> None:
    app = starlette_app(clerk=clerk_engine)
    app.add_middleware(ClerkMiddleware, clerk=clerk_engine)
    middleware = results_of(app)["middleware"]
    assert middleware.status == "warning"
    assert middleware.message == (
        "ClerkMiddleware is installed 2 times: every request is authenticated, and its guard "
        "run, 2 times."
    )


def test_a_well_placed_middleware_passes(clerk_engine: Clerk) -> None:
    app = starlette_app(clerk=clerk_engine)
    app.add_middleware(CORSMiddleware, allow_origins=["https://shop.test"])  # outermost
    results = results_of(app)
    assert (
        results["middleware"].message == "ClerkMiddleware is middleware 2 of 2, from the outermost."
    )
    assert results["middleware_order"].status == "ok"
    assert results["lifespan"].status == "ok"
    assert "fails the start-up, under uvicorn's default --lifespan auto too" in (
        results["lifespan"].message
    )


def test_cors_inside_clerk_and_an_auth_reading_middleware_outside_it_are_reported(
    clerk_engine: Clerk,
) -> None:
    app = FastAPI()
    app.add_middleware(CORSMiddleware, allow_origins=["https://shop.test"])
    app.add_middleware(ClerkMiddleware, clerk=clerk_engine)

    @app.middleware("http")  # declared after add_middleware(ClerkMiddleware): runs before it
    async def audit(request: Request, call_next: Any) -> Any:
        print(get_auth(request).user_id)  # pragma: no cover - never served
        return await call_next(request)  # pragma: no cover

    order = results_of(app)["middleware_order"]
    assert order.status == "warning"
    assert "CORSMiddleware runs inside ClerkMiddleware, so its CORS headers are missing" in (
        order.message
    )
    assert "audit (@app.middleware) reads the auth but runs before ClerkMiddleware" in order.message
    assert order.fix.endswith(
        "add CORSMiddleware after ClerkMiddleware; add ClerkMiddleware after "
        "test_cors_inside_clerk_and_an_auth_reading_middleware_outside_it_are_reported.<locals>."
        "audit (@app.middleware)."
    )


def test_the_local_frontend_inside_clerk_is_an_error(clerk_engine: Clerk) -> None:
    from clerk_core.testing import LocalFrontendAPI

    app = Starlette()
    app.add_middleware(LocalFrontendMiddleware, frontend=LocalFrontendAPI())
    app.add_middleware(ClerkMiddleware, clerk=clerk_engine)
    order = results_of(app)["middleware_order"]
    assert order.status == "error"
    assert "LocalFrontendMiddleware runs inside ClerkMiddleware" in order.message


def test_dependencies_alone_pass_but_warn_that_errors_come_on_the_first_request() -> None:
    app = FastAPI()

    @app.get("/me")
    async def me(auth: AuthObject = Depends(require_auth)) -> None:
        return None  # pragma: no cover

    results = results_of(app)
    assert results["middleware"].status == "ok"
    assert results["middleware"].message.startswith(
        "ClerkMiddleware is not installed; 1 route authenticates (/me) with the dependencies"
    )
    assert results["lifespan"].status == "warning"
    assert results["lifespan"].fix.startswith("Set app.state.clerk = Clerk(")
    app.state.clerk = Clerk(LocalClerkInstance().options())
    assert results_of(app)["lifespan"].status == "ok"


def test_clerk_backend_and_a_wrapping_middleware_are_found(clerk_engine: Clerk) -> None:
    app = Starlette()
    app.add_middleware(AuthenticationMiddleware, backend=ClerkBackend(clerk=clerk_engine))
    assert results_of(app)["middleware"].message.startswith(
        "Clerk authenticates through ClerkBackend"
    )
    wrapped = ClerkMiddleware(Starlette(), clerk=clerk_engine)
    results = results_of(wrapped)
    assert results["middleware"].message == "ClerkMiddleware wraps the app."
    assert "built when the module is imported" in results["lifespan"].message


def test_doctor_app_checks_the_settings_the_app_gives_clerk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clerk_instance: LocalClerkInstance
) -> None:
    """The keys come from ``add_middleware``'s arguments, not from the environment (empty)."""
    other = LocalClerkInstance(kid="ins_other")
    (tmp_path / "doctor_app_s.py").write_text(
        textwrap.dedent(
            f"""
            from starlette.applications import Starlette
            from clerk_starlette import ClerkMiddleware

            app = Starlette()
            app.add_middleware(
                ClerkMiddleware,
                publishable_key={clerk_instance.publishable_key!r},
                secret_key={other.secret_key!r},
                api_url={clerk_instance.api_url!r},
                authorized_parties=["http://localhost:8000"],
            )
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    out = io.StringIO()
    with httpx.Client(transport=both_apis(other, frontend=clerk_instance)) as client:
        code = main(
            ["doctor", "--json", "--app", "doctor_app_s:app"],
            environ={},
            http_client=client,
            stdout=out,
        )
    results = {r["id"]: r for r in json.loads(out.getvalue())}
    assert code == 1
    assert results["same_instance"]["message"].startswith(
        "The publishable and secret keys are keys of two different instances"
    )
    assert results["middleware"]["status"] == "ok"
    assert results["lifespan"]["status"] == "ok"
    assert other.secret_key not in out.getvalue()
    sys.modules.pop("doctor_app_s", None)


def test_the_documented_inspection_example_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run from a file, as an app's module is (the doctor reads the middleware's source)."""
    page = (ROOT / "docs" / "doctor.md").read_text("utf-8")
    section = page.split("## The app's installation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    example = tmp_path / "doc_example.py"
    example.write_text(code.group(1), encoding="utf-8")
    runpy.run_path(str(example), run_name="doc_example")
    printed = capsys.readouterr().out.splitlines()
    assert (
        printed[0]
        == "OK      middleware: ClerkMiddleware is middleware 2 of 2, from the outermost."
    )
    assert printed[-1] == "3 checks: 0 errors, 1 warning."
