"""The Backend API package's shape: the sync client is the generated twin of the async one, the
namespaces are typed (keyword-only parameters named as Clerk's fields, no ``**kwargs``), and every
filter reaches the wire as Clerk spells it."""

from __future__ import annotations

import asyncio
import inspect
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import clerk_core.backend_api as backend_api
from clerk_core.backend_api import AsyncBackendAPI, BackendAPI, Endpoints, _gen
from clerk_core.backend_api.endpoints import (
    allowlist_identifiers,
    blocklist_identifiers,
    email_addresses,
    invitations,
    jwt_templates,
    organization_invitations,
    organizations,
    phone_numbers,
    sessions,
    users,
)

SECRET = "sk_test_" + "a" * 40
NAMESPACES = (
    "users",
    "organizations",
    "organization_memberships",
    "organization_invitations",
    "sessions",
    "invitations",
    "allowlist_identifiers",
    "blocklist_identifiers",
    "jwt_templates",
    "email_addresses",
    "phone_numbers",
)


# ------------------------------------------------------------------------------ the generated twin
@pytest.mark.parametrize(("source", "twin"), _gen.twins(), ids=lambda p: p.name)
def test_the_checked_in_sync_twin_is_what_the_generator_makes(source: Path, twin: Path) -> None:
    wanted = _gen.generate(source.read_text(encoding="utf-8"), source.name)
    assert twin.read_text(encoding="utf-8") == wanted, (
        f"{twin.name} is out of date with {source.name}: run python clerk_core/backend_api/_gen.py"
    )


def test_there_are_twins_to_check() -> None:
    assert {twin.name for _, twin in _gen.twins()} >= {
        "_client_sync.py",
        "_instance_sync.py",
        "_machine_sync.py",
        "_organizations_sync.py",
        "_users_sync.py",
    }


def test_the_check_command_finds_a_stale_twin(tmp_path: Path) -> None:
    for source, twin in _gen.twins():
        shutil.copy(source, tmp_path / source.name)
        shutil.copy(twin, tmp_path / twin.name)
    assert _gen.stale(tmp_path) == []
    edited = tmp_path / "_users_sync.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# hand edit\n", encoding="utf-8")
    assert _gen.stale(tmp_path) == [edited]
    (tmp_path / "_client_sync.py").unlink()
    assert _gen.stale(tmp_path) == [tmp_path / "_client_sync.py", edited]


def test_the_rewrite() -> None:
    source = '''"""The async thing.

More about the source.
"""
from ._resources_async import _AsyncUsers
from . import _pools


class AsyncBackendAPI:
    """The async client."""

    def __init__(self, http: httpx.AsyncClient, sleep: _pools.AsyncSleep = _pools.ASYNC_SLEEP):
        self.users = _AsyncUsers(self)

    async def run(self) -> None:
        async with self._pool.get().stream() as response:
            body = await aread_capped(response, 10)
        async for item in things():
            await self._sleep(1)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def __aenter__(self) -> AsyncBackendAPI:
        return self
'''
    twin = _gen.generate(source, "_thing_async.py")
    assert twin.startswith('"""The sync thing.\n\nGenerated from ``_thing_async.py`` by ')
    assert "More about the source" not in twin
    for expected in [
        "from ._resources_sync import _Users",
        "class BackendAPI:",
        '"""The sync client."""',
        "http: httpx.Client, sleep: _pools.Sleep = _pools.SLEEP",
        "self.users = _Users(self)",
        "    def run(self) -> None:",
        "with self._pool.get().stream() as response:",
        "body = read_capped(response, 10)",
        "for item in things():",
        "self._sleep(1)",
        "def close(self) -> None:",
        "self._pool.close()",
        "def __enter__(self) -> BackendAPI:",
    ]:
        assert expected in twin
    code = twin[twin.index('"""', 3) + 3 :]
    assert "async" not in code.lower()
    assert "await" not in code


def test_a_source_without_its_docstring_is_refused() -> None:
    with pytest.raises(ValueError, match="docstring"):
        _gen.generate("import x\n", "_x_async.py")


# ------------------------------------------------------------------------------ typed namespaces
def public_methods(obj: object) -> dict[str, Callable[..., Any]]:
    return {
        name: getattr(obj, name)
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name))
    }


def test_sync_and_async_have_the_same_typed_methods() -> None:
    sync, aio = BackendAPI(SECRET), AsyncBackendAPI(SECRET)
    pairs = [(sync, aio)] + [(getattr(sync, n), getattr(aio, n)) for n in NAMESPACES]
    for sync_obj, async_obj in pairs:
        sync_methods, async_methods = public_methods(sync_obj), public_methods(async_obj)
        assert ("close" in sync_methods) == ("aclose" in async_methods)
        sync_methods.pop("close", None)
        async_methods.pop("aclose", None)
        assert sync_methods.keys() == async_methods.keys()
        for name, method in sync_methods.items():
            if name in ("headers", "request_kwargs", "decide", "begin", "too_large", "clock"):
                continue
            sync_sig, async_sig = inspect.signature(method), inspect.signature(async_methods[name])
            assert sync_sig.parameters == async_sig.parameters, name
            if inspect.isasyncgenfunction(async_methods[name]):  # an iterator over pages
                assert async_sig.return_annotation == "Async" + sync_sig.return_annotation, name
                assert inspect.isgeneratorfunction(method), name
                continue
            assert sync_sig.return_annotation == async_sig.return_annotation, name
            assert inspect.iscoroutinefunction(async_methods[name]), name
            assert not inspect.iscoroutinefunction(method), name


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_namespace_methods_take_explicit_typed_keywords(mode: str) -> None:
    api = BackendAPI(SECRET) if mode == "sync" else AsyncBackendAPI(SECRET)
    for namespace in NAMESPACES:
        for name, method in public_methods(getattr(api, namespace)).items():
            parameters = list(inspect.signature(method).parameters.values())
            for parameter in parameters:
                where = f"{namespace}.{name}({parameter.name})"
                assert parameter.kind not in (
                    inspect.Parameter.VAR_KEYWORD,
                    inspect.Parameter.VAR_POSITIONAL,
                ), where
                assert parameter.annotation is not inspect.Parameter.empty, where
                assert parameter.annotation != "Any", where
            # Only the ids are positional; everything else is keyword-only.
            positional = [p.name for p in parameters if p.kind is not p.KEYWORD_ONLY]
            assert all(p.endswith(("_id", "_slug", "email_address")) for p in positional), (
                namespace,
                name,
                positional,
            )


# Each namespace method and the endpoint it passes its parameters to: the same parameters.
PASSES_TO = [
    ("users", "get", users.get_user),
    ("users", "list", users.list_users),
    ("users", "update_metadata", users.update_user_metadata),
    ("users", "delete", users.delete_user),
    ("users", "organization_memberships", users.user_memberships),
    ("users", "count", users.count_users),
    ("users", "create", users.create_user),
    ("users", "update", users.update_user),
    ("users", "replace_metadata", users.replace_user_metadata),
    ("users", "ban", users.ban_user),
    ("users", "unban", users.unban_user),
    ("users", "lock", users.lock_user),
    ("users", "unlock", users.unlock_user),
    ("users", "verify_password", users.verify_password),
    ("email_addresses", "get", email_addresses.get_email_address),
    ("email_addresses", "create", email_addresses.create_email_address),
    ("email_addresses", "update", email_addresses.update_email_address),
    ("email_addresses", "delete", email_addresses.delete_email_address),
    ("phone_numbers", "get", phone_numbers.get_phone_number),
    ("phone_numbers", "create", phone_numbers.create_phone_number),
    ("phone_numbers", "update", phone_numbers.update_phone_number),
    ("phone_numbers", "delete", phone_numbers.delete_phone_number),
    ("organizations", "get", organizations.get_organization),
    ("organizations", "list", organizations.list_organizations),
    ("organizations", "memberships", organizations.organization_memberships),
    ("sessions", "get", sessions.get_session),
    ("sessions", "revoke", sessions.revoke_session),
    ("sessions", "create_token", sessions.create_session_token),
    ("invitations", "create", invitations.create_invitation),
    ("invitations", "revoke", invitations.revoke_invitation),
    ("organizations", "create", organizations.create_organization),
    ("organizations", "update", organizations.update_organization),
    ("organizations", "update_metadata", organizations.update_organization_metadata),
    ("organizations", "delete", organizations.delete_organization),
    ("organizations", "update_logo", organizations.update_organization_logo),
    ("organizations", "delete_logo", organizations.delete_organization_logo),
    ("organizations", "create_membership", organizations.create_organization_membership),
    ("organizations", "update_membership", organizations.update_organization_membership),
    (
        "organizations",
        "update_membership_metadata",
        organizations.update_organization_membership_metadata,
    ),
    ("organizations", "delete_membership", organizations.delete_organization_membership),
    ("organization_memberships", "list", organizations.organization_memberships),
    ("organization_memberships", "create", organizations.create_organization_membership),
    ("organization_memberships", "update", organizations.update_organization_membership),
    (
        "organization_memberships",
        "update_metadata",
        organizations.update_organization_membership_metadata,
    ),
    ("organization_memberships", "delete", organizations.delete_organization_membership),
    (
        "organization_invitations",
        "list",
        organization_invitations.list_organization_invitations,
    ),
    ("organization_invitations", "get", organization_invitations.get_organization_invitation),
    (
        "organization_invitations",
        "create",
        organization_invitations.create_organization_invitation,
    ),
    (
        "organization_invitations",
        "bulk_create",
        organization_invitations.create_organization_invitations,
    ),
    (
        "organization_invitations",
        "revoke",
        organization_invitations.revoke_organization_invitation,
    ),
    ("sessions", "list", sessions.list_sessions),
    ("sessions", "create", sessions.create_session),
    ("invitations", "list", invitations.list_invitations),
    ("invitations", "bulk_create", invitations.create_invitations),
    ("allowlist_identifiers", "list", allowlist_identifiers.list_allowlist_identifiers),
    ("allowlist_identifiers", "create", allowlist_identifiers.create_allowlist_identifier),
    ("allowlist_identifiers", "delete", allowlist_identifiers.delete_allowlist_identifier),
    ("blocklist_identifiers", "list", blocklist_identifiers.list_blocklist_identifiers),
    ("blocklist_identifiers", "create", blocklist_identifiers.create_blocklist_identifier),
    ("blocklist_identifiers", "delete", blocklist_identifiers.delete_blocklist_identifier),
    ("jwt_templates", "list", jwt_templates.list_jwt_templates),
    ("jwt_templates", "get", jwt_templates.get_jwt_template),
]

# Each iterator over pages and the listing it pages: its filters, with page_size for limit/offset.
PAGES = [
    ("users", "iterate", users.list_users),
    ("users", "iter", users.list_users),
    ("organizations", "iterate", organizations.list_organizations),
    ("organizations", "iter", organizations.list_organizations),
]


@pytest.mark.parametrize(("namespace", "name", "endpoint"), PASSES_TO)
def test_each_method_offers_every_parameter_of_its_endpoint(
    namespace: str, name: str, endpoint: Callable[..., Any]
) -> None:
    method = getattr(getattr(AsyncBackendAPI(SECRET), namespace), name)
    offered = inspect.signature(method).parameters
    wanted = inspect.signature(endpoint).parameters
    assert list(offered) == list(wanted)
    assert [p.kind for p in offered.values()] == [p.kind for p in wanted.values()]


@pytest.mark.parametrize(("namespace", "name", "endpoint"), PAGES)
def test_each_iterator_offers_every_filter_of_its_listing(
    namespace: str, name: str, endpoint: Callable[..., Any]
) -> None:
    method = getattr(getattr(AsyncBackendAPI(SECRET), namespace), name)
    offered = list(inspect.signature(method).parameters)
    wanted = [p for p in inspect.signature(endpoint).parameters if p not in ("limit", "offset")]
    assert offered == [*wanted, "page_size"]
    params = inspect.signature(method).parameters
    assert all(p.kind is p.KEYWORD_ONLY for p in params.values())


def test_every_namespace_method_is_covered_above() -> None:
    covered = {(namespace, name) for namespace, name, _ in PASSES_TO + PAGES}
    api = BackendAPI(SECRET)
    assert covered == {(n, m) for n in NAMESPACES for m in public_methods(getattr(api, n))}


# ------------------------------------------------------------------------------ on the wire
class Recorder:
    def __init__(self, answer: Any = None) -> None:
        self.answer = answer if answer is not None else {"data": [], "total_count": 0}
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(200, json=self.answer)


def call(mode: str, operation: Callable[[Any], Any], answer: Any = None) -> httpx.Request:
    recorder = Recorder(answer)
    if mode == "sync":
        with httpx.Client(transport=httpx.MockTransport(recorder)) as http:
            operation(BackendAPI(SECRET, http_client=http))
    else:

        async def go() -> None:
            async with httpx.AsyncClient(transport=httpx.MockTransport(recorder)) as http:
                await operation(AsyncBackendAPI(SECRET, http_client=http))

        asyncio.run(go())
    (request,) = recorder.sent
    return request


modes = pytest.mark.parametrize("mode", ["sync", "async"])


@modes
def test_every_user_filter_reaches_the_query(mode: str) -> None:
    sent = call(
        mode,
        lambda c: c.users.list(
            email_address=["a@x.test", "b@x.test"],
            phone_number="+15555550100",
            external_id=["ext_1"],
            username=["ada"],
            web3_wallet=["0xabc"],
            user_id=["user_1", "-user_2"],
            organization_id=["org_1"],
            query="ada",
            email_address_query="x.test",
            phone_number_query="555",
            username_query="ad",
            name_query="love",
            banned=False,
            last_active_at_before=1_700_000_000_000,
            last_active_at_after=1_600_000_000_000,
            last_active_at_since=1_650_000_000_000,
            created_at_before=1_700_000_000_001,
            created_at_after=1_600_000_000_001,
            last_sign_in_at_before=1_700_000_000_002,
            last_sign_in_at_after=1_600_000_000_002,
            provider="oauth_google",
            provider_user_id=["123"],
            order_by="-created_at",
            limit=50,
            offset=100,
        ),
    )
    assert (sent.method, sent.url.path) == ("GET", "/v1/users")
    assert sent.url.params.multi_items() == [
        ("email_address", "a@x.test"),
        ("email_address", "b@x.test"),
        ("phone_number", "+15555550100"),
        ("external_id", "ext_1"),
        ("username", "ada"),
        ("web3_wallet", "0xabc"),
        ("user_id", "user_1"),
        ("user_id", "-user_2"),
        ("organization_id", "org_1"),
        ("query", "ada"),
        ("email_address_query", "x.test"),
        ("phone_number_query", "555"),
        ("username_query", "ad"),
        ("name_query", "love"),
        ("banned", "false"),
        ("last_active_at_before", "1700000000000"),
        ("last_active_at_after", "1600000000000"),
        ("last_active_at_since", "1650000000000"),
        ("created_at_before", "1700000000001"),
        ("created_at_after", "1600000000001"),
        ("last_sign_in_at_before", "1700000000002"),
        ("last_sign_in_at_after", "1600000000002"),
        ("provider", "oauth_google"),
        ("provider_user_id", "123"),
        ("order_by", "-created_at"),
        ("limit", "50"),
        ("offset", "100"),
    ]


@modes
def test_unset_filters_are_left_out(mode: str) -> None:
    assert call(mode, lambda c: c.users.list()).url.params.multi_items() == []
    assert call(mode, lambda c: c.users.list(email_address=[])).url.params.multi_items() == []


@modes
def test_an_unknown_filter_is_a_type_error_before_any_request(mode: str) -> None:
    recorder = Recorder()
    api: Any = (
        BackendAPI(SECRET, http_client=httpx.Client(transport=httpx.MockTransport(recorder)))
        if mode == "sync"
        else AsyncBackendAPI(SECRET)
    )
    with pytest.raises(TypeError, match="emailaddress"):
        api.users.list(emailaddress=["a@x.test"])
    assert recorder.sent == []


@modes
def test_organization_and_membership_filters(mode: str) -> None:
    sent = call(
        mode,
        lambda c: c.organizations.list(
            query="acme",
            organization_id=["org_1", "org_2"],
            include_members_count=True,
            include_missing_member_with_elevated_permissions=False,
            order_by="-members_count",
            limit=5,
            offset=10,
        ),
    )
    assert sent.url.params.multi_items() == [
        ("query", "acme"),
        ("organization_id", "org_1"),
        ("organization_id", "org_2"),
        ("include_members_count", "true"),
        ("include_missing_member_with_elevated_permissions", "false"),
        ("order_by", "-members_count"),
        ("limit", "5"),
        ("offset", "10"),
    ]
    sent = call(
        mode,
        lambda c: c.organizations.get("acme", include_members_count=True),
        answer={"object": "organization", "id": "org_1"},
    )
    assert (sent.url.path, sent.url.params.multi_items()) == (
        "/v1/organizations/acme",
        [("include_members_count", "true")],
    )
    sent = call(
        mode,
        lambda c: c.organizations.memberships(
            "org_1", role=["org:admin"], user_id="user_1", query="ada", order_by="-created_at"
        ),
    )
    assert (sent.url.path, sent.url.params.multi_items()) == (
        "/v1/organizations/org_1/memberships",
        [
            ("user_id", "user_1"),
            ("role", "org:admin"),
            ("query", "ada"),
            ("order_by", "-created_at"),
        ],
    )
    sent = call(mode, lambda c: c.users.organization_memberships("user_1", limit=3, offset=6))
    assert sent.url.params.multi_items() == [("limit", "3"), ("offset", "6")]


@modes
def test_invitation_fields_reach_the_body(mode: str) -> None:
    sent = call(
        mode,
        lambda c: c.invitations.create(
            "new@x.test",
            redirect_url="https://app.example/welcome",
            public_metadata={"team": 1},
            notify=False,
            ignore_existing=True,
            expires_in_days=7,
            template_slug="waitlist_invitation",
        ),
        answer={"object": "invitation", "id": "inv_1"},
    )
    assert (sent.method, sent.url.path) == ("POST", "/v1/invitations")
    assert json.loads(sent.content) == {
        "email_address": "new@x.test",
        "redirect_url": "https://app.example/welcome",
        "public_metadata": {"team": 1},
        "notify": False,
        "ignore_existing": True,
        "expires_in_days": 7,
        "template_slug": "waitlist_invitation",
    }
    sent = call(mode, lambda c: c.invitations.create("a@x.test"), answer={"object": "invitation"})
    assert json.loads(sent.content) == {"email_address": "a@x.test"}


# ------------------------------------------------------------------------------ names kept
def test_the_names_importable_before_the_split_still_are() -> None:
    for name in ("ApiPolicy", "AsyncBackendAPI", "BackendAPI", "Call", "ClerkList"):
        assert name in backend_api.__all__
    for name in ("Endpoints", "path_segment", "RawResult"):
        assert hasattr(backend_api, name)
    assert Endpoints.get_user("user 1").path == "/users/user%201"
    assert Endpoints.list_users(limit=2).params == [("limit", "2")]
    assert Endpoints.get_jwks().path == "/jwks"
