"""The webhook endpoint of every framework: the same deliveries and rules through each (R14): the
project's corpus (``tests/corpus/webhooks.json``) always, the workspace's extra vectors
(``svix_vectors.json``) when present."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_core import ClerkConfigurationError, WebhookEvent, WebhookRouter, WebhookVerifier
from clerk_core.testing import LocalClerkInstance
from tests.conftest import TEST_WEBHOOK_SECRET, extra_cases, vectors_or_empty
from tests.core.test_corpus import WEBHOOKS, webhook_body
from tests.core.test_webhooks import FRACTION_NOW, expected, fractional_delivery

FIXED = vectors_or_empty("svix_vectors.json").get("header_cases_at_fixed_time", {})
CASES = FIXED.get("cases", [])
Post = Callable[[bytes, dict[str, str]], tuple[int, Any]]


def starlette_post(router: WebhookRouter, verifier: WebhookVerifier) -> Post:
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from clerk_starlette.webhooks import webhook_endpoint

    app = Starlette(
        routes=[Route("/hook", webhook_endpoint(router, verifier=verifier), methods=["POST"])]
    )
    client = TestClient(app)

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        # Raw header bytes, as a server receives them (httpx would refuse non-ASCII text).
        raw = {name.encode(): value.encode("utf-8") for name, value in headers.items()}
        response = client.post("/hook", content=body, headers=raw)
        return response.status_code, response.json()

    return post


def fastapi_post(router: WebhookRouter, verifier: WebhookVerifier) -> Post:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from clerk_starlette.webhooks import webhook_api_router

    app = FastAPI()
    app.include_router(webhook_api_router(router, path="/hook", verifier=verifier))
    client = TestClient(app)

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        # Raw header bytes, as a server receives them (httpx would refuse non-ASCII text).
        raw = {name.encode(): value.encode("utf-8") for name, value in headers.items()}
        response = client.post("/hook", content=body, headers=raw)
        return response.status_code, response.json()

    return post


def django_post(router: WebhookRouter, verifier: WebhookVerifier) -> Post:
    from django.test import RequestFactory

    from clerk_django.webhooks import webhook_view

    view = webhook_view(router, verifier=verifier)
    factory = RequestFactory()

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        request = factory.post("/hook", data=body, content_type="application/json", **meta)
        response = view(request)
        return response.status_code, json.loads(response.content)

    return post


def django_async_post(router: WebhookRouter, verifier: WebhookVerifier) -> Post:
    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from clerk_django.webhooks import webhook_view_async

    view = webhook_view_async(router, verifier=verifier)
    assert inspect.iscoroutinefunction(view)  # Django runs it as an async view
    assert getattr(view, "csrf_exempt", False)
    factory = RequestFactory()

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        request = factory.post("/hook", data=body, content_type="application/json", **meta)
        response = async_to_sync(view)(request)
        return response.status_code, json.loads(response.content)

    return post


def flask_post(router: WebhookRouter, verifier: WebhookVerifier) -> Post:
    from flask import Flask

    from clerk_flask.webhooks import webhook_blueprint

    app = Flask(__name__)
    app.register_blueprint(webhook_blueprint(router, path="/hook", verifier=verifier))
    client = app.test_client()

    def post(body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        environ = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        response = client.post(
            "/hook", data=body, environ_overrides=environ, content_type="application/json"
        )
        return response.status_code, response.json

    return post


FRAMEWORKS = {
    "starlette": starlette_post,
    "fastapi": fastapi_post,
    "django": django_post,
    "django-async": django_async_post,
    "flask": flask_post,
}
ASYNC_ENDPOINTS = ("starlette", "fastapi", "django-async")


@pytest.fixture(params=list(FRAMEWORKS))
def framework(request: pytest.FixtureRequest) -> Callable[[WebhookRouter, WebhookVerifier], Post]:
    return FRAMEWORKS[request.param]


@pytest.mark.parametrize("case", WEBHOOKS["cases"], ids=[c["id"] for c in WEBHOOKS["cases"]])
def test_corpus_deliveries(
    framework: Callable[[WebhookRouter, WebhookVerifier], Post],
    case: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    verifier = WebhookVerifier(WEBHOOKS["secret"], clock=lambda: float(WEBHOOKS["now"]))
    router = WebhookRouter()
    seen: list[str] = []
    router.on("*")(lambda event: seen.append(event.id))
    post = framework(router, verifier)
    status, answer = post(webhook_body(case), case["headers"])
    if case["expect"] == "reject":
        assert (status, answer["reason"]) == (case.get("status", 400), case["reason"])
        assert seen == []
    elif "payload_reason" in case:
        assert (status, answer["reason"]) == (400, case["payload_reason"])  # signature passed
    else:
        assert status == 200
        assert seen == [WEBHOOKS["msg_id"]]
    secret = WEBHOOKS["secret"].removeprefix("whsec_")
    for text in (caplog.text, json.dumps(answer)):
        assert secret not in text


@pytest.mark.parametrize("case", extra_cases(CASES, "svix_vectors.json", lambda i, c: c["id"]))
def test_vector_cases(
    framework: Callable[[WebhookRouter, WebhookVerifier], Post],
    case: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    verifier = WebhookVerifier(FIXED["secret"], clock=lambda: FIXED["now"])
    router = WebhookRouter()
    seen: list[str] = []
    router.on("*")(lambda event: seen.append(event.id))
    post = framework(router, verifier)
    body = (
        base64.b64decode(case["body_base64"])
        if "body_base64" in case
        else str(case.get("body", FIXED["payload"])).encode()
    )
    # The fixed payload is not a Clerk event: a valid signature then fails as a payload, still 400.
    status, answer = post(body, case["headers"])
    assert status in (200, 400)
    if expected(case) == "reject":
        assert status == 400
        assert answer["error"] == "invalid_webhook"
        assert answer["reason"] != "invalid-payload"
    if expected(case) in ("accept", "accept-first-then-reject"):
        assert answer["reason"] == "invalid-payload"  # the signature passed
    assert seen == []
    # R17: neither the secret nor a signature reaches a log line or the answer.
    secret = FIXED["secret"].removeprefix("whsec_")
    signatures = [
        part.partition(",")[2]
        for part in str(case["headers"].get("svix-signature", "")).split(" ")
        if len(part.partition(",")[2]) >= 16
    ]
    for text in (caplog.text, json.dumps(answer)):
        assert secret not in text
        assert not any(sig in text for sig in signatures)


def test_clerk_deliveries(framework: Callable[[WebhookRouter, WebhookVerifier], Post]) -> None:
    instance = LocalClerkInstance()
    verifier = WebhookVerifier(instance.webhook_signing_secret, max_body_bytes=4096)
    router = WebhookRouter()
    handled: list[str] = []
    attempts: list[int] = []

    @router.on("user.created")
    def created(event: WebhookEvent) -> None:
        handled.append(event.data["id"])

    @router.on("user.deleted")
    def deleted(event: WebhookEvent) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("transient")

    post = framework(router, verifier)
    body, headers = instance.sign_webhook("user.created", instance.user_payload("user_1"))
    assert post(body, headers) == (200, {"status": "ok", "handled": 1})
    assert post(body, headers) == (200, {"status": "duplicate"})
    assert handled == ["user_1"]
    body, headers = instance.sign_webhook("user.deleted", {"id": "user_1", "deleted": True})
    assert post(body, headers)[0] == 500
    assert post(body, headers) == (200, {"status": "ok", "handled": 1})
    body, headers = instance.sign_webhook("session.created", {"id": "sess_1"})
    assert post(body, headers) == (200, {"status": "ignored"})
    big, big_headers = instance.sign_webhook("user.created", {"blob": "x" * 5000})
    status, answer = post(big, big_headers)
    assert (status, answer["reason"]) == (413, "body-too-large")
    tampered = body.replace(b"sess_1", b"sess_2")
    assert post(tampered, headers)[0] == 400


def test_fractional_timestamp_is_accepted_by_every_endpoint(
    framework: Callable[[WebhookRouter, WebhookVerifier], Post],
) -> None:
    """Clerk (standardwebhooks JS ``parseInt``) takes "1796022910.906" as 1796022910 seconds."""
    instance = LocalClerkInstance(clock=lambda: FRACTION_NOW)
    verifier = WebhookVerifier(instance.webhook_signing_secret, clock=lambda: FRACTION_NOW)
    router = WebhookRouter()
    handled: list[int] = []
    router.on("user.created")(lambda event: handled.append(event.timestamp))
    post = framework(router, verifier)
    body, headers = fractional_delivery(instance, "1796022910.906", "1796022910")
    assert post(body, headers) == (200, {"status": "ok", "handled": 1})
    assert handled == [FRACTION_NOW]
    body, headers = fractional_delivery(instance, "1796022910.906abc", "1796022910")
    status, answer = post(body, headers)
    assert (status, answer["reason"]) == (400, "invalid-timestamp")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    signature=st.text(alphabet=st.sampled_from(list("v1,=+/ aZ9")), max_size=40),
    timestamp=st.text(alphabet=st.sampled_from(list("0123456789 .e")), max_size=12),
    body=st.binary(max_size=40),
)
def test_fuzzing_never_gives_anything_but_2xx_400_413(
    framework: Callable[[WebhookRouter, WebhookVerifier], Post],
    signature: str,
    timestamp: str,
    body: bytes,
) -> None:
    verifier = WebhookVerifier(TEST_WEBHOOK_SECRET, clock=lambda: 1_700_000_000)
    post = framework(WebhookRouter(), verifier)
    status, _ = post(
        body, {"svix-id": "msg_1", "svix-timestamp": timestamp, "svix-signature": signature}
    )
    assert status in (200, 400, 413)


# ------------------------------------------------------------------ handler kinds per endpoint
def mixed_router(seen: list[str]) -> WebhookRouter:
    router = WebhookRouter()

    @router.on("user.created")
    def plain(event: WebhookEvent) -> None:
        seen.append("plain")

    @router.on("user.*")
    async def coroutine(event: WebhookEvent) -> None:
        await asyncio.sleep(0)
        seen.append("async")

    return router


@pytest.mark.parametrize("name", ASYNC_ENDPOINTS)
def test_async_endpoints_await_async_handlers_and_call_plain_ones(name: str) -> None:
    instance = LocalClerkInstance()
    verifier = WebhookVerifier(instance.webhook_signing_secret)
    seen: list[str] = []
    post = FRAMEWORKS[name](mixed_router(seen), verifier)
    body, headers = instance.sign_webhook("user.created", instance.user_payload("user_1"))
    assert post(body, headers) == (200, {"status": "ok", "handled": 2})
    assert post(body, headers) == (200, {"status": "duplicate"})
    assert seen == ["plain", "async"]


def flask_view(router: WebhookRouter, verifier: WebhookVerifier) -> object:
    from clerk_flask.webhooks import webhook_view

    return webhook_view(router, verifier=verifier)


def flask_blueprint(router: WebhookRouter, verifier: WebhookVerifier) -> object:
    from clerk_flask.webhooks import webhook_blueprint

    return webhook_blueprint(router, verifier=verifier)


def django_view(router: WebhookRouter, verifier: WebhookVerifier) -> object:
    from clerk_django.webhooks import webhook_view

    return webhook_view(router, verifier=verifier)


SYNC_BUILDERS = {"django": django_view, "flask-view": flask_view, "flask": flask_blueprint}


@pytest.mark.parametrize("name", list(SYNC_BUILDERS))
def test_sync_endpoints_refuse_async_handlers_at_start_up(name: str) -> None:
    """A sync view cannot run an ``async def`` handler: building it says so, naming the handler
    and the way out, instead of failing (or running an event loop per delivery) later."""
    verifier = WebhookVerifier(LocalClerkInstance().webhook_signing_secret)
    build = SYNC_BUILDERS[name]
    with pytest.raises(ClerkConfigurationError, match="coroutine function") as raised:
        build(mixed_router([]), verifier)
    message = str(raised.value)
    assert "'mixed_router.<locals>.coroutine'" in message
    assert "handle_async" in message
    assert "webhook_view_async" in message


@pytest.mark.parametrize("name", list(SYNC_BUILDERS))
def test_sync_endpoints_refuse_async_handlers_registered_later(name: str) -> None:
    instance = LocalClerkInstance()
    verifier = WebhookVerifier(instance.webhook_signing_secret)
    router = WebhookRouter()
    seen: list[str] = []
    router.on("user.created")(lambda event: seen.append("plain"))
    SYNC_BUILDERS[name](router, verifier)

    async def late(event: WebhookEvent) -> None:
        seen.append("late")

    with pytest.raises(ClerkConfigurationError, match="runs handlers synchronously"):
        router.on("user.*")(late)
    assert len(router.handlers_for("user.created")) == 1  # the refused handler is not registered
    post = {"django": django_post, "flask-view": flask_post, "flask": flask_post}[name]
    body, headers = instance.sign_webhook("user.created", instance.user_payload("user_1"))
    assert post(router, verifier)(body, headers) == (200, {"status": "ok", "handled": 1})
    assert seen == ["plain"]
