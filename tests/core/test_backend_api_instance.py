"""Sessions, invitations, the allowlist and blocklist, and JWT templates through the Backend API
client, sync and async, against the local instance's fake Backend API (in memory and on
loopback): Clerk's shapes, pages, and its 404, 422, 400 and 429 answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from clerk_core.backend_api import ApiPolicy, BackendAPI
from clerk_core.backend_api.endpoints import invitations, sessions
from clerk_core.resources import (
    AllowlistIdentifier,
    BlocklistIdentifier,
    Invitation,
    JwtTemplate,
    Session,
)
from clerk_core.testing import LocalClerkInstance
from tests.core._backend_runner import Runner, requests_to, runner

WIRES = ["sync-transport", "async-transport", "sync-loopback", "async-loopback"]


@pytest.fixture
def instance() -> LocalClerkInstance:
    local = LocalClerkInstance()
    backend = local.backend
    backend.add_user("user_1", first_name="Ada", last_name="Lovelace", email="ada@x.test")
    backend.add_user("user_2", first_name="Alan", last_name="Turing", email="alan@x.test")
    backend.jwt_templates["supabase"] = {"role": "authenticated", "aud": "supabase"}
    backend.jwt_templates["hasura"] = {"aud": "hasura"}
    return local


@pytest.fixture(params=WIRES)
def api(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Runner]:
    yield from runner(request, instance)


@pytest.fixture(params=["sync-transport", "async-transport"])
def api2(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Iterator[Runner]:
    """The error paths: sync and async, in memory."""
    yield from runner(request, instance)


# ------------------------------------------------------------------------------ sessions
def test_sessions(api: Runner, instance: LocalClerkInstance) -> None:
    instance.session_token("user_1", session_id="sess_a", org_id="org_1", org_role="admin")
    instance.session_token("user_1", session_id="sess_b")
    instance.session_token("user_2", session_id="sess_c")
    session = api(lambda c: c.sessions.get("sess_a"))
    assert isinstance(session, Session)
    assert (session.user_id, session.status, session.last_active_organization_id) == (
        "user_1",
        "active",
        "org_1",
    )
    assert isinstance(session.expire_at, int)
    assert "_claims" not in session.raw  # the local instance's own fields stay inside

    mine = api(lambda c: c.sessions.list(user_id="user_1"))
    assert ({s.id for s in mine}, mine.total_count) == ({"sess_a", "sess_b"}, 2)
    client_id = session.client_id
    assert [s.id for s in api(lambda c: c.sessions.list(client_id=client_id))] == ["sess_a"]
    assert api(lambda c: c.sessions.revoke("sess_b")).status == "revoked"
    active = api(lambda c: c.sessions.list(user_id="user_1", status="active"))
    assert [s.id for s in active] == ["sess_a"]
    page = api(lambda c: c.sessions.list(limit=2, offset=2))
    assert (len(page), page.total_count) == (1, 3)

    created = api(lambda c: c.sessions.create("user_2"))
    assert (created.user_id, created.status) == ("user_2", "active")
    token = api(lambda c: c.sessions.create_token(created.id)).jwt
    assert instance.clerk(networkless=True).verify_token(token)["sid"] == created.id


def test_session_tokens_from_a_jwt_template(api: Runner, instance: LocalClerkInstance) -> None:
    instance.session_token("user_1", session_id="sess_1")
    templated = api(lambda c: c.sessions.create_token("sess_1", template="supabase")).jwt
    claims = jwt.decode(templated, options={"verify_signature": False})
    assert (claims["aud"], claims["role"], claims["sub"]) == ("supabase", "authenticated", "user_1")
    assert jwt.get_unverified_header(templated)["cat"] != jwt.get_unverified_header(
        instance.session_token("user_1", session_id="sess_1")
    ).get("cat")
    lived = api(lambda c: c.sessions.create_token("sess_1", expires_in_seconds=600)).jwt
    lived_claims = jwt.decode(lived, options={"verify_signature": False})
    assert lived_claims["exp"] - lived_claims["iat"] == 600


def test_session_errors(api2: Runner, instance: LocalClerkInstance) -> None:
    instance.session_token("user_1", session_id="sess_1")
    for operation in [
        lambda c: c.sessions.get("sess_missing"),
        lambda c: c.sessions.revoke("sess_missing"),
        lambda c: c.sessions.create_token("sess_missing"),
        lambda c: c.sessions.create_token("sess_1", template="no_such_template"),
        lambda c: c.sessions.create("user_nobody"),
    ]:
        error = api2.error(operation)
        assert (error.status, error.code) == (404, "resource_not_found")
    error = api2.error(lambda c: c.sessions.create(""))
    assert (error.status, error.code, error.meta) == (
        422,
        "form_param_missing",
        {"param_name": "user_id"},
    )
    error = api2.error(lambda c: c.sessions.list(limit=0))
    assert (error.status, error.code) == (422, "form_param_value_invalid")
    api2(lambda c: c.sessions.revoke("sess_1"))
    error = api2.error(lambda c: c.sessions.create_token("sess_1"))
    assert (error.status, error.code) == (400, "session_not_active")
    instance.backend.fail_next(429, retry_after=0)
    assert api2(lambda c: c.sessions.get("sess_1")).status == "revoked"


def test_the_session_list_asks_for_a_page_with_its_total() -> None:
    call = sessions.list_sessions(user_id="user_1", status="active", limit=5)
    assert list(call.params) == [
        ("user_id", "user_1"),
        ("status", "active"),
        ("limit", "5"),
        ("paginated", "true"),
    ]
    assert sessions.create_session("user_1").body == {"user_id": "user_1"}


# ------------------------------------------------------------------------------ invitations
def test_invitations(api: Runner) -> None:
    invitation = api(
        lambda c: c.invitations.create(
            "new@x.test",
            redirect_url="https://app.example/welcome",
            public_metadata={"plan": "pro"},
            notify=False,
            expires_in_days=3,
        )
    )
    assert isinstance(invitation, Invitation)
    assert (invitation.email_address, invitation.status, invitation.revoked) == (
        "new@x.test",
        "pending",
        False,
    )
    assert invitation.public_metadata == {"plan": "pro"}
    assert invitation.url
    assert invitation.url.startswith("https://app.example/welcome?__clerk_ticket=")
    assert invitation.expires_at == (invitation.created_at or 0) + 3 * 86_400_000
    assert api(lambda c: c.invitations.create("quiet@x.test")).url is None  # Clerk e-mails it

    bulk = api(
        lambda c: c.invitations.bulk_create(
            invitations=[
                {"email_address": "b1@x.test"},
                {"email_address": "b2@x.test", "public_metadata": {"k": 1}},
            ]
        )
    )
    assert [i.email_address for i in bulk] == ["b1@x.test", "b2@x.test"]
    assert bulk[1].public_metadata == {"k": 1}

    revoked = api(lambda c: c.invitations.revoke(bulk[0].id))
    assert (revoked.status, revoked.revoked) == ("revoked", True)
    pending = api(lambda c: c.invitations.list(status="pending"))
    assert pending.total_count == 3
    assert [i.email_address for i in api(lambda c: c.invitations.list(query="b1"))] == ["b1@x.test"]
    ordered = api(lambda c: c.invitations.list(order_by="email_address"))
    assert [i.email_address for i in ordered] == sorted(
        ["new@x.test", "quiet@x.test", "b1@x.test", "b2@x.test"]
    )
    page = api(lambda c: c.invitations.list(limit=3, offset=3))
    assert (len(page), page.total_count) == (1, 4)


def test_invitation_errors(api2: Runner, instance: LocalClerkInstance) -> None:
    api = api2
    error = api.error(lambda c: c.invitations.create("ada@x.test"))  # a user has it
    assert (error.status, error.code, error.meta) == (
        422,
        "form_identifier_exists",
        {"param_name": "email_address"},
    )
    assert api(lambda c: c.invitations.create("ada@x.test", ignore_existing=True)).id
    error = api.error(lambda c: c.invitations.create("ada@x.test"))
    assert error.code == "form_identifier_exists"
    api(lambda c: c.invitations.create("twice@x.test"))
    error = api.error(lambda c: c.invitations.create("twice@x.test"))
    assert (error.status, error.code) == (422, "duplicate_record")
    error = api.error(lambda c: c.invitations.create("not-an-email"))
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    error = api.error(lambda c: c.invitations.create("a@x.test", expires_in_days=0))
    assert (error.status, error.code) == (422, "form_param_value_invalid")
    before = api(lambda c: c.invitations.list()).total_count
    error = api.error(
        lambda c: c.invitations.bulk_create(
            invitations=[{"email_address": "fine@x.test"}, {"email_address": "broken"}]
        )
    )
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    error = api.error(
        lambda c: c.invitations.bulk_create(
            invitations=[{"email_address": "d@x.test"}, {"email_address": "d@x.test"}]
        )
    )
    assert (error.status, error.code) == (422, "duplicate_record")
    assert api(lambda c: c.invitations.list()).total_count == before  # all or none
    error = api.error(lambda c: c.invitations.revoke("inv_missing"))
    assert (error.status, error.code) == (404, "resource_not_found")
    pending = api(lambda c: c.invitations.create("r@x.test"))
    api(lambda c: c.invitations.revoke(pending.id))
    error = api.error(lambda c: c.invitations.revoke(pending.id))
    assert (error.status, error.code) == (400, "invitation_not_pending")

    instance.backend.fail_next(429, retry_after=0)
    created = api(lambda c: c.invitations.create("once@x.test"))
    assert requests_to(instance, "POST", "/v1/invitations") >= 2
    assert [i.id for i in api(lambda c: c.invitations.list(query="once"))] == [created.id]


def test_invitation_lists_ask_for_pages_and_bulk_sends_an_array() -> None:
    assert ("paginated", "true") in invitations.list_invitations(status="pending").params
    call = invitations.create_invitations(
        invitations=[{"email_address": "a@x.test", "notify": False}]
    )
    assert (call.method, call.path, call.body) == (
        "POST",
        "/invitations/bulk",
        [{"email_address": "a@x.test", "notify": False}],
    )
    sent: list[bytes] = []

    def record(request: httpx.Request) -> httpx.Response:
        sent.append(request.read())
        return httpx.Response(200, json=[{"object": "invitation", "id": "inv_1"}])

    client = BackendAPI(
        "sk_test_" + "a" * 40, http_client=httpx.Client(transport=httpx.MockTransport(record))
    )
    made = client.invitations.bulk_create(invitations=[{"email_address": "a@x.test"}])
    assert [i.id for i in made] == ["inv_1"]  # Clerk answers a bare list
    assert json.loads(sent[0]) == [{"email_address": "a@x.test"}]


# ------------------------------------------------------------------------------ allow/blocklist
@pytest.mark.parametrize(
    ("namespace", "kind", "prefix"),
    [
        ("allowlist_identifiers", AllowlistIdentifier, "alid_"),
        ("blocklist_identifiers", BlocklistIdentifier, "blid_"),
    ],
)
def test_allowlist_and_blocklist(
    api: Runner,
    namespace: str,
    kind: type[AllowlistIdentifier] | type[BlocklistIdentifier],
    prefix: str,
) -> None:
    made: dict[str, Any] = {}
    for identifier in ["someone@x.test", "+15555550100", "partner.example"]:
        made[identifier] = api(lambda c: getattr(c, namespace).create(identifier=identifier))  # noqa: B023
    for identifier, record in made.items():
        assert isinstance(record, kind)
        assert (record.id or "").startswith(prefix)
        assert record.identifier == identifier
    assert [r.identifier_type for r in made.values()] == [
        "email_address",
        "phone_number",
        "domain",
    ]
    listed = api(lambda c: getattr(c, namespace).list())
    assert (listed.total_count, {r.identifier for r in listed}) == (3, set(made))
    page = api(lambda c: getattr(c, namespace).list(limit=2, offset=2))
    assert (len(page), page.total_count) == (1, 3)
    gone = made["+15555550100"].id
    deleted = api(lambda c: getattr(c, namespace).delete(gone))
    assert (deleted["id"], deleted["deleted"]) == (gone, True)
    assert api(lambda c: getattr(c, namespace).list()).total_count == 2


def test_the_short_names_are_the_same_namespaces() -> None:
    client = BackendAPI("sk_test_" + "a" * 40)
    assert client.allowlist is client.allowlist_identifiers
    assert client.blocklist is client.blocklist_identifiers


def test_allowlist_notify_sends_an_invitation(api2: Runner) -> None:
    record = api2(
        lambda c: c.allowlist_identifiers.create(identifier="invitee@x.test", notify=True)
    )
    assert record.invitation_id
    (invitation,) = api2(lambda c: c.invitations.list())
    assert (invitation.id, invitation.email_address) == (record.invitation_id, "invitee@x.test")


@pytest.mark.parametrize("namespace", ["allowlist_identifiers", "blocklist_identifiers"])
def test_identifier_errors(api2: Runner, instance: LocalClerkInstance, namespace: str) -> None:
    api = api2
    api(lambda c: getattr(c, namespace).create(identifier="dup@x.test"))
    error = api.error(lambda c: getattr(c, namespace).create(identifier="dup@x.test"))
    assert (error.status, error.code, error.meta) == (
        422,
        "duplicate_record",
        {"param_name": "identifier"},
    )
    error = api.error(lambda c: getattr(c, namespace).create(identifier="no way"))
    assert (error.status, error.code) == (422, "form_param_format_invalid")
    error = api.error(lambda c: getattr(c, namespace).create(identifier=""))
    assert (error.status, error.code) == (422, "form_param_missing")
    error = api.error(lambda c: getattr(c, namespace).delete("alid_missing"))
    assert (error.status, error.code) == (404, "resource_not_found")
    api.policy = ApiPolicy(max_attempts=1)  # the 429 is not waited out here
    instance.backend.fail_next(429, retry_after=7)
    error = api.error(lambda c: getattr(c, namespace).list())
    assert (error.status, error.retry_after) == (429, 7)
    with pytest.raises(ValueError, match="identifier_id"):
        api(lambda c: getattr(c, namespace).delete("a/b"))


# ------------------------------------------------------------------------------ JWT templates
def test_jwt_templates(api: Runner) -> None:
    listed = api(lambda c: c.jwt_templates.list())
    assert [t.name for t in listed] == ["hasura", "supabase"]
    assert listed.total_count == 2
    template = api(lambda c: c.jwt_templates.get(listed[1].id))
    assert isinstance(template, JwtTemplate)
    assert (template.name, template.claims) == (
        "supabase",
        {"role": "authenticated", "aud": "supabase"},
    )
    assert (template.lifetime, template.signing_algorithm, template.custom_signing_key) == (
        60,
        "RS256",
        False,
    )
    page = api(lambda c: c.jwt_templates.list(limit=1, offset=1))
    assert ([t.name for t in page], page.total_count) == (["supabase"], 2)


def test_jwt_template_errors(api2: Runner, instance: LocalClerkInstance) -> None:
    error = api2.error(lambda c: c.jwt_templates.get("jtmp_missing"))
    assert (error.status, error.code) == (404, "resource_not_found")
    error = api2.error(lambda c: c.jwt_templates.get("supabase"))  # by id, not by name
    assert error.status == 404
    instance.backend.fail_next(429, retry_after=0)
    assert len(api2(lambda c: c.jwt_templates.list())) == 2


# ------------------------------------------------------------------------------ robustness, shapes
def test_malformed_bodies_are_refused_with_a_422_never_a_crash(api2: Runner) -> None:
    for method, where, body in [
        ("POST", "/sessions", {"user_id": ["user_1"]}),
        ("POST", "/invitations", {"email_address": 5}),
        ("POST", "/invitations", {"email_address": "a@x.test", "public_metadata": "x"}),
        ("POST", "/invitations", {"email_address": "a@x.test", "expires_in_days": "7"}),
        ("POST", "/invitations/bulk", {"email_address": "a@x.test"}),
        ("POST", "/invitations/bulk", [["a@x.test"]]),
        ("POST", "/allowlist_identifiers", {"identifier": ["a@x.test"]}),
        ("POST", "/blocklist_identifiers", {}),
    ]:

        def send(c: Any, m: str = method, w: str = where, b: Any = body) -> Any:
            return c.request(m, w, json=b)

        error = api2.error(send)
        assert error.status == 422, (method, where, body, error)


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
    session = api.sessions.create("user_1")
    invitation = api.invitations.create("n@x.test", notify=False)
    allowed = api.allowlist_identifiers.create(identifier="m@x.test", notify=True)
    blocked = api.blocklist_identifiers.create(identifier="spam.example")
    template = api.jwt_templates.list()[0]
    for result, kind in [
        (session, Session),
        (invitation, Invitation),
        (allowed, AllowlistIdentifier),
        (blocked, BlocklistIdentifier),
        (template, JwtTemplate),
    ]:
        assert isinstance(result, kind)
        missing = properties(kind) - set(result.raw)
        assert not missing, (kind.__name__, missing)
        for name in properties(kind):
            getattr(result, name)
