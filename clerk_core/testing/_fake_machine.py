"""The local Backend API's machine authentication: API keys, M2M tokens, OAuth access tokens and
testing tokens, with Clerk's shapes, pagination and error bodies.

The records live in the instance's stores, keyed by the secret (``LocalClerkInstance.api_key()``,
``m2m_token()``, ``oauth_token()`` and ``revoke()`` write the same ones), so a key created through
``api.api_keys.create(...)`` is verified by the engine and a key made by ``instance.api_key()`` is
listed, revoked and fetched through the API. Times are Unix milliseconds, as Clerk's; ``expired``
is computed from the instance's clock on every answer.

As Clerk: verifying an unknown, revoked or expired token is a 404; bad input a 422
(``form_param_missing``, ``form_param_format_invalid``) naming the parameter in ``meta``; M2M
tokens are created with a machine secret key only (the instance's ``machine_secret_key``, whose
machine is :data:`LOCAL_MACHINE_ID`), and listed, revoked or verified with either key.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Mapping
from typing import Any

import httpx

from ..tokens import CAT_M2M
from .backend import Call, FakeBackendAPI, _error, _not_found, route

__all__ = ["LOCAL_MACHINE_ID"]

LOCAL_MACHINE_ID = "mch_local"
"""The machine whose secret key is ``LocalClerkInstance.machine_secret_key``."""

_OBJECTS = {
    "api_key": "api_key",
    "m2m_token": "machine_to_machine_token",
    "oauth_token": "clerk_idp_oauth_access_token",
}
_NAMES = {"api_key": "API key", "m2m_token": "M2M token", "oauth_token": "OAuth access token"}


# ------------------------------------------------------------------------------ helpers
def _invalid(code: str, param: str, message: str, long_message: str) -> httpx.Response:
    return httpx.Response(
        422,
        json={
            "errors": [
                {
                    "code": code,
                    "message": message,
                    "long_message": long_message,
                    "meta": {"param_name": param},
                }
            ],
            "clerk_trace_id": "trace_local",
        },
    )


def _missing(param: str) -> httpx.Response:
    return _invalid("form_param_missing", param, "missing data", f"{param} must be included.")


def _bad(param: str, wanted: str) -> httpx.Response:
    return _invalid("form_param_format_invalid", param, "is invalid", f"{param} must be {wanted}.")


def _now_ms(api: FakeBackendAPI) -> int:
    return int(api.instance.clock() * 1000)


def _store(api: FakeBackendAPI, kind: str) -> dict[str, dict[str, Any]]:
    instance = api.instance
    stores = {
        "api_key": instance._api_keys,
        "m2m_token": instance._m2m_tokens,
        "oauth_token": instance._oauth_tokens,
    }
    return stores[kind]


def _shape(api: FakeBackendAPI, kind: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as Clerk answers it: Clerk's fields (defaults for the ones a helper-made record
    lacks), ``expired`` as of now, no secret. A field a test put in the record (``aud``, an odd
    value) is answered as it is."""
    now = _now_ms(api)
    defaults: dict[str, Any] = {
        "id": None,
        "subject": None,
        "scopes": [],
        "claims": None,
        "revoked": False,
        "revocation_reason": None,
        "expiration": None,
        "created_at": now,
        "updated_at": now,
    }
    if kind == "api_key":
        defaults |= {
            "type": "api_key",
            "name": None,
            "description": None,
            "created_by": None,
            "last_used_at": None,
        }
    elif kind == "oauth_token":
        del defaults["claims"]
        defaults |= {"type": "oauth_token", "client_id": None}
    out = defaults | {k: v for k, v in record.items() if not k.startswith("_")}
    out["object"] = _OBJECTS[kind]
    expiration, expired = out["expiration"], out.get("expired", False)
    if isinstance(expired, bool):
        out["expired"] = expired or (isinstance(expiration, int) and expiration <= now)
    return out


def _by_id(api: FakeBackendAPI, kind: str, record_id: str) -> dict[str, Any] | None:
    with api.instance._lock:
        return next((r for r in _store(api, kind).values() if r.get("id") == record_id), None)


def _page(call: Call, found: list[dict[str, Any]]) -> httpx.Response:
    """``{"data": [...], "total_count": n}``, newest first, ``limit`` (1-500, default 10) from
    ``offset``."""
    params = call.params
    limit, offset = _number(params.get("limit", "10")), _number(params.get("offset", "0"))
    if limit is None or not 1 <= limit <= 500:
        return _bad("limit", "a whole number between 1 and 500")
    if offset is None:
        return _bad("offset", "a whole number >= 0")
    found.sort(key=lambda r: (r["created_at"], r["id"] or ""), reverse=True)
    return httpx.Response(
        200, json={"data": found[offset : offset + limit], "total_count": len(found)}
    )


def _number(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() else None


def _flag(call: Call, name: str) -> bool:
    return str(call.params.get(name, "false")).lower() == "true"


def _lifetime(value: Any) -> int | httpx.Response | None:
    """``seconds_until_expiration``: a whole number of seconds > 0, or ``None``."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return _bad("seconds_until_expiration", "a whole number of seconds greater than 0")
    return value


def _claims(value: Any) -> dict[str, Any] | httpx.Response | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        return _bad("claims", "an object")
    return dict(value)


def _machine_key(call: Call, api: FakeBackendAPI) -> bool:
    auth = str(call.request.headers.get("authorization", ""))
    return auth == f"Bearer {api.instance.machine_secret_key}"


def _revoke(api: FakeBackendAPI, call: Call, kind: str) -> httpx.Response:
    reason = call.body.get("revocation_reason")
    if reason is not None and not isinstance(reason, str):
        return _bad("revocation_reason", "a string")
    record = _by_id(api, kind, call.args[0])
    if record is None:
        return _not_found(_NAMES[kind])
    with api.instance._lock:
        record["revoked"] = True
        record["revocation_reason"] = reason
        record["updated_at"] = _now_ms(api)
    return httpx.Response(200, json=_shape(api, kind, record))


def _verify(api: FakeBackendAPI, call: Call, kind: str, field: str) -> httpx.Response:
    secret = call.body.get(field)
    if not isinstance(secret, str) or not secret:
        return _missing(field)
    record = api.instance._machine_record(kind, secret)
    if record is None:
        return _not_found(_NAMES[kind])
    shaped = _shape(api, kind, record)
    if shaped["revoked"] or shaped["expired"]:
        return _not_found(_NAMES[kind])
    return httpx.Response(200, json=shaped)


# ------------------------------------------------------------------------------ API keys
@route("POST", r"/v1/api_keys")
def _create_api_key(api: FakeBackendAPI, call: Call) -> httpx.Response:
    body = call.body
    for name in ("name", "subject"):
        if not body.get(name):
            return _missing(name)
        if not isinstance(body[name], str):
            return _bad(name, "a string")
    subject = body["subject"]
    if not subject.startswith(("user_", "org_")):
        return _bad("subject", "a user id (user_...) or an organization id (org_...)")
    scopes = body.get("scopes", [])
    if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
        return _bad("scopes", "a list of strings")
    for name in ("description", "created_by"):
        if body.get(name) is not None and not isinstance(body[name], str):
            return _bad(name, "a string")
    claims = _claims(body.get("claims"))
    lifetime = _lifetime(body.get("seconds_until_expiration"))
    if isinstance(claims, httpx.Response):
        return claims
    if isinstance(lifetime, httpx.Response):
        return lifetime
    now = _now_ms(api)
    secret = "ak_" + secrets.token_hex(16)
    record: dict[str, Any] = {
        "id": "ak_" + secrets.token_hex(12),
        "subject": subject,
        "name": body["name"],
        "scopes": list(scopes),
        "claims": claims,
        "description": body.get("description"),
        "created_by": body.get("created_by"),
        "revoked": False,
        "revocation_reason": None,
        "expired": False,
        "expiration": now + lifetime * 1000 if isinstance(lifetime, int) else None,
        "last_used_at": None,
        "created_at": now,
        "updated_at": now,
    }
    with api.instance._lock:
        api.instance._api_keys[secret] = record
    return httpx.Response(200, json={**_shape(api, "api_key", record), "secret": secret})


@route("GET", r"/v1/api_keys")
def _list_api_keys(api: FakeBackendAPI, call: Call) -> httpx.Response:
    subject = call.params.get("subject")
    if not subject:
        return _missing("subject")
    include_invalid = _flag(call, "include_invalid")
    with api.instance._lock:
        records = list(api.instance._api_keys.values())
    shaped = [_shape(api, "api_key", r) for r in records if r.get("subject") == subject]
    if not include_invalid:
        shaped = [r for r in shaped if not (r["revoked"] or r["expired"])]
    return _page(call, shaped)


@route("GET", r"/v1/api_keys/{id}")
def _get_api_key(api: FakeBackendAPI, call: Call) -> httpx.Response:
    record = _by_id(api, "api_key", call.args[0])
    if record is None:
        return _not_found("API key")
    return httpx.Response(200, json=_shape(api, "api_key", record))


@route("POST", r"/v1/api_keys/{id}/revoke")
def _revoke_api_key(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _revoke(api, call, "api_key")


@route("POST", r"/v1/api_keys/verify")
def _verify_api_key(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _verify(api, call, "api_key", "secret")


# ------------------------------------------------------------------------------ M2M tokens
@route("POST", r"/v1/m2m_tokens")
def _create_m2m_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    if not _machine_key(call, api):
        return _error(
            403, "authorization_invalid", "M2M tokens are created with a machine secret key."
        )
    body = call.body
    claims = _claims(body.get("claims"))
    lifetime = _lifetime(body.get("seconds_until_expiration"))
    if isinstance(claims, httpx.Response):
        return claims
    if isinstance(lifetime, httpx.Response):
        return lifetime
    token_format = body.get("token_format", "opaque")
    if token_format not in ("opaque", "jwt"):
        return _bad("token_format", "'opaque' or 'jwt'")
    instance = api.instance
    now = _now_ms(api)
    record: dict[str, Any] = {
        "id": "mt_" + secrets.token_hex(12),
        "subject": LOCAL_MACHINE_ID,
        "scopes": [],
        "claims": claims,
        "revoked": False,
        "revocation_reason": None,
        "expired": False,
        "expiration": now + lifetime * 1000 if isinstance(lifetime, int) else None,
        "created_at": now,
        "updated_at": now,
    }
    if token_format == "jwt":
        # A JWT is verified locally and is never stored (as Clerk's).
        issued = math.floor(now / 1000)
        payload = {
            **(claims or {}),
            "sub": LOCAL_MACHINE_ID,
            "iat": issued,
            "nbf": issued - 5,
            "exp": issued + (lifetime if isinstance(lifetime, int) else 3600),
            "jti": record["id"],
            "iss": instance.issuer,
        }
        record["expiration"] = payload["exp"] * 1000
        token = instance.sign(payload, headers={"cat": CAT_M2M})
    else:
        token = "mt_" + secrets.token_hex(16)
        with instance._lock:
            instance._m2m_tokens[token] = record
    return httpx.Response(200, json={**_shape(api, "m2m_token", record), "token": token})


@route("GET", r"/v1/m2m_tokens")
def _list_m2m_tokens(api: FakeBackendAPI, call: Call) -> httpx.Response:
    subject = call.params.get("subject")
    if not subject:
        return _missing("subject")
    with api.instance._lock:
        records = list(api.instance._m2m_tokens.values())
    shaped = [_shape(api, "m2m_token", r) for r in records if r.get("subject") == subject]
    revoked, expired = _flag(call, "revoked"), _flag(call, "expired")
    shaped = [r for r in shaped if (revoked or not r["revoked"]) and (expired or not r["expired"])]
    return _page(call, shaped)


@route("POST", r"/v1/m2m_tokens/{id}/revoke")
def _revoke_m2m_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _revoke(api, call, "m2m_token")


@route("POST", r"/v1/m2m_tokens/verify")
def _verify_m2m_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _verify(api, call, "m2m_token", "token")


# ------------------------------------------------------------------------------ OAuth tokens
@route("POST", r"/v1/oauth_applications/access_tokens/verify")
def _verify_oauth_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _verify(api, call, "oauth_token", "access_token")


# ------------------------------------------------------------------------------ testing tokens
@route("POST", r"/v1/testing_tokens")
def _create_testing_token(api: FakeBackendAPI, call: Call) -> httpx.Response:
    expires_at = int(api.instance.clock()) + 3600
    token = f"{expires_at}-" + secrets.token_urlsafe(24)
    with api.instance._lock:
        api.testing_tokens.append(token)
    return httpx.Response(
        200, json={"object": "testing_token", "token": token, "expires_at": expires_at}
    )
