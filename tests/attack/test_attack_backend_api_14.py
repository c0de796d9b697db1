"""Attack probes on the Backend API namespaces of issue 14: secrets in a ``Call``'s repr, encoded
separators through ``request()``, and header injection through a logo upload's content type."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from clerk_core.backend_api import BackendAPI, Call
from clerk_core.backend_api.endpoints import machine, organizations

SECRETS = ("ak_live_secret_value", "mt_live_token_value", "oat_live_access_token")


def recorder() -> tuple[BackendAPI, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"id": "x"})

    api = BackendAPI("sk_test_x", http_client=httpx.Client(transport=httpx.MockTransport(record)))
    return api, sent


# ------------------------------------------------------------------ reprs
def test_the_token_being_verified_never_shows_in_a_calls_repr(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``Call``'s dataclass repr printed its JSON body: the API key secret, the M2M token or the
    OAuth access token being verified (a ``logger.debug("%r", call)``, a traceback's locals, an
    assertion message). The bearer was already hidden; the body is now too."""
    calls: list[Call[Any]] = [
        machine.verify_api_key(SECRETS[0]),
        machine.verify_m2m_token(SECRETS[1], machine_secret_key="ak_machine_secret"),
        machine.verify_oauth_access_token(SECRETS[2]),
    ]
    caplog.set_level(logging.DEBUG)
    for call in calls:
        logging.getLogger("app").debug("calling %r / %s", call, call)
        text = repr(call) + str(call)
        for secret in (*SECRETS, "ak_machine_secret"):
            assert secret not in text
        assert call.path in text  # still says which endpoint
    for secret in SECRETS:
        assert secret not in caplog.text


def test_a_raw_requests_body_stays_out_of_its_repr() -> None:
    call = Call("POST", "/users", dict, body={"password": "hunter2hunter2"})
    assert "hunter2" not in repr(call)


# ------------------------------------------------------------------ request() paths
@pytest.mark.parametrize(
    "path",
    [
        "/users/..%2F..%2Fjwks",
        "/users/..%2f..%2fjwks",
        "/users/x%5C..%5Cjwks",
        "/users/x%00",
        "/users/x%0D%0AHost:%20evil",
        "/users/x%3Fy=1",
        "/users/x%23y",
    ],
)
def test_request_refuses_encoded_separators_and_controls(path: str) -> None:
    """``path_segment`` refuses ``/``, ``\\``, ``?``, ``#`` and controls in an id, so no path
    built from ids ever holds them encoded. ``request()`` took them: a server that decodes
    before routing would see ``/users/../../jwks``."""
    api, sent = recorder()
    with pytest.raises(ValueError, match="path"):
        api.request("GET", path)
    assert sent == []


def test_ordinary_encoded_ids_still_pass_through_request() -> None:
    api, sent = recorder()
    api.request("GET", "/users/user%20with%20space")
    api.request("GET", "/organizations/acme%40corp")
    assert [r.url.raw_path for r in sent] == [
        b"/v1/users/user%20with%20space",
        b"/v1/organizations/acme%40corp",
    ]


# ------------------------------------------------------------------ logo uploads
@pytest.mark.parametrize(
    "content_type",
    ["image/png\r\nX-Injected: yes", "image/png\r\n\r\nprepended", "image/png\x00", "\n"],
)
def test_a_logo_content_type_cannot_inject_part_headers(content_type: str) -> None:
    """httpx writes a file part's content type as given: a CR/LF in it added headers to the
    part (or ended them and prepended bytes to the image). The file name httpx encodes itself."""
    with pytest.raises(ValueError, match="content_type"):
        organizations.update_organization_logo(
            "org_1", file=b"\x89PNG\r\n\x1a\n", content_type=content_type
        )


def test_a_logo_file_name_is_encoded_by_httpx() -> None:
    api, sent = recorder()
    api.organizations.update_logo(
        "org_1", file=b"\x89PNG\r\n\x1a\n", filename='a"\r\nX-Evil: 1\r\n.png'
    )
    body = sent[0].read()
    assert b"X-Evil: 1\r\n" not in body
    assert b"Content-Type: image/png\r\n" in body
