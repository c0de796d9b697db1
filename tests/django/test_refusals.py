"""Django's refusals at the seams: DRF exception handlers and compositions, the sync guard path.

(The status, body and headers every adapter shares are in tests/test_refusal_adapters.py.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

from clerk_core.testing import LocalClerkInstance

pytest.importorskip("rest_framework")

pytestmark = pytest.mark.usefixtures("clerk_config")

JSON = {"HTTP_ACCEPT": "application/json"}
SEEN: list[Any] = []


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}", **JSON}


def custom_handler(exc: Exception, context: dict[str, Any]) -> Any:
    """An app's own EXCEPTION_HANDLER: DRF's, with the body wrapped its own way."""
    from rest_framework.views import exception_handler

    SEEN.append(exc)
    response = exception_handler(exc, context)
    if response is not None:
        response.data = {"problem": response.data, "codes": exc.get_codes()}  # type: ignore[attr-defined]
    return response


@override_settings(ROOT_URLCONF="tests.django.refusal_urls")
def test_a_custom_exception_handler_receives_the_core_refusal(
    clerk_instance: LocalClerkInstance, settings: Any
) -> None:
    from clerk_django.drf import ClerkAuthenticationFailed, ClerkNotAuthenticated

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "EXCEPTION_HANDLER": "tests.django.test_refusals.custom_handler",
    }
    SEEN.clear()
    client = Client()
    missing = client.get("/drf/signed-in", **JSON)
    assert missing.status_code == 401
    assert missing.json()["problem"] == {
        "error": "unauthenticated",
        "reason": "dev-browser-missing",
    }
    assert missing["WWW-Authenticate"] == "Bearer"
    assert missing["Cache-Control"] == "no-store"
    invalid = client.get("/drf/signed-in", **bearer(clerk_instance.bad_signature_token()))
    assert invalid.json()["problem"]["reason"] == "token-invalid-signature"
    assert [type(exc) for exc in SEEN] == [ClerkNotAuthenticated, ClerkAuthenticationFailed]
    assert SEEN[0].response.status == 401  # the core response, for handlers that want it


@override_settings(ROOT_URLCONF="tests.django.refusal_urls")
def test_composed_permissions_keep_their_meaning(clerk_instance: LocalClerkInstance) -> None:
    """IsSignedIn | AllowAny lets anyone in: a Clerk permission that refuses inside a
    composition does not answer for it."""
    client = Client()
    anonymous = client.get("/drf/either", **JSON)
    assert anonymous.json() == {"user_id": None}
    assert anonymous.get("Cache-Control") != "no-store"  # nothing of the inner refusal leaks
    token = clerk_instance.session_token("user_c")
    assert client.get("/drf/either", **bearer(token)).json() == {"user_id": "user_c"}


@override_settings(ROOT_URLCONF="tests.django.refusal_urls")
def test_a_permission_message_read_elsewhere_is_drfs(clerk_instance: LocalClerkInstance) -> None:
    from clerk_django.drf import HasRole

    assert HasRole("org:admin").message == "You do not have permission to perform this action."


def test_an_async_guard_on_the_sync_path_is_run(
    clerk_instance: LocalClerkInstance, settings: Any
) -> None:
    """Under WSGI the middleware runs synchronously; an async guard used to return an
    un-awaited coroutine there and the request went on (fail open)."""
    settings.CLERK = {**settings.CLERK, "guard": "tests.django.views.async_guard"}
    member = clerk_instance.session_token(org_id="org_1", org_role="org:member")
    admin = clerk_instance.session_token(org_id="org_1", org_role="org:admin")
    client = Client()
    refused = client.get("/guarded/page", **bearer(member))
    assert refused.status_code == 403
    assert refused.json() == {"error": "forbidden"}
    assert client.get("/guarded/page", **bearer(admin)).status_code == 200
