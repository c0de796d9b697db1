"""Attack probes on the Backend API namespaces of issue 14: secrets in a ``Call``'s repr."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from clerk_core.backend_api import Call
from clerk_core.backend_api.endpoints import machine

SECRETS = ("ak_live_secret_value", "mt_live_token_value", "oat_live_access_token")


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
