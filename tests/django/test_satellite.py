"""A production satellite through Django, configured by ``settings.CLERK`` option fields: tokens
with the satellite's issuer sign in, and ``satellite_auto_sync`` starts the sync handshake."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.satellite_app import (
    HOST,
    PAGE,
    assert_satellite_sync,
    satellite,
    satellite_fields,
    session_cookie_header,
)

pytestmark = pytest.mark.django_db


def test_production_satellite_through_django(settings: Any) -> None:
    sat = satellite()
    settings.CLERK = satellite_fields(sat)
    client = Client(HTTP_HOST=HOST)
    response = client.get("/", headers=PAGE)
    assert_satellite_sync(response.status_code, response.headers.get("location"))
    token = sat.session_token("user_sat")
    cookie = session_cookie_header(sat, token)
    response = client.get("/", headers={**PAGE, "cookie": cookie})
    assert response.status_code == 200
    assert response.json()["user_id"] == "user_sat"
    response = client.get("/", headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["user_id"] == "user_sat"
