"""The local Backend API's instance-wide groups: sessions (but their tokens and refresh, which
the engine needs and :mod:`.backend` serves), invitations, the allowlist and blocklist, and JWT
templates.

Clerk's shapes: these lists answer ``{"data": [...], "total_count": n}`` when asked with
``paginated=true`` (as Clerk's SDKs do), a bare list otherwise; the bulk invitation create
answers a bare list. Unknown ids are 404 ``resource_not_found``; bad input a 422 naming the
field (``meta.param_name``).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

import httpx

from ._fake_organizations import form_error, json_list, missing, now_ms, ordered, page
from .backend import Call, FakeBackendAPI, _email, _not_found, _public, route

__all__: list[str] = []

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[0-9]{6,15}")
_WALLET = re.compile(r"0x[0-9a-fA-F]{40}")
_DOMAIN = re.compile(r"(?:\*@)?([a-z0-9-]+\.)+[a-z]{2,}", re.IGNORECASE)


def _listing(call: Call, items: list[dict[str, Any]], view: Any = dict) -> httpx.Response:
    """A page with its total when ``paginated=true``; the bare page otherwise (as Clerk)."""
    response = page(call, items, view)
    if response.status_code != 200 or call.params.get("paginated") == "true":
        return response
    return httpx.Response(200, json=response.json()["data"])


# ---------------------------------------------------------------------- sessions
@route("GET", r"/v1/sessions")
def list_sessions(api: FakeBackendAPI, call: Call) -> httpx.Response:
    params = call.params
    found = list(api.sessions.values())
    for field in ("user_id", "client_id", "status"):
        if params.get(field):
            found = [s for s in found if s.get(field) == params[field]]
    found = ordered(found, "-created_at", lambda s, f: s.get(f) or 0)
    return _listing(call, found, _public)


@route("GET", r"/v1/sessions/{id}")
def get_session(api: FakeBackendAPI, call: Call) -> httpx.Response:
    session = api.sessions.get(call.args[0])
    return _not_found("session") if session is None else httpx.Response(200, json=_public(session))


@route("POST", r"/v1/sessions")
def create_session(api: FakeBackendAPI, call: Call) -> httpx.Response:
    user_id = call.body.get("user_id")
    if not isinstance(user_id, str) or not user_id:
        return missing("user_id")
    if user_id not in api.users:
        return _not_found("user")
    session = api.add_session("sess_" + secrets.token_hex(12), user_id)
    return httpx.Response(200, json=_public(session))


@route("POST", r"/v1/sessions/{id}/revoke")
def revoke_session(api: FakeBackendAPI, call: Call) -> httpx.Response:
    session = api.sessions.get(call.args[0])
    if session is None:
        return _not_found("session")
    session["status"] = "revoked"
    session["updated_at"] = now_ms(api)
    return httpx.Response(200, json=_public(session))


# ---------------------------------------------------------------------- invitations
def _invitation_error(api: FakeBackendAPI, item: Any) -> httpx.Response | None:
    if not isinstance(item, dict):
        return form_error(422, "form_param_format_invalid", "Each invitation must be an object.")
    address = item.get("email_address")
    if not isinstance(address, str) or not address:
        return missing("email_address")
    if not _EMAIL.fullmatch(address):
        return form_error(
            422,
            "form_param_format_invalid",
            "email_address must be a valid email address.",
            "email_address",
        )
    if "public_metadata" in item and not isinstance(item["public_metadata"], dict):
        return form_error(
            422,
            "form_param_format_invalid",
            "public_metadata must be an object.",
            "public_metadata",
        )
    days = item.get("expires_in_days")
    if days is not None and (
        not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365
    ):
        return form_error(
            422,
            "form_param_value_invalid",
            "expires_in_days must be between 1 and 365.",
            "expires_in_days",
        )
    if item.get("ignore_existing") is True:
        return None
    lowered = address.lower()
    if any((_email(u) or "").lower() == lowered for u in api.users.values()):
        return form_error(
            422,
            "form_identifier_exists",
            f"{address} is already taken by a user.",
            "email_address",
        )
    if any(
        i["email_address"].lower() == lowered and i["status"] == "pending"
        for i in api.invitations.values()
    ):
        return form_error(
            422,
            "duplicate_record",
            f"There is already a pending invitation for {address}.",
            "email_address",
        )
    return None


def _new_invitation(api: FakeBackendAPI, item: dict[str, Any]) -> dict[str, Any]:
    now = now_ms(api)
    invitation_id = "inv_" + secrets.token_hex(12)
    invitation: dict[str, Any] = {
        "object": "invitation",
        "id": invitation_id,
        "email_address": item["email_address"],
        "public_metadata": item.get("public_metadata") or {},
        "revoked": False,
        "status": "pending",
        "created_at": now,
        "updated_at": now,
        "expires_at": now + int(item.get("expires_in_days") or 30) * 86_400_000,
    }
    if item.get("notify") is False:  # Clerk sends no e-mail: the app sends this link
        ticket = secrets.token_urlsafe(16)
        base = item.get("redirect_url") or f"https://{api.instance.frontend_api}/v1/tickets/accept"
        invitation["url"] = f"{base}?__clerk_ticket={ticket}"
    api.invitations[invitation_id] = invitation
    return invitation


@route("GET", r"/v1/invitations")
def list_invitations(api: FakeBackendAPI, call: Call) -> httpx.Response:
    params = call.params
    found = list(api.invitations.values())
    if params.get("status"):
        found = [i for i in found if i["status"] == params["status"]]
    if params.get("query"):
        q = params["query"].lower()
        found = [i for i in found if q in i["email_address"].lower()]
    found = ordered(found, params.get("order_by"), lambda i, f: i.get(f) or 0)
    return _listing(call, found)


@route("POST", r"/v1/invitations")
def create_invitation(api: FakeBackendAPI, call: Call) -> httpx.Response:
    error = _invitation_error(api, call.body)
    if error is not None:
        return error
    return httpx.Response(200, json=_new_invitation(api, call.body))


@route("POST", r"/v1/invitations/bulk")
def create_invitations(api: FakeBackendAPI, call: Call) -> httpx.Response:
    items = json_list(call)
    if not items:
        return form_error(
            422, "form_param_missing", "The body must be a non-empty array of invitations."
        )
    addresses = [i.get("email_address") for i in items if isinstance(i, dict)]
    if len(set(addresses)) != len(addresses):
        return form_error(
            422, "duplicate_record", "An address appears twice in the request.", "email_address"
        )
    for item in items:  # all or nothing
        error = _invitation_error(api, item)
        if error is not None:
            return error
    return httpx.Response(200, json=[_new_invitation(api, item) for item in items])


@route("POST", r"/v1/invitations/{id}/revoke")
def revoke_invitation(api: FakeBackendAPI, call: Call) -> httpx.Response:
    invitation = api.invitations.get(call.args[0])
    if invitation is None:
        return _not_found("invitation")
    if invitation["status"] != "pending":
        return form_error(
            400, "invitation_not_pending", f"The invitation is {invitation['status']}, not pending."
        )
    invitation.update(status="revoked", revoked=True, updated_at=now_ms(api))
    return httpx.Response(200, json=invitation)


# ---------------------------------------------------------------------- allowlist and blocklist
def _identifier_type(identifier: str) -> str | None:
    if _EMAIL.fullmatch(identifier) and not identifier.startswith("*@"):
        return "email_address"
    if _PHONE.fullmatch(identifier):
        return "phone_number"
    if _WALLET.fullmatch(identifier):
        return "web3_wallet"
    if _DOMAIN.fullmatch(identifier):
        return "domain"
    return None


def _create_identifier(
    api: FakeBackendAPI, call: Call, store: dict[str, dict[str, Any]], kind: str, prefix: str
) -> httpx.Response:
    identifier = call.body.get("identifier")
    if not isinstance(identifier, str) or not identifier:
        return missing("identifier")
    identifier_type = _identifier_type(identifier)
    if identifier_type is None:
        return form_error(
            422,
            "form_param_format_invalid",
            "identifier must be an email address, a phone number (+...), a domain or a web3 wallet.",
            "identifier",
        )
    if any(i["identifier"] == identifier for i in store.values()):
        return form_error(
            422, "duplicate_record", f"{identifier} is already in the {kind}.", "identifier"
        )
    now = now_ms(api)
    record: dict[str, Any] = {
        "object": f"{kind}_identifier",
        "id": prefix + secrets.token_hex(12),
        "identifier": identifier,
        "identifier_type": identifier_type,
        "instance_id": "ins_local",
        "created_at": now,
        "updated_at": now,
    }
    if (
        kind == "allowlist"
        and call.body.get("notify") is True
        and identifier_type == "email_address"
    ):
        invitation = _new_invitation(api, {"email_address": identifier})
        record["invitation_id"] = invitation["id"]
    store[record["id"]] = record
    return httpx.Response(200, json=record)


def _delete_identifier(call: Call, store: dict[str, dict[str, Any]], kind: str) -> httpx.Response:
    if store.pop(call.args[0], None) is None:
        return _not_found(f"{kind} identifier")
    return httpx.Response(
        200, json={"object": f"{kind}_identifier", "id": call.args[0], "deleted": True}
    )


@route("GET", r"/v1/allowlist_identifiers")
def list_allowlist(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _listing(call, list(api.allowlist_identifiers.values()))


@route("POST", r"/v1/allowlist_identifiers")
def create_allowlist(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _create_identifier(api, call, api.allowlist_identifiers, "allowlist", "alid_")


@route("DELETE", r"/v1/allowlist_identifiers/{id}")
def delete_allowlist(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _delete_identifier(call, api.allowlist_identifiers, "allowlist")


@route("GET", r"/v1/blocklist_identifiers")
def list_blocklist(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _listing(call, list(api.blocklist_identifiers.values()))


@route("POST", r"/v1/blocklist_identifiers")
def create_blocklist(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _create_identifier(api, call, api.blocklist_identifiers, "blocklist", "blid_")


@route("DELETE", r"/v1/blocklist_identifiers/{id}")
def delete_blocklist(api: FakeBackendAPI, call: Call) -> httpx.Response:
    return _delete_identifier(call, api.blocklist_identifiers, "blocklist")


# ---------------------------------------------------------------------- JWT templates
def template_id(name: str) -> str:
    """The id the local instance gives the template ``name`` (stable across runs)."""
    return "jtmp_" + hashlib.sha256(name.encode()).hexdigest()[:24]


def _template(name: str, claims: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "jwt_template",
        "id": template_id(name),
        "name": name,
        "claims": claims,
        "lifetime": 60,
        "allowed_clock_skew": 5,
        "custom_signing_key": False,
        "signing_algorithm": "RS256",
        "created_at": 0,
        "updated_at": 0,
    }


@route("GET", r"/v1/jwt_templates")
def list_jwt_templates(api: FakeBackendAPI, call: Call) -> httpx.Response:
    found = [_template(name, claims) for name, claims in sorted(api.jwt_templates.items())]
    return _listing(call, found)


@route("GET", r"/v1/jwt_templates/{id}")
def get_jwt_template(api: FakeBackendAPI, call: Call) -> httpx.Response:
    for name, claims in api.jwt_templates.items():
        if template_id(name) == call.args[0]:
            return httpx.Response(200, json=_template(name, claims))
    return _not_found("JWT template")
