"""Organizations, memberships and organization invitations through the Backend API client, sync
and async, against the local instance's fake Backend API (in memory and on loopback): Clerk's
shapes, pages, merge semantics, and its 404, 422, 403 and 429 answers."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_core.backend_api import ApiPolicy, AsyncBackendAPI, BackendAPI
from clerk_core.backend_api.endpoints import organization_invitations, organizations
from clerk_core.resources import Organization, OrganizationInvitation, OrganizationMembership
from clerk_core.testing import LocalClerkInstance
from tests.core._backend_runner import Runner, collect, requests_to, runner

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
WIRES = ["sync-transport", "async-transport", "sync-loopback", "async-loopback"]


@pytest.fixture
def instance() -> LocalClerkInstance:
    local = LocalClerkInstance()
    backend = local.backend
    backend.add_user("user_1", first_name="Ada", last_name="Lovelace", email="ada@x.test")
    backend.add_user("user_2", first_name="Alan", last_name="Turing", email="alan@x.test")
    backend.add_user("user_3", first_name="Grace", last_name="Hopper", email="grace@x.test")
    return local


@pytest.fixture(params=WIRES)
def api(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Runner]:
    yield from runner(request, instance)


@pytest.fixture(params=["sync-transport", "async-transport"])
def api2(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Runner]:
    """The error paths: sync and async, in memory."""
    yield from runner(request, instance)


def new_org(api: Runner, **fields: Any) -> Organization:
    fields.setdefault("name", "Acme Inc")
    org = api(lambda c: c.organizations.create(**fields))
    assert isinstance(org, Organization)
    return org


# ------------------------------------------------------------------------------ organizations
def test_create_get_update_delete(api: Runner) -> None:
    org = new_org(
        api,
        name="Acme Inc",
        slug="acme",
        max_allowed_memberships=5,
        public_metadata={"plan": "pro"},
        private_metadata={"crm": "42"},
    )
    assert org.id
    assert org.id.startswith("org_")
    assert (org.name, org.slug, org.max_allowed_memberships) == ("Acme Inc", "acme", 5)
    assert (org.public_metadata, org.private_metadata) == ({"plan": "pro"}, {"crm": "42"})
    assert org.raw["object"] == "organization"
    assert isinstance(org.created_at, int)
    assert org.has_image is False
    assert org.members_count is None  # only when asked for, as Clerk

    assert api(lambda c: c.organizations.get(org.id)).slug == "acme"
    assert api(lambda c: c.organizations.get("acme")).id == org.id  # by slug
    counted = api(lambda c: c.organizations.get("acme", include_members_count=True))
    assert (counted.members_count, counted.pending_invitations_count) == (0, 0)

    updated = api(
        lambda c: c.organizations.update(
            org.id, name="Acme Corp", slug="acme-corp", admin_delete_enabled=False
        )
    )
    assert (updated.name, updated.slug, updated.admin_delete_enabled) == (
        "Acme Corp",
        "acme-corp",
        False,
    )
    assert updated.public_metadata == {"plan": "pro"}  # fields not given are kept
    replaced = api(lambda c: c.organizations.update(org.id, public_metadata={"tier": 2}))
    assert replaced.public_metadata == {"tier": 2}  # update replaces metadata

    deleted = api(lambda c: c.organizations.delete(org.id))
    assert deleted == {"object": "organization", "id": org.id, "slug": "acme-corp", "deleted": True}
    error = api.error(lambda c: c.organizations.get(org.id))
    assert (error.status, error.code, error.clerk_trace_id) == (
        404,
        "resource_not_found",
        "trace_local",
    )


def test_the_slug_is_made_from_the_name_when_not_given(api: Runner) -> None:
    first = new_org(api, name="Big Co.")
    second = new_org(api, name="Big Co.")
    assert first.slug == "big-co"
    assert second.slug
    assert second.slug.startswith("big-co-")
    assert second.slug != first.slug


def test_update_metadata_merges_and_null_removes_a_key(api: Runner) -> None:
    org = new_org(api, public_metadata={"a": 1, "b": 2, "nested": {"x": 1, "y": 2}})
    merged = api(
        lambda c: c.organizations.update_metadata(
            org.id,
            public_metadata={"b": None, "c": 3, "nested": {"y": None, "z": 3}},
            private_metadata={"secret": "s"},
        )
    )
    assert merged.public_metadata == {"a": 1, "c": 3, "nested": {"x": 1, "z": 3}}
    assert merged.private_metadata == {"secret": "s"}
    again = api(lambda c: c.organizations.update_metadata(org.id, private_metadata={"k": 1}))
    assert again.public_metadata == merged.public_metadata  # an object not given is untouched
    assert again.private_metadata == {"secret": "s", "k": 1}


def test_list_filters_order_and_pages(api: Runner, instance: LocalClerkInstance) -> None:
    clock = [1_000.0]
    instance.clock = lambda: clock[0]
    made = []
    for name, creator in [
        ("Zeta", "user_1"),
        ("Alpha", "user_2"),
        ("Mid", None),
        ("Beta", "user_1"),
    ]:
        clock[0] += 1
        made.append(new_org(api, name=name, created_by=creator))
    page = api(lambda c: c.organizations.list())
    assert page.total_count == 4
    assert [o.name for o in page] == ["Beta", "Mid", "Alpha", "Zeta"]  # newest first by default
    assert [o.name for o in api(lambda c: c.organizations.list(order_by="name"))] == [
        "Alpha",
        "Beta",
        "Mid",
        "Zeta",
    ]
    assert next(o.name for o in api(lambda c: c.organizations.list(order_by="-name"))) == "Zeta"
    mine = api(lambda c: c.organizations.list(user_id="user_1", order_by="created_at"))
    assert [o.name for o in mine] == ["Zeta", "Beta"]
    assert [o.name for o in api(lambda c: c.organizations.list(user_id=["user_1", "user_2"]))] == [
        "Beta",
        "Alpha",
        "Zeta",
    ]
    assert [o.name for o in api(lambda c: c.organizations.list(query="alp"))] == ["Alpha"]
    by_id = api(lambda c: c.organizations.list(organization_id=[made[2].id, made[0].id]))
    assert {o.name for o in by_id} == {"Mid", "Zeta"}
    counted = api(
        lambda c: c.organizations.list(include_members_count=True, order_by="-members_count")
    )
    assert [(o.name, o.members_count) for o in counted][-1] == ("Mid", 0)
    assert all(o.members_count == 1 for o in list(counted)[:3])
    second = api(lambda c: c.organizations.list(order_by="name", limit=2, offset=2))
    assert ([o.name for o in second], second.total_count) == (["Mid", "Zeta"], 4)


def test_iterate_pages_through_every_organization(
    api: Runner, instance: LocalClerkInstance
) -> None:
    for n in range(23):
        instance.backend.add_organization(f"org_{n:02}", name=f"Org {n}", slug=f"org-{n}")
    before = requests_to(instance, "GET", "/v1/organizations")
    found = api(lambda c: collect(c.organizations.iterate(order_by="name", page_size=10)))
    assert len(found) == 23
    assert len({o.id for o in found}) == 23
    assert requests_to(instance, "GET", "/v1/organizations") - before == 3
    alias = api(lambda c: collect(c.organizations.iter(query="org 1", page_size=5)))
    assert sorted(o.name for o in alias) == sorted(f"Org {n}" for n in [1, *range(10, 20)])


def test_created_by_becomes_the_first_admin(api: Runner) -> None:
    org = new_org(api, created_by="user_1")
    assert org.created_by == "user_1"
    (membership,) = api(lambda c: c.organizations.memberships(org.id))
    assert (membership.user_id, membership.role) == ("user_1", "org:admin")
    assert "org:sys_memberships:manage" in membership.permissions
    assert api(lambda c: c.organizations.get(org.id, include_members_count=True)).members_count == 1


def test_organization_errors(api2: Runner) -> None:
    api = api2
    error = api.error(lambda c: c.organizations.create(name=""))
    assert (error.status, error.code, error.meta) == (
        422,
        "form_param_missing",
        {"param_name": "name"},
    )
    org = new_org(api, slug="taken")
    error = api.error(lambda c: c.organizations.create(name="Other", slug="taken"))
    assert (error.status, error.code, error.meta) == (
        422,
        "form_identifier_exists",
        {"param_name": "slug"},
    )
    error = api.error(lambda c: c.organizations.create(name="Other", slug="Not A Slug"))
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    other = new_org(api, name="Other", slug="other")
    error = api.error(lambda c: c.organizations.update(other.id, slug="taken"))
    assert (error.status, error.code) == (422, "form_identifier_exists")
    assert api(lambda c: c.organizations.update(org.id, slug="taken")).slug == "taken"  # its own
    error = api.error(lambda c: c.organizations.create(name="X", max_allowed_memberships=-1))
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    error = api.error(lambda c: c.organizations.create(name="X", created_by="user_nobody"))
    assert (error.status, error.code) == (404, "resource_not_found")
    for operation in [
        lambda c: c.organizations.get("org_missing"),
        lambda c: c.organizations.update("org_missing", name="x"),
        lambda c: c.organizations.update_metadata("org_missing", public_metadata={}),
        lambda c: c.organizations.delete("org_missing"),
        lambda c: c.organizations.update_logo("org_missing", file=PNG),
        lambda c: c.organizations.delete_logo("org_missing"),
        lambda c: c.organizations.memberships("org_missing"),
    ]:
        error = api.error(operation)
        assert (error.status, error.code) == (404, "resource_not_found")
    error = api.error(lambda c: c.organizations.list(limit=501))
    assert (error.status, error.code) == (422, "form_param_value_invalid")
    assert len(api(lambda c: c.organizations.list())) == 2  # no failed call created anything


def test_a_429_is_waited_out_and_the_create_runs_once(
    api2: Runner, instance: LocalClerkInstance
) -> None:
    instance.backend.fail_next(429, retry_after=0)
    org = new_org(api2, name="Once")
    assert requests_to(instance, "POST", "/v1/organizations") == 2  # the 429, then the create
    assert [o.id for o in api2(lambda c: c.organizations.list())] == [org.id]


def test_a_429_that_lasts_is_a_clerk_api_error(api2: Runner, instance: LocalClerkInstance) -> None:
    api2.policy = ApiPolicy(max_attempts=2)
    instance.backend.fail_next(429, times=2, retry_after=0)
    error = api2.error(lambda c: c.organizations.list())
    assert (error.status, error.code, error.retry_after) == (429, "too_many_requests", 0)
    instance.backend.fail_next(429, times=2, retry_after=0)
    error = api2.error(lambda c: c.organizations.create_membership("org_x", user_id="u", role="r"))
    assert error.status == 429


# ------------------------------------------------------------------------------ logo
def test_logo_upload_and_delete(api: Runner) -> None:
    org = new_org(api)
    digest = hashlib.sha256(PNG).hexdigest()[:16]
    with_logo = api(
        lambda c: c.organizations.update_logo(org.id, file=PNG, uploader_user_id="user_1")
    )
    assert with_logo.has_image is True
    assert with_logo.image_url == f"https://img.clerk.com/local/{org.id}/{digest}.png"
    from_file = api(
        lambda c: c.organizations.update_logo(
            org.id, file=io.BytesIO(b"GIF89a" + b"\x00" * 8), filename="logo.gif"
        )
    )
    assert from_file.image_url
    assert from_file.image_url.endswith(".gif")
    assert api(lambda c: c.organizations.get(org.id)).image_url == from_file.image_url
    removed = api(lambda c: c.organizations.delete_logo(org.id))
    assert removed.has_image is False
    assert removed.image_url != from_file.image_url


def test_logo_errors(api2: Runner) -> None:
    org = new_org(api2)
    error = api2.error(lambda c: c.organizations.update_logo(org.id, file=b"plain text"))
    assert (error.status, error.code, error.meta) == (
        422,
        "form_param_value_invalid",
        {"param_name": "file"},
    )
    error = api2.error(lambda c: c.organizations.update_logo(org.id, file=b""))
    assert (error.status, error.code) == (422, "form_param_missing")
    error = api2.error(
        lambda c: c.organizations.update_logo(org.id, file=PNG, uploader_user_id="user_nobody")
    )
    assert error.status == 404
    with pytest.raises(TypeError, match="binary"):
        api2(lambda c: c.organizations.update_logo(org.id, file=io.StringIO("text")))


def test_the_logo_is_a_multipart_put_with_clerks_field_names() -> None:
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) == 1:
            return httpx.Response(503)
        return httpx.Response(200, json={"object": "organization", "id": "org_1"})

    client = BackendAPI(
        "sk_test_" + "a" * 40,
        http_client=httpx.Client(transport=httpx.MockTransport(record)),
        policy=ApiPolicy(backoff_initial=0.001),
    )
    result = client.organizations.update_logo(
        "org_1", file=io.BytesIO(PNG), uploader_user_id="user_1"
    )
    assert result.id == "org_1"
    assert len(sent) == 2  # a PUT is repeated after a 5xx, with the same bytes
    for request in sent:
        assert (request.method, request.url.path) == ("PUT", "/v1/organizations/org_1/logo")
        kind = request.headers["content-type"]
        assert kind.startswith("multipart/form-data; boundary=")
        body = request.read()
        assert b'name="file"; filename="logo"' in body
        assert b"Content-Type: image/png" in body
        assert PNG in body
        assert b'name="uploader_user_id"\r\n\r\nuser_1' in body
        assert request.headers["authorization"].startswith("Bearer sk_test_")
    call = organizations.update_organization_logo("org_1", file=PNG)
    assert "PNG" not in repr(call)  # the bytes stay out of the repr
    with pytest.raises(ValueError, match="organization_id"):
        organizations.update_organization_logo("..", file=PNG)
    assert organizations.update_organization_logo("o", file=PNG, filename="a.jpg").files == {
        "file": ("a.jpg", PNG, "image/jpeg")
    }


# ------------------------------------------------------------------------------ memberships
SURFACES = ["organizations", "organization_memberships"]


def create_membership(surface: str, org_id: str | None, user_id: str, role: str) -> Any:
    if surface == "organizations":
        return lambda c: c.organizations.create_membership(org_id, user_id=user_id, role=role)
    return lambda c: c.organization_memberships.create(org_id, user_id=user_id, role=role)


@pytest.mark.parametrize("surface", SURFACES)
def test_membership_lifecycle(api: Runner, surface: str) -> None:
    org = new_org(api, created_by="user_1")
    membership = api(create_membership(surface, org.id, "user_2", "org:member"))
    assert isinstance(membership, OrganizationMembership)
    assert (membership.user_id, membership.role, membership.organization.id) == (
        "user_2",
        "org:member",
        org.id,
    )
    assert membership.public_user_data["identifier"] == "alan@x.test"
    assert membership.permissions == ["org:sys_memberships:read"]
    assert membership.organization.members_count == 2
    count = api(lambda c: c.organizations.get(org.id, include_members_count=True)).members_count
    assert count == 2

    if surface == "organizations":
        listed = api(lambda c: c.organizations.memberships(org.id, role="org:member"))
        updated = api(
            lambda c: c.organizations.update_membership(org.id, "user_2", role="org:admin")
        )
        merged = api(
            lambda c: c.organizations.update_membership_metadata(
                org.id, "user_2", public_metadata={"title": "CTO", "x": 1}
            )
        )
        merged = api(
            lambda c: c.organizations.update_membership_metadata(
                org.id, "user_2", public_metadata={"x": None}, private_metadata={"note": "n"}
            )
        )
        removed = api(lambda c: c.organizations.delete_membership(org.id, "user_2"))
    else:
        listed = api(lambda c: c.organization_memberships.list(org.id, role="org:member"))
        updated = api(
            lambda c: c.organization_memberships.update(org.id, "user_2", role="org:admin")
        )
        merged = api(
            lambda c: c.organization_memberships.update_metadata(
                org.id, "user_2", public_metadata={"title": "CTO", "x": 1}
            )
        )
        merged = api(
            lambda c: c.organization_memberships.update_metadata(
                org.id, "user_2", public_metadata={"x": None}, private_metadata={"note": "n"}
            )
        )
        removed = api(lambda c: c.organization_memberships.delete(org.id, "user_2"))
    assert [m.user_id for m in listed] == ["user_2"]
    assert listed.total_count == 1
    assert updated.role == "org:admin"
    assert "org:sys_profile:manage" in updated.permissions
    assert (merged.public_metadata, merged.private_metadata) == ({"title": "CTO"}, {"note": "n"})
    assert removed.user_id == "user_2"
    assert [m.user_id for m in api(lambda c: c.organizations.memberships(org.id))] == ["user_1"]
    assert api(lambda c: c.organizations.get(org.id, include_members_count=True)).members_count == 1
    assert [o.id for o in api(lambda c: c.organizations.list(user_id="user_2"))] == []


def test_membership_list_filters(api: Runner, instance: LocalClerkInstance) -> None:
    clock = [1_000.0]
    instance.clock = lambda: clock[0]
    org = new_org(api, created_by="user_1")
    clock[0] += 1
    api(lambda c: c.organizations.create_membership(org.id, user_id="user_2", role="org:member"))
    clock[0] += 1
    api(lambda c: c.organizations.create_membership(org.id, user_id="user_3", role="org:member"))

    def ids(**filters: Any) -> list[str | None]:
        return [m.user_id for m in api(lambda c: c.organizations.memberships(org.id, **filters))]

    assert ids() == ["user_3", "user_2", "user_1"]
    assert ids(order_by="created_at") == ["user_1", "user_2", "user_3"]
    assert ids(order_by="first_name") == ["user_1", "user_2", "user_3"]  # Ada, Alan, Grace
    assert ids(user_id=["user_1", "user_3"]) == ["user_3", "user_1"]
    assert ids(role="org:admin") == ["user_1"]
    assert ids(email_address="grace@x.test") == ["user_3"]
    assert ids(query="turing") == ["user_2"]
    page = api(lambda c: c.organizations.memberships(org.id, limit=1, offset=1))
    assert ([m.user_id for m in page], page.total_count) == (["user_2"], 3)


@pytest.mark.parametrize("surface", SURFACES)
def test_membership_errors(api2: Runner, surface: str) -> None:
    api = api2
    org = new_org(api, created_by="user_1", max_allowed_memberships=2)
    error = api.error(create_membership(surface, org.id, "user_1", "org:member"))
    assert (error.status, error.code) == (422, "already_a_member_in_organization")
    error = api.error(create_membership(surface, org.id, "user_nobody", "org:member"))
    assert (error.status, error.code) == (404, "resource_not_found")
    error = api.error(create_membership(surface, "org_missing", "user_2", "org:member"))
    assert (error.status, error.code) == (404, "resource_not_found")
    error = api.error(create_membership(surface, org.id, "user_2", ""))
    assert (error.status, error.code, error.meta) == (
        422,
        "form_param_missing",
        {"param_name": "role"},
    )
    api(create_membership(surface, org.id, "user_2", "org:member"))
    error = api.error(create_membership(surface, org.id, "user_3", "org:member"))
    assert (error.status, error.code) == (403, "organization_membership_quota_exceeded")
    for operation in [
        lambda c: c.organizations.update_membership(org.id, "user_3", role="org:admin"),
        lambda c: c.organizations.update_membership_metadata(org.id, "user_3", public_metadata={}),
        lambda c: c.organizations.delete_membership(org.id, "user_3"),
        lambda c: c.organization_memberships.delete("org_missing", "user_1"),
    ]:
        error = api.error(operation)
        assert (error.status, error.code) == (404, "resource_not_found")
    assert api(lambda c: c.organizations.get(org.id, include_members_count=True)).members_count == 2


def test_deleting_an_organization_ends_its_memberships_and_invitations(
    api: Runner, instance: LocalClerkInstance
) -> None:
    org = new_org(api, created_by="user_1")
    api(
        lambda c: c.organization_invitations.create(
            org.id, email_address="new@x.test", role="org:member"
        )
    )
    api(lambda c: c.organizations.delete(org.id))
    assert instance.backend.memberships == []
    assert instance.backend.organization_invitations == {}
    assert api(lambda c: c.users.organization_memberships("user_1")).total_count == 0


# ------------------------------------------------------------------------------ invitations
def test_organization_invitations(api: Runner) -> None:
    org = new_org(api, created_by="user_1")
    invitation = api(
        lambda c: c.organization_invitations.create(
            org.id,
            email_address="new@x.test",
            role="org:member",
            inviter_user_id="user_1",
            redirect_url="https://app.example/join",
            expires_in_days=7,
            public_metadata={"team": "a"},
            private_metadata={"source": "crm"},
        )
    )
    assert isinstance(invitation, OrganizationInvitation)
    assert (invitation.email_address, invitation.role, invitation.status) == (
        "new@x.test",
        "org:member",
        "pending",
    )
    assert (invitation.organization_id, invitation.public_metadata) == (org.id, {"team": "a"})
    assert invitation.private_metadata == {"source": "crm"}
    assert invitation.expires_at == (invitation.created_at or 0) + 7 * 86_400_000
    assert api(lambda c: c.organization_invitations.get(org.id, invitation.id)).id == invitation.id

    bulk = api(
        lambda c: c.organization_invitations.bulk_create(
            org.id,
            invitations=[
                {"email_address": "b1@x.test", "role": "org:member"},
                {"email_address": "b2@x.test", "role": "org:admin", "public_metadata": {"k": 1}},
            ],
        )
    )
    assert [(i.email_address, i.role) for i in bulk] == [
        ("b1@x.test", "org:member"),
        ("b2@x.test", "org:admin"),
    ]
    assert bulk[1].public_metadata == {"k": 1}
    counted = api(lambda c: c.organizations.get(org.id, include_members_count=True))
    assert counted.pending_invitations_count == 3

    revoked = api(
        lambda c: c.organization_invitations.revoke(org.id, bulk[0].id, requesting_user_id="user_1")
    )
    assert revoked.status == "revoked"
    pending = api(lambda c: c.organization_invitations.list(org.id, status="pending"))
    assert (pending.total_count, {i.email_address for i in pending}) == (
        2,
        {"new@x.test", "b2@x.test"},
    )
    either = api(lambda c: c.organization_invitations.list(org.id, status=["pending", "revoked"]))
    assert either.total_count == 3
    paged = api(lambda c: c.organization_invitations.list(org.id, limit=2, offset=2))
    assert (len(paged), paged.total_count) == (1, 3)
    counted = api(lambda c: c.organizations.get(org.id, include_members_count=True))
    assert counted.pending_invitations_count == 2


def test_organization_invitation_errors(api2: Runner, instance: LocalClerkInstance) -> None:
    api = api2
    org = new_org(api, created_by="user_1")
    error = api.error(
        lambda c: c.organization_invitations.create(
            org.id, email_address="ada@x.test", role="org:member"
        )
    )
    assert (error.status, error.code) == (422, "already_a_member_in_organization")
    error = api.error(
        lambda c: c.organization_invitations.create(
            org.id, email_address="not-an-email", role="org:member"
        )
    )
    assert (error.status, error.code, error.meta) == (
        422,
        "form_param_format_invalid",
        {"param_name": "email_address"},
    )
    error = api.error(
        lambda c: c.organization_invitations.create(org.id, email_address="n@x.test", role="")
    )
    assert (error.status, error.code) == (422, "form_param_missing")
    error = api.error(
        lambda c: c.organization_invitations.bulk_create(
            org.id,
            invitations=[
                {"email_address": "ok@x.test", "role": "org:member"},
                {"email_address": "broken", "role": "org:member"},
            ],
        )
    )
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    assert api(lambda c: c.organization_invitations.list(org.id)).total_count == 0  # all or none
    invitation = api(
        lambda c: c.organization_invitations.create(
            org.id, email_address="n@x.test", role="org:member"
        )
    )
    api(lambda c: c.organization_invitations.revoke(org.id, invitation.id))
    error = api.error(lambda c: c.organization_invitations.revoke(org.id, invitation.id))
    assert (error.status, error.code) == (400, "organization_invitation_not_pending")
    other = new_org(api, name="Other")
    for operation in [
        lambda c: c.organization_invitations.get(other.id, invitation.id),  # another org's
        lambda c: c.organization_invitations.get(org.id, "orginv_missing"),
        lambda c: c.organization_invitations.revoke(org.id, "orginv_missing"),
        lambda c: c.organization_invitations.list("org_missing"),
        lambda c: c.organization_invitations.create(
            "org_missing", email_address="n@x.test", role="org:member"
        ),
    ]:
        error = api.error(operation)
        assert (error.status, error.code) == (404, "resource_not_found")
    instance.backend.fail_next(429, retry_after=0)
    assert api(lambda c: c.organization_invitations.list(org.id)).total_count == 1


def test_bulk_invitations_are_sent_as_a_json_array() -> None:
    call = organization_invitations.create_organization_invitations(
        "org_1", invitations=[{"email_address": "a@x.test", "role": "org:member"}]
    )
    assert (call.method, call.path) == ("POST", "/organizations/org_1/invitations/bulk")
    assert call.body == [{"email_address": "a@x.test", "role": "org:member"}]
    with pytest.raises(TypeError, match="sequence"):
        organization_invitations.create_organization_invitations(
            "org_1",
            invitations={"email_address": "a@x.test", "role": "r"},  # type: ignore[arg-type]
        )
    with pytest.raises(ValueError, match="invitation_id"):
        organization_invitations.revoke_organization_invitation("org_1", "../x")

    sent: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(200, json={"data": [], "total_count": 0})

    client = BackendAPI(
        "sk_test_" + "a" * 40, http_client=httpx.Client(transport=httpx.MockTransport(record))
    )
    client.organization_invitations.bulk_create(
        "org_1", invitations=[{"email_address": "a@x.test", "role": "org:member"}]
    )
    assert json.loads(sent[0]) == [{"email_address": "a@x.test", "role": "org:member"}]


# ------------------------------------------------------------------------------ the docs page
def test_the_organizations_page_examples_run() -> None:
    page = (Path(__file__).resolve().parents[2] / "docs" / "organizations.md").read_text("utf-8")
    example, async_example = re.findall(r"```python\n(.*?)```", page, re.DOTALL)
    namespace: dict[str, Any] = {}
    exec(compile(example, "docs/organizations.md", "exec"), namespace)  # noqa: S102
    instance: LocalClerkInstance = namespace["instance"]
    assert {o["slug"] for o in instance.backend.organizations.values()} == {"acme"}
    assert len(instance.backend.blocklist_identifiers) == 1

    namespace["AsyncBackendAPI"] = AsyncBackendAPI
    exec(compile(async_example, "docs/organizations.md", "exec"), namespace)  # noqa: S102
    acme_id = namespace["acme"].id

    async def run() -> Any:
        async with httpx.AsyncClient(transport=instance.transport()) as http:
            api = AsyncBackendAPI(instance.secret_key, api_url=instance.api_url, http_client=http)
            return await namespace["sync_members"](api, acme_id)

    assert sorted(asyncio.run(run())) == ["user_ada", "user_alan"]


# ------------------------------------------------------------------------------ robustness, shapes
def test_malformed_bodies_are_refused_with_a_422_never_a_crash(api2: Runner) -> None:
    org = new_org(api2, created_by="user_1")
    path = f"/organizations/{org.id}"
    for method, where, body in [
        ("POST", "/organizations", {"name": "X", "created_by": ["user_1"]}),
        ("POST", "/organizations", {"name": ["X"]}),
        ("POST", "/organizations", {"name": "X", "public_metadata": ["not", "an", "object"]}),
        ("POST", "/organizations", {"name": "X", "max_allowed_memberships": "ten"}),
        ("PATCH", path, {"admin_delete_enabled": "yes"}),
        ("PATCH", path, {"slug": 7}),
        ("PATCH", f"{path}/metadata", {"public_metadata": "text"}),
        ("POST", f"{path}/memberships", {"user_id": {"id": "user_2"}, "role": "org:member"}),
        ("PATCH", f"{path}/memberships/user_1", {"role": 1}),
        (
            "POST",
            f"{path}/invitations",
            {"email_address": "a@x.test", "role": "org:member", "inviter_user_id": [1]},
        ),
        (
            "POST",
            f"{path}/invitations",
            {"email_address": "a@x.test", "role": "r", "expires_in_days": True},
        ),
        ("POST", f"{path}/invitations/bulk", {"email_address": "a@x.test"}),
        ("POST", f"{path}/invitations/bulk", ["not an object"]),
    ]:

        def send(c: Any, m: str = method, w: str = where, b: Any = body) -> Any:
            return c.request(m, w, json=b)

        error = api2.error(send)
        assert error.status == 422, (method, where, body, error)
    assert api2(lambda c: c.organizations.get(org.id)).admin_delete_enabled is True


def properties(kind: type) -> set[str]:
    return {name for name, value in vars(kind).items() if isinstance(value, property)}


def test_the_fake_answers_every_field_the_typed_views_read(instance: LocalClerkInstance) -> None:
    """The fake and the client agree on shapes: each property of a typed result reads a field
    the fake's answer has (the names are Clerk's, from its JSON resources)."""
    api = BackendAPI(
        instance.secret_key,
        api_url=instance.api_url,
        http_client=httpx.Client(transport=instance.transport()),
    )
    org_id = api.organizations.create(name="Shapes", created_by="user_1").id
    assert org_id
    counted = api.organizations.get(org_id, include_members_count=True)
    (membership,) = api.organizations.memberships(org_id)
    invitation = api.organization_invitations.create(
        org_id, email_address="n@x.test", role="org:member"
    )
    for result, kind, derived in [
        (counted, Organization, set()),
        (membership, OrganizationMembership, {"user_id"}),  # read from public_user_data
        (invitation, OrganizationInvitation, set()),
    ]:
        assert isinstance(result, kind)
        missing = properties(kind) - derived - set(result.raw)
        assert not missing, (kind.__name__, missing)
        for name in properties(kind):
            getattr(result, name)  # every property reads the fake's value without raising
    assert membership.user_id == "user_1"
    assert isinstance(counted.members_count, int)
    assert counted.created_at == counted.raw["created_at"]


# ------------------------------------------------------------------------------ ids are segments
MY_NAMESPACES = [
    "organizations",
    "organization_memberships",
    "organization_invitations",
    "sessions",
    "invitations",
    "allowlist_identifiers",
    "blocklist_identifiers",
    "jwt_templates",
]
FILLERS: dict[str, Any] = {
    "name": "Acme",
    "user_id": "user_1",
    "role": "org:member",
    "email_address": "a@x.test",
    "file": PNG,
    "invitations": [{"email_address": "a@x.test", "role": "org:member"}],
    "identifier": "a@x.test",
}


BODY_FIELDS = {("invitations", "create"): "email_address", ("sessions", "create"): "user_id"}
"""Positional parameters that are body fields, not path ids."""


def invoke(method: Any, values: list[str], required: dict[str, Any]) -> None:
    result = method(*values, **required)
    if inspect.isasyncgen(result):
        asyncio.run(result.__anext__())
    elif inspect.isgenerator(result):
        next(result)
    elif inspect.iscoroutine(result):
        asyncio.run(result)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("hostile", ["..", "a/b", "x?y=1", "", "id\r\nx: 1"])
def test_every_id_of_these_namespaces_is_one_path_segment(mode: str, hostile: str) -> None:
    """Each positional parameter (an id) is checked before any request exists."""
    sent: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    transport = httpx.MockTransport(record)
    client: Any = (
        BackendAPI("sk_test_" + "a" * 40, http_client=httpx.Client(transport=transport))
        if mode == "sync"
        else AsyncBackendAPI(
            "sk_test_" + "a" * 40, http_client=httpx.AsyncClient(transport=transport)
        )
    )
    checked = 0
    for namespace in MY_NAMESPACES:
        for name in [n for n in dir(getattr(client, namespace)) if not n.startswith("_")]:
            method = getattr(getattr(client, namespace), name)
            parameters = inspect.signature(method).parameters.values()
            ids = [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY]
            required = {
                p.name: FILLERS[p.name]
                for p in parameters
                if p.kind is p.KEYWORD_ONLY and p.default is p.empty
            }
            for position, id_name in enumerate(ids):
                if BODY_FIELDS.get((namespace, name)) == id_name:
                    continue
                values = ["id_ok"] * len(ids)
                values[position] = hostile
                with pytest.raises(ValueError, match=id_name):
                    invoke(method, values, required)
                checked += 1
    assert checked >= 30
    assert sent == []
