"""The local Backend API's sign-in tokens (``POST /sign_in_tokens``, ``.../{id}/revoke``), with
Clerk's shapes and errors.

A token is stored in ``FakeBackendAPI.sign_in_tokens`` by id; its ``token`` (the ticket) is
random, its ``url`` points at the instance's Frontend API ``tickets/accept`` endpoint as Clerk's
does, and times are Unix milliseconds. An unknown user or token is a 404; a missing or malformed
parameter a 422 naming it (``form_param_missing``, ``form_param_format_invalid``).
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from ._fake_machine import _bad, _missing, _now_ms
from .backend import Call, FakeBackendAPI, _not_found, route

__all__: list[str] = []

DEFAULT_LIFETIME = 30 * 24 * 3600  # Clerk's default: 30 days


@route("POST", r"/v1/sign_in_tokens")
def _create_sign_in_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user_id = call.body.get("user_id")
    if user_id is None:
        return _missing("user_id")
    if not isinstance(user_id, str) or not user_id:
        return _bad("user_id", "a user id")
    lifetime = call.body.get("expires_in_seconds", DEFAULT_LIFETIME)
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        return _bad("expires_in_seconds", "a positive whole number of seconds")
    org_id = call.body.get("org_id")
    if org_id is not None and (not isinstance(org_id, str) or org_id not in api.organizations):
        return _not_found("organization")
    if user_id not in api.users:
        return _not_found("user")
    now = _now_ms(api)
    ticket = secrets.token_urlsafe(32)
    record: dict[str, Any] = {
        "object": "sign_in_token",
        "id": "sit_" + secrets.token_hex(12),
        "user_id": user_id,
        "token": ticket,
        "status": "pending",
        "url": f"https://{api.instance.frontend_api}/v1/tickets/accept?ticket={ticket}",
        "created_at": now,
        "updated_at": now,
        "_expires_at": now + lifetime * 1000,
        "_org_id": org_id,
    }
    with api._lock:
        api.sign_in_tokens[record["id"]] = record
    return httpx.Response(200, json=_public(record))


@route("POST", r"/v1/sign_in_tokens/{id}/revoke")
def _revoke_sign_in_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    with api._lock:
        record = api.sign_in_tokens.get(call.args[0])
        if record is None:
            return _not_found("sign in token")
        record["status"] = "revoked"
        record["updated_at"] = _now_ms(api)
    return httpx.Response(200, json=_public(record))


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}
