"""The local Backend API's organizations, their memberships and their invitations.

Clerk's shapes and answers: lists are ``{"data": [...], "total_count": n}`` pages (``limit``
10 by default, at most 500, and ``offset``); an unknown organization, user, membership or
invitation is a 404 ``resource_not_found``; a missing ``name`` is a 422 ``form_param_missing``, a
taken slug a 422 ``form_identifier_exists``, a second membership of a user a 422
``already_a_member_in_organization``, one over ``max_allowed_memberships`` a 403
``organization_membership_quota_exceeded``. ``members_count`` and ``pending_invitations_count``
are shown when asked for (``include_members_count=true``), counted from the stores.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import httpx

from .backend import (
    DEFAULT_ORGANIZATION_IMAGE,
    Call,
    FakeBackendAPI,
    _email,
    _not_found,
    route,
)

__all__ = ["form_error", "json_list", "merge_metadata", "missing", "now_ms", "ordered", "page"]

_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9_-]*[a-z0-9])?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ADMIN_PERMISSIONS = [
    "org:sys_profile:manage",
    "org:sys_profile:delete",
    "org:sys_memberships:read",
    "org:sys_memberships:manage",
    "org:sys_domains:read",
    "org:sys_domains:manage",
]
_MEMBER_PERMISSIONS = ["org:sys_memberships:read"]


# ---------------------------------------------------------------------- shared helpers
def form_error(status: int, code: str, message: str, param: str | None = None) -> httpx.Response:
    """Clerk's error body, with ``meta.param_name`` for a form error."""
    error: dict[str, Any] = {"code": code, "message": message, "long_message": message}
    if param is not None:
        error["meta"] = {"param_name": param}
    return httpx.Response(status, json={"errors": [error], "clerk_trace_id": "trace_local"})


def missing(param: str) -> httpx.Response:
    return form_error(422, "form_param_missing", f"{param} is missing.", param)


def now_ms(api: FakeBackendAPI) -> int:
    return int(api.instance.clock() * 1000)


def merge_metadata(stored: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Clerk's metadata merge: nested objects merge, a key set to ``null`` is removed."""
    merged = dict(stored)
    for key, value in update.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_metadata(merged[key], value)
        else:
            merged[key] = value
    return merged


def page(
    call: Call, items: list[dict[str, Any]], view: Callable[[dict[str, Any]], Any] = dict
) -> httpx.Response:
    """One page of ``items``: ``limit`` (1 to 500, default 10) from ``offset``, with the total."""
    params = call.params
    try:
        limit = int(params.get("limit", "10"))
        offset = int(params.get("offset", "0"))
    except ValueError:
        return form_error(
            422, "form_param_format_invalid", "limit and offset must be integers.", "limit"
        )
    if not 1 <= limit <= 500 or offset < 0:
        return form_error(
            422,
            "form_param_value_invalid",
            "limit must be between 1 and 500 and offset not negative.",
            "limit",
        )
    chosen = [view(item) for item in items[offset : offset + limit]]
    return httpx.Response(200, json={"data": chosen, "total_count": len(items)})


def ordered(
    items: list[dict[str, Any]], order_by: str | None, key: Callable[[dict[str, Any], str], Any]
) -> list[dict[str, Any]]:
    """``order_by`` as Clerk reads it: a field, ``-`` first for descending (``+`` ascending)."""
    spec = order_by or "-created_at"
    descending = spec.startswith("-")
    field = spec.lstrip("+-")
    return sorted(items, key=lambda item: key(item, field), reverse=descending)


def _json_object(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


# ---------------------------------------------------------------------- views and lookups
def organization_view(api: FakeBackendAPI, org: Mapping[str, Any], counts: bool) -> dict[str, Any]:
    """An organization as the API shows it; the counts only when asked for."""
    view = {k: v for k, v in org.items() if not k.startswith("_")}
    if counts:
        view["members_count"] = _members(api, org["id"]).__len__()
        view["pending_invitations_count"] = sum(
            1
            for i in api.organization_invitations.values()
            if i["organization_id"] == org["id"] and i["status"] == "pending"
        )
    else:
        view.pop("members_count", None)
        view.pop("pending_invitations_count", None)
    return view


def membership_view(api: FakeBackendAPI, membership: Mapping[str, Any]) -> dict[str, Any]:
    return {**membership, "organization": organization_view(api, membership["organization"], True)}


def _organization(api: FakeBackendAPI, id_or_slug: str) -> dict[str, Any] | None:
    return api.organizations.get(id_or_slug) or next(
        (o for o in api.organizations.values() if o["slug"] == id_or_slug), None
    )


def _members(api: FakeBackendAPI, org_id: str) -> list[dict[str, Any]]:
    return [m for m in api.memberships if m["organization"]["id"] == org_id]


def _membership(api: FakeBackendAPI, org_id: str, user_id: str) -> dict[str, Any] | None:
    return next(
        (m for m in _members(api, org_id) if m["public_user_data"]["user_id"] == user_id), None
    )


def _recount(api: FakeBackendAPI, org: dict[str, Any]) -> None:
    org["members_count"] = len(_members(api, org["id"]))
    org["pending_invitations_count"] = sum(
        1
        for i in api.organization_invitations.values()
        if i["organization_id"] == org["id"] and i["status"] == "pending"
    )


def _flag(call: Call, name: str) -> bool:
    return bool(call.params.get(name) == "true")


def _slug_taken(api: FakeBackendAPI, slug: str, but: str | None = None) -> bool:
    return any(o["slug"] == slug and o["id"] != but for o in api.organizations.values())


def _slug_error(api: FakeBackendAPI, slug: Any, but: str | None = None) -> httpx.Response | None:
    if not isinstance(slug, str) or not _SLUG.fullmatch(slug):
        return form_error(
            422,
            "form_param_format_invalid",
            "slug must contain only lowercase letters, digits, '-' and '_'.",
            "slug",
        )
    if _slug_taken(api, slug, but):
        return form_error(
            422, "form_identifier_exists", "That slug is taken. Please try another.", "slug"
        )
    return None


def _slugify(api: FakeBackendAPI, name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "organization"
    slug = base
    while _slug_taken(api, slug):
        slug = f"{base}-{secrets.token_hex(2)}"
    return slug


def _limit_error(value: Any) -> httpx.Response | None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        return form_error(
            422,
            "form_param_format_invalid",
            "max_allowed_memberships must be a non-negative integer (0: no limit).",
            "max_allowed_memberships",
        )
    return None


def _metadata_error(body: Mapping[str, Any], *names: str) -> httpx.Response | None:
    for name in names:
        if name in body and not isinstance(body[name], dict):
            return form_error(422, "form_param_format_invalid", f"{name} must be an object.", name)
    return None


# ---------------------------------------------------------------------- organizations
@route("GET", r"/v1/organizations")
def list_organizations(api: FakeBackendAPI, call: Call) -> httpx.Response:
    params = call.params
    orgs = list(api.organizations.values())
    if params.get_list("organization_id"):
        wanted = set(params.get_list("organization_id"))
        orgs = [o for o in orgs if o["id"] in wanted]
    if params.get_list("user_id"):
        users = set(params.get_list("user_id"))
        member_of = {
            m["organization"]["id"]
            for m in api.memberships
            if m["public_user_data"]["user_id"] in users
        }
        orgs = [o for o in orgs if o["id"] in member_of]
    if params.get("query"):
        q = params["query"].lower()
        orgs = [o for o in orgs if q in o["id"].lower() or q in o["name"].lower() or q in o["slug"]]

    def key(org: dict[str, Any], field: str) -> Any:
        if field == "members_count":
            return len(_members(api, org["id"]))
        if field == "name":
            return org["name"].lower()
        return org.get("created_at", 0)

    orgs = ordered(orgs, params.get("order_by"), key)
    counts = _flag(call, "include_members_count")
    return page(call, orgs, lambda o: organization_view(api, o, counts))


@route("GET", r"/v1/organizations/{id}")
def get_organization(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    return httpx.Response(
        200, json=organization_view(api, org, _flag(call, "include_members_count"))
    )


@route("POST", r"/v1/organizations")
def create_organization(api: FakeBackendAPI, call: Call) -> httpx.Response:
    body = _json_object(call)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        return missing("name")
    error = _metadata_error(body, "public_metadata", "private_metadata")
    if error is not None:
        return error
    if body.get("slug") is not None:
        error = _slug_error(api, body["slug"])
        if error is not None:
            return error
        slug = body["slug"]
    else:
        slug = _slugify(api, name)
    limit = body.get("max_allowed_memberships", 0)
    error = _limit_error(limit)
    if error is not None:
        return error
    creator = body.get("created_by")
    if creator is not None and not isinstance(creator, str):
        return form_error(
            422, "form_param_format_invalid", "created_by must be a user id.", "created_by"
        )
    if creator is not None and creator not in api.users:
        return _not_found("user")
    org = api.add_organization(
        "org_" + secrets.token_hex(12),
        name=name.strip(),
        slug=slug,
        max_allowed_memberships=limit,
        public_metadata=body.get("public_metadata") or {},
        private_metadata=body.get("private_metadata") or {},
        created_by=creator or "",
    )
    if creator is not None:
        api.add_membership(creator, org["id"], role="org:admin", permissions=_ADMIN_PERMISSIONS)
    return httpx.Response(200, json=organization_view(api, org, False))


@route("PATCH", r"/v1/organizations/{id}")
def update_organization(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    body = _json_object(call)
    if "name" in body and (not isinstance(body["name"], str) or not body["name"].strip()):
        return form_error(422, "form_param_value_invalid", "name must not be empty.", "name")
    if "slug" in body:
        error = _slug_error(api, body["slug"], but=org["id"])
        if error is not None:
            return error
    if "max_allowed_memberships" in body:
        error = _limit_error(body["max_allowed_memberships"])
        if error is not None:
            return error
    if "admin_delete_enabled" in body and not isinstance(body["admin_delete_enabled"], bool):
        return form_error(
            422,
            "form_param_format_invalid",
            "admin_delete_enabled must be a boolean.",
            "admin_delete_enabled",
        )
    error = _metadata_error(body, "public_metadata", "private_metadata")
    if error is not None:
        return error
    for field in (
        "name",
        "slug",
        "max_allowed_memberships",
        "admin_delete_enabled",
        "public_metadata",
        "private_metadata",
    ):
        if field in body:
            org[field] = body[field]
    org["updated_at"] = now_ms(api)
    return httpx.Response(200, json=organization_view(api, org, False))


@route("PATCH", r"/v1/organizations/{id}/metadata")
def merge_organization_metadata(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    body = _json_object(call)
    error = _metadata_error(body, "public_metadata", "private_metadata")
    if error is not None:
        return error
    for field in ("public_metadata", "private_metadata"):
        if field in body:
            org[field] = merge_metadata(org.get(field) or {}, body[field])
    org["updated_at"] = now_ms(api)
    return httpx.Response(200, json=organization_view(api, org, False))


@route("DELETE", r"/v1/organizations/{id}")
def delete_organization(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    del api.organizations[org["id"]]
    api.memberships[:] = [m for m in api.memberships if m["organization"]["id"] != org["id"]]
    for key in [
        k for k, i in api.organization_invitations.items() if i["organization_id"] == org["id"]
    ]:
        del api.organization_invitations[key]
    return httpx.Response(
        200, json={"object": "organization", "id": org["id"], "slug": org["slug"], "deleted": True}
    )


def _multipart(request: httpx.Request) -> dict[str, tuple[str | None, bytes, str]]:
    """The parts of a ``multipart/form-data`` body: name -> (file name, bytes, content type)."""
    kind = request.headers.get("content-type", "")
    if not kind.startswith("multipart/form-data"):
        return {}
    message = email.message_from_bytes(
        b"Content-Type: " + kind.encode() + b"\r\n\r\n" + request.content,
        policy=email.policy.HTTP,
    )
    parts: dict[str, tuple[str | None, bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        content = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(content, bytes):
            parts[name] = (part.get_filename(), content, part.get_content_type())
    return parts


@route("PUT", r"/v1/organizations/{id}/logo")
def update_organization_logo(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    parts = _multipart(call.request)
    if "file" not in parts or not parts["file"][1]:
        return missing("file")
    _, content, kind = parts["file"]
    if not kind.startswith("image/"):
        return form_error(422, "form_param_value_invalid", "The logo must be an image.", "file")
    uploader = parts.get("uploader_user_id")
    if uploader is not None and uploader[1].decode(errors="replace") not in api.users:
        return _not_found("user")
    digest = hashlib.sha256(content).hexdigest()[:16]
    org["image_url"] = f"https://img.clerk.com/local/{org['id']}/{digest}.{kind.split('/')[1]}"
    org["has_image"] = True
    org["updated_at"] = now_ms(api)
    return httpx.Response(200, json=organization_view(api, org, False))


@route("DELETE", r"/v1/organizations/{id}/logo")
def delete_organization_logo(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    org["image_url"] = DEFAULT_ORGANIZATION_IMAGE
    org["has_image"] = False
    org["updated_at"] = now_ms(api)
    return httpx.Response(200, json=organization_view(api, org, False))


# ---------------------------------------------------------------------- memberships
def _matches_any(value: Any, wanted: Iterable[str]) -> bool:
    return isinstance(value, str) and value in set(wanted)


@route("GET", r"/v1/organizations/{id}/memberships")
def list_memberships(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    params = call.params
    found = _members(api, org["id"])
    if params.get_list("user_id"):
        found = [
            m
            for m in found
            if _matches_any(m["public_user_data"]["user_id"], params.get_list("user_id"))
        ]
    if params.get_list("role"):
        found = [m for m in found if m["role"] in set(params.get_list("role"))]
    if params.get_list("email_address"):
        wanted = set(params.get_list("email_address"))
        found = [
            m
            for m in found
            if _email(api.users.get(m["public_user_data"]["user_id"], {})) in wanted
        ]
    if params.get_list("username"):
        found = [
            m
            for m in found
            if _matches_any(m["public_user_data"].get("username"), params.get_list("username"))
        ]
    if params.get("query"):
        q = params["query"].lower()
        found = [
            m
            for m in found
            if any(
                q in str(m["public_user_data"].get(field) or "").lower()
                for field in ("user_id", "first_name", "last_name", "identifier", "username")
            )
        ]

    def key(membership: dict[str, Any], field: str) -> Any:
        if field == "created_at":
            return membership.get("created_at", 0)
        return str(membership["public_user_data"].get(field) or "").lower()

    found = ordered(found, params.get("order_by"), key)
    return page(call, found, lambda m: membership_view(api, m))


@route("POST", r"/v1/organizations/{id}/memberships")
def create_membership(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    body = _json_object(call)
    user_id, role = body.get("user_id"), body.get("role")
    if not isinstance(user_id, str) or not user_id:
        return missing("user_id")
    if not isinstance(role, str) or not role:
        return missing("role")
    if user_id not in api.users:
        return _not_found("user")
    if _membership(api, org["id"], user_id) is not None:
        return form_error(
            422,
            "already_a_member_in_organization",
            "The user is already a member of this organization.",
            "user_id",
        )
    limit = org.get("max_allowed_memberships") or 0
    if limit and len(_members(api, org["id"])) >= limit:
        return form_error(
            403,
            "organization_membership_quota_exceeded",
            f"The organization has reached its limit of {limit} members.",
        )
    permissions = _ADMIN_PERMISSIONS if role == "org:admin" else _MEMBER_PERMISSIONS
    membership = api.add_membership(user_id, org["id"], role=role, permissions=permissions)
    return httpx.Response(200, json=membership_view(api, membership))


def _find_membership(
    api: FakeBackendAPI, call: Call
) -> tuple[dict[str, Any] | None, httpx.Response | None]:
    org = _organization(api, call.args[0])
    if org is None:
        return None, _not_found("organization")
    membership = _membership(api, org["id"], call.args[1])
    if membership is None:
        return None, _not_found("organization membership")
    return membership, None


@route("PATCH", r"/v1/organizations/{id}/memberships/{id}")
def update_membership(api: FakeBackendAPI, call: Call) -> httpx.Response:
    membership, error = _find_membership(api, call)
    if membership is None:
        return error or _not_found("organization membership")
    role = _json_object(call).get("role")
    if not isinstance(role, str) or not role:
        return missing("role")
    membership["role"] = role
    membership["role_name"] = role.removeprefix("org:").replace("_", " ").title()
    membership["permissions"] = list(
        _ADMIN_PERMISSIONS if role == "org:admin" else _MEMBER_PERMISSIONS
    )
    membership["updated_at"] = now_ms(api)
    return httpx.Response(200, json=membership_view(api, membership))


@route("PATCH", r"/v1/organizations/{id}/memberships/{id}/metadata")
def merge_membership_metadata(api: FakeBackendAPI, call: Call) -> httpx.Response:
    membership, error = _find_membership(api, call)
    if membership is None:
        return error or _not_found("organization membership")
    body = _json_object(call)
    error = _metadata_error(body, "public_metadata", "private_metadata")
    if error is not None:
        return error
    for field in ("public_metadata", "private_metadata"):
        if field in body:
            membership[field] = merge_metadata(membership.get(field) or {}, body[field])
    membership["updated_at"] = now_ms(api)
    return httpx.Response(200, json=membership_view(api, membership))


@route("DELETE", r"/v1/organizations/{id}/memberships/{id}")
def delete_membership(api: FakeBackendAPI, call: Call) -> httpx.Response:
    membership, error = _find_membership(api, call)
    if membership is None:
        return error or _not_found("organization membership")
    api.memberships.remove(membership)
    _recount(api, membership["organization"])
    return httpx.Response(200, json=membership_view(api, membership))


# ---------------------------------------------------------------------- invitations
def _invitation_error(
    api: FakeBackendAPI, org: Mapping[str, Any], item: Any
) -> httpx.Response | None:
    if not isinstance(item, dict):
        return form_error(422, "form_param_format_invalid", "Each invitation must be an object.")
    address, role = item.get("email_address"), item.get("role")
    if not isinstance(address, str) or not address:
        return missing("email_address")
    if not _EMAIL.fullmatch(address):
        return form_error(
            422,
            "form_param_format_invalid",
            "email_address must be a valid email address.",
            "email_address",
        )
    if not isinstance(role, str) or not role:
        return missing("role")
    inviter = item.get("inviter_user_id")
    if inviter is not None and not isinstance(inviter, str):
        return form_error(
            422,
            "form_param_format_invalid",
            "inviter_user_id must be a user id.",
            "inviter_user_id",
        )
    if inviter is not None and inviter not in api.users:
        return _not_found("user")
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
    members = {
        _email(api.users.get(m["public_user_data"]["user_id"], {}))
        for m in _members(api, org["id"])
    }
    if address.lower() in {m.lower() for m in members if m}:
        return form_error(
            422,
            "already_a_member_in_organization",
            f"{address} is already a member of this organization.",
            "email_address",
        )
    return _metadata_error(item, "public_metadata", "private_metadata")


def _new_invitation(
    api: FakeBackendAPI, org: dict[str, Any], item: Mapping[str, Any]
) -> dict[str, Any]:
    now = now_ms(api)
    role = item["role"]
    invitation = {
        "object": "organization_invitation",
        "id": "orginv_" + secrets.token_hex(12),
        "email_address": item["email_address"],
        "role": role,
        "role_name": role.removeprefix("org:").replace("_", " ").title(),
        "organization_id": org["id"],
        "public_organization_data": {
            "id": org["id"],
            "name": org["name"],
            "slug": org["slug"],
            "image_url": org.get("image_url"),
            "has_image": bool(org.get("has_image")),
        },
        "status": "pending",
        "public_metadata": item.get("public_metadata") or {},
        "private_metadata": item.get("private_metadata") or {},
        "url": None,
        "created_at": now,
        "updated_at": now,
        "expires_at": now + int(item.get("expires_in_days") or 30) * 86_400_000,
    }
    api.organization_invitations[invitation["id"]] = invitation
    _recount(api, org)
    return invitation


@route("GET", r"/v1/organizations/{id}/invitations")
def list_organization_invitations(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    found = [i for i in api.organization_invitations.values() if i["organization_id"] == org["id"]]
    if call.params.get_list("status"):
        found = [i for i in found if i["status"] in set(call.params.get_list("status"))]
    found = ordered(found, call.params.get("order_by"), lambda i, f: i.get(f) or 0)
    return page(call, found)


@route("POST", r"/v1/organizations/{id}/invitations")
def create_organization_invitation(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    body = _json_object(call)
    error = _invitation_error(api, org, body)
    if error is not None:
        return error
    return httpx.Response(200, json=_new_invitation(api, org, body))


@route("POST", r"/v1/organizations/{id}/invitations/bulk")
def create_organization_invitations(api: FakeBackendAPI, call: Call) -> httpx.Response:
    org = _organization(api, call.args[0])
    if org is None:
        return _not_found("organization")
    items = json_list(call)
    if not items:
        return form_error(
            422, "form_param_missing", "The body must be a non-empty array of invitations."
        )
    for item in items:  # all or nothing
        error = _invitation_error(api, org, item)
        if error is not None:
            return error
    created = [_new_invitation(api, org, item) for item in items]
    return httpx.Response(200, json={"data": created, "total_count": len(created)})


def json_list(call: Call) -> list[Any]:
    """The JSON array a bulk endpoint reads (``call.body`` holds objects only)."""
    try:
        data = json.loads(call.request.content or b"null")
    except ValueError:
        return []
    return data if isinstance(data, list) else []


def _find_invitation(
    api: FakeBackendAPI, call: Call
) -> tuple[dict[str, Any] | None, httpx.Response | None]:
    org = _organization(api, call.args[0])
    if org is None:
        return None, _not_found("organization")
    invitation = api.organization_invitations.get(call.args[1])
    if invitation is None or invitation["organization_id"] != org["id"]:
        return None, _not_found("organization invitation")
    return invitation, None


@route("GET", r"/v1/organizations/{id}/invitations/{id}")
def get_organization_invitation(api: FakeBackendAPI, call: Call) -> httpx.Response:
    invitation, error = _find_invitation(api, call)
    if invitation is None:
        return error or _not_found("organization invitation")
    return httpx.Response(200, json=invitation)


@route("POST", r"/v1/organizations/{id}/invitations/{id}/revoke")
def revoke_organization_invitation(api: FakeBackendAPI, call: Call) -> httpx.Response:
    invitation, error = _find_invitation(api, call)
    if invitation is None:
        return error or _not_found("organization invitation")
    if invitation["status"] != "pending":
        return form_error(
            400,
            "organization_invitation_not_pending",
            f"The invitation is {invitation['status']}, not pending.",
        )
    invitation["status"] = "revoked"
    invitation["updated_at"] = now_ms(api)
    org = api.organizations.get(invitation["organization_id"])
    if org is not None:
        _recount(api, org)
    return httpx.Response(200, json=invitation)
