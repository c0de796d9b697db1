"""Data export and deletion of one user (``clerk_core.privacy``) against the local Backend API,
sync and async, in memory and on loopback."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import re
import stat
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from clerk_core import ClerkAPIError
from clerk_core.backend_api import AsyncBackendAPI, BackendAPI
from clerk_core.privacy import (
    Deletion,
    LocalCleanupError,
    adelete_user,
    aexport_user,
    ask_confirmation,
    build_export,
    delete_user,
    deletion_summary,
    dump_export,
    export_summary,
    export_user,
    failure_summary,
    write_private_file,
)
from clerk_core.resources import User
from clerk_core.testing import LocalClerkInstance
from clerk_core.users import MemoryUserCache
from tests.conftest import FakeClock
from tests.core.test_backend_api import Waits

USER = "user_alice"
SECRET_NOTE = "private-note-7f3a"  # a private metadata value that must never reach a log


def populate(instance: LocalClerkInstance) -> None:
    """A user with 2 email addresses, a phone number, an external account, a web3 wallet,
    metadata of all three kinds, 2 organization memberships and 3 sessions; and a neighbour whose
    data must stay out of the export."""
    backend = instance.backend
    backend.add_user(
        USER,
        first_name="Alice",
        last_name="Liddell",
        email="alice@example.test",
        email_addresses=[
            {"id": "idn_a1", "object": "email_address", "email_address": "alice@example.test"},
            {"id": "idn_a2", "object": "email_address", "email_address": "al@work.example.test"},
        ],
        primary_email_address_id="idn_a1",
        phone_numbers=[{"id": "idn_p1", "object": "phone_number", "phone_number": "+15555550100"}],
        external_accounts=[{"id": "eac_1", "object": "external_account", "provider": "github"}],
        web3_wallets=[{"id": "idn_w1", "object": "web3_wallet", "web3_wallet": "0xabc"}],
        public_metadata={"plan": "pro"},
        private_metadata={"note": SECRET_NOTE},
        unsafe_metadata={"theme": "dark"},
        external_id="legacy-42",
        organization_memberships=None,
    )
    backend.add_user("user_bob", email="bob@example.test")
    backend.add_organization(
        "org_1", name="Wonderland", slug="wonderland", private_metadata={"billing": "org-only"}
    )
    backend.add_organization("org_2", name="Looking Glass", slug="glass")
    backend.add_membership(USER, "org_1", role="org:admin")
    backend.add_membership(USER, "org_2")
    backend.add_membership("user_bob", "org_1")
    backend.add_session("sess_a1", USER)
    backend.add_session("sess_a2", USER)
    backend.add_session("sess_a3", USER)["status"] = "revoked"
    backend.add_session("sess_b1", "user_bob")


@pytest.fixture
def instance() -> LocalClerkInstance:
    local = LocalClerkInstance()
    populate(local)
    return local


def sync_api(instance: LocalClerkInstance, **kwargs: Any) -> BackendAPI:
    http = httpx.Client(transport=instance.transport())
    return BackendAPI(instance.secret_key, api_url=instance.api_url, http_client=http, **kwargs)


def run_async(
    instance: LocalClerkInstance, work: Callable[[AsyncBackendAPI], Awaitable[Any]], **kwargs: Any
) -> Any:
    async def main() -> Any:
        async with httpx.AsyncClient(transport=instance.transport()) as http:
            api = AsyncBackendAPI(
                instance.secret_key, api_url=instance.api_url, http_client=http, **kwargs
            )
            return await work(api)

    return asyncio.run(main())


Exporter = Callable[..., dict[str, Any]]


@pytest.fixture(params=["sync", "async"])
def export(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Exporter:
    """``export(user_id, **kwargs)`` through ``export_user`` or ``aexport_user``."""

    def run(user_id: str, **kwargs: Any) -> dict[str, Any]:
        if request.param == "sync":
            return export_user(sync_api(instance), user_id, **kwargs)
        result: dict[str, Any] = run_async(
            instance, lambda api: aexport_user(api, user_id, **kwargs)
        )
        return result

    return run


def pages(instance: LocalClerkInstance, path: str) -> list[tuple[str, str]]:
    return [
        (r.url.params["limit"], r.url.params["offset"])
        for r in instance.requests
        if r.url.path == path
    ]


# ------------------------------------------------------------------------------------- export
def test_export_holds_every_section_of_the_user(
    export: Exporter, instance: LocalClerkInstance
) -> None:
    data = export(USER, clock=lambda: 1_700_000_000.0)
    assert data["export_version"] == 1
    assert data["exported_at"] == "2023-11-14T22:13:20+00:00"
    assert data["user_id"] == USER
    assert data["profile"]["first_name"] == "Alice"
    assert data["profile"]["external_id"] == "legacy-42"
    assert [e["email_address"] for e in data["email_addresses"]] == [
        "alice@example.test",
        "al@work.example.test",
    ]
    assert [p["phone_number"] for p in data["phone_numbers"]] == ["+15555550100"]
    assert [a["provider"] for a in data["external_accounts"]] == ["github"]
    assert [w["web3_wallet"] for w in data["web3_wallets"]] == ["0xabc"]
    assert data["metadata"] == {
        "public": {"plan": "pro"},
        "private": {"note": SECRET_NOTE},
        "unsafe": {"theme": "dark"},
    }
    assert [(m["organization"]["id"], m["role"]) for m in data["organization_memberships"]] == [
        ("org_1", "org:admin"),
        ("org_2", "org:member"),
    ]
    assert sorted((s["id"], s["status"]) for s in data["sessions"]) == [
        ("sess_a1", "active"),
        ("sess_a2", "active"),
        ("sess_a3", "revoked"),
    ]
    assert json.loads(dump_export(data)) == data  # JSON-ready as it is


def test_export_reads_every_page_of_memberships_and_sessions(
    export: Exporter, instance: LocalClerkInstance
) -> None:
    data = export(USER, page_size=1)
    assert len(data["organization_memberships"]) == 2
    assert len(data["sessions"]) == 3
    memberships = pages(instance, f"/v1/users/{USER}/organization_memberships")
    assert memberships == [("1", "0"), ("1", "1")]  # stops at total_count
    assert pages(instance, "/v1/sessions") == [("1", "0"), ("1", "1"), ("1", "2")]
    sessions_query = next(r for r in instance.requests if r.url.path == "/v1/sessions").url.params
    assert sessions_query["user_id"] == USER
    assert sessions_query["paginated"] == "true"


def test_export_leaves_out_what_is_not_the_users(export: Exporter) -> None:
    data = export(USER)
    text = dump_export(data)
    assert "user_bob" not in text
    assert "sess_b1" not in text
    # The organization's private metadata is the organization's, not the member's.
    assert "org-only" not in text
    assert all(
        "private_metadata" not in m["organization"] for m in data["organization_memberships"]
    )


def test_export_of_an_unknown_user_is_clerks_404(export: Exporter) -> None:
    with pytest.raises(ClerkAPIError) as caught:
        export("user_nobody")
    assert caught.value.status == 404
    assert caught.value.code == "resource_not_found"
    assert failure_summary(caught.value, "user_nobody") == "Clerk has no user user_nobody."


def test_export_refuses_an_id_that_is_not_one_path_segment(
    export: Exporter, instance: LocalClerkInstance
) -> None:
    with pytest.raises(ValueError, match="not a valid Clerk id"):
        export("../users")
    assert instance.requests == []


def test_export_waits_out_a_429_between_pages(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    limited: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        second_page = request.url.path.endswith("/organization_memberships") and (
            request.url.params.get("offset") == "1"
        )
        if second_page and not limited:
            limited.append(request.url.params["offset"])
            return httpx.Response(429, headers={"Retry-After": "3"}, json={"errors": []})
        return instance.backend.handle_request(request)

    http = httpx.Client(transport=httpx.MockTransport(answer))
    api = BackendAPI(instance.secret_key, http_client=http, clock=clock, sleep=waits.sleep)
    data = export_user(api, USER, page_size=1)
    assert limited == ["1"]
    assert waits.waits == [3.0]
    assert len(data["organization_memberships"]) == 2
    assert len(data["sessions"]) == 3


def test_export_async_waits_out_a_429(instance: LocalClerkInstance) -> None:
    clock = FakeClock(0)
    waits = Waits(clock)
    instance.backend.fail_next(429, retry_after=2)
    data = run_async(instance, lambda api: aexport_user(api, USER), clock=clock, sleep=waits.asleep)
    assert waits.waits == [2.0]
    assert data["user_id"] == USER


def test_export_on_loopback(instance: LocalClerkInstance) -> None:
    with instance.serve() as server, BackendAPI(instance.secret_key, api_url=server.url) as api:
        data = export_user(api, USER, page_size=1)
    assert len(data["email_addresses"]) == 2
    assert len(data["organization_memberships"]) == 2
    assert len(data["sessions"]) == 3


def test_build_export_keeps_every_field_of_the_user_object() -> None:
    user = {
        "id": "user_1",
        "object": "user",
        "first_name": "A",
        "passkeys": [{"id": "pk_1"}],
        "enterprise_accounts": [],
        "email_addresses": [{"id": "idn_1"}],
        "phone_numbers": [],
        "external_accounts": [],
        "web3_wallets": [],
        "public_metadata": {"a": 1},
        "private_metadata": {"b": 2},
        "unsafe_metadata": {"c": 3},
        "organization_memberships": [{"id": "orgmem_embedded"}],
        "a_field_clerk_adds_later": True,
    }
    data = build_export(user, [], [], exported_at=0)
    rebuilt = {
        **data["profile"],
        **{k: data[k] for k in ("email_addresses", "phone_numbers")},
        **{k: data[k] for k in ("external_accounts", "web3_wallets")},
        **{f"{k}_metadata": v for k, v in data["metadata"].items()},
    }
    assert rebuilt == {k: v for k, v in user.items() if k != "organization_memberships"}
    # A user object without the lists or metadata still gives every key.
    bare = build_export({"id": "user_2"}, [], [], exported_at=0)
    assert bare["email_addresses"] == []
    assert bare["metadata"]["private"] == {}


def test_the_export_is_never_logged(export: Exporter, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        data = export(USER)
    assert data["metadata"]["private"]["note"] == SECRET_NOTE
    assert SECRET_NOTE not in caplog.text
    assert "alice@example.test" not in caplog.text
    assert SECRET_NOTE not in export_summary(data, "out.json")
    assert export_summary(data, "out.json") == (
        f"Exported {USER} to out.json: 2 email addresses, 1 phone numbers, 1 external accounts,"
        " 1 web3 wallets, 2 organization memberships, 3 sessions."
    )


def test_a_written_export_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    target.write_text("old")
    os.chmod(target, 0o644)
    write_private_file(target, '{"a": "é"}\n')
    assert target.read_text(encoding="utf-8") == '{"a": "é"}\n'
    if os.name == "posix":
        assert stat.S_IMODE(target.stat().st_mode) == 0o600


# ------------------------------------------------------------------------------------ deletion
Deleter = Callable[..., Deletion]


@pytest.fixture(params=["sync", "async"])
def delete(request: pytest.FixtureRequest, instance: LocalClerkInstance) -> Deleter:
    """``delete(user_id, **kwargs)`` through ``delete_user`` or ``adelete_user``."""

    def run(user_id: str, *, api_key: str | None = None, **kwargs: Any) -> Deletion:
        if request.param == "sync":
            api = sync_api(instance)
            if api_key is not None:
                api = BackendAPI(
                    api_key,
                    api_url=instance.api_url,
                    http_client=httpx.Client(transport=instance.transport()),
                )
            return delete_user(api, user_id, **kwargs)

        async def work(api: AsyncBackendAPI) -> Deletion:
            if api_key is not None:
                api = AsyncBackendAPI(
                    api_key,
                    api_url=instance.api_url,
                    http_client=httpx.AsyncClient(transport=instance.transport()),
                )
            return await adelete_user(api, user_id, **kwargs)

        result: Deletion = run_async(instance, work)
        return result

    return run


def test_delete_removes_the_user_in_clerk_then_runs_the_hook(
    delete: Deleter, instance: LocalClerkInstance
) -> None:
    seen: list[tuple[Deletion, bool]] = []
    cache = MemoryUserCache()
    cache.set(USER, User({"id": USER}))

    def hook(deletion: Deletion) -> None:
        # Clerk's deletion is done by the time the local cascade runs.
        seen.append((deletion, USER in instance.backend.users))

    result = delete(USER, on_deleted=hook, user_cache=cache)
    assert result == Deletion(USER, already_deleted=False)
    assert seen == [(result, False)]
    assert cache.get(USER) is None  # current_user no longer answers with the deleted user
    deletes = [r for r in instance.requests if r.method == "DELETE"]
    assert [r.url.path for r in deletes] == [f"/v1/users/{USER}"]
    assert deletion_summary(result, cascade=True) == (
        f"Deleted {USER} in Clerk; the local clean-up ran."
    )


def test_deleting_an_already_deleted_user_still_runs_the_hook(
    delete: Deleter, instance: LocalClerkInstance
) -> None:
    seen: list[Deletion] = []
    delete(USER)
    again = delete(USER, on_deleted=seen.append)
    assert again == Deletion(USER, already_deleted=True)
    assert seen == [again]
    assert deletion_summary(again, cascade=False) == (
        f"{USER} was already deleted in Clerk; no local clean-up is connected."
    )


def test_a_failed_hook_is_reported_with_clerks_deletion_done_and_can_be_rerun(
    delete: Deleter, instance: LocalClerkInstance
) -> None:
    def broken(deletion: Deletion) -> None:
        raise RuntimeError("database is locked")

    with pytest.raises(LocalCleanupError) as caught:
        delete(USER, on_deleted=broken)
    error = caught.value
    assert error.user_id == USER
    assert error.already_deleted is False
    assert isinstance(error.__cause__, RuntimeError)
    assert USER not in instance.backend.users  # Clerk's deletion stays done
    summary = failure_summary(error, USER, deleting=True)
    assert "run the same deletion again" in summary
    assert summary.endswith("Cause: RuntimeError: database is locked")

    seen: list[Deletion] = []
    assert delete(USER, on_deleted=seen.append).already_deleted is True
    assert [d.user_id for d in seen] == [USER]


def test_when_clerk_refuses_the_hook_does_not_run(
    delete: Deleter, instance: LocalClerkInstance
) -> None:
    seen: list[Deletion] = []
    with pytest.raises(ClerkAPIError) as caught:
        delete(USER, on_deleted=seen.append, api_key="sk_test_" + "0" * 40)
    assert caught.value.status == 401
    assert seen == []
    assert USER in instance.backend.users
    summary = failure_summary(caught.value, USER, deleting=True)
    assert summary.startswith("Clerk answered 401 clerk_key_invalid")
    assert summary.endswith("Nothing was deleted locally; the user may still exist in Clerk.")
    assert "sk_test_" not in summary


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_404_that_is_not_clerks_is_not_a_deletion(mode: str) -> None:
    """A wrong api_url or a proxy's 404 page must not start the local cascade."""

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, text="<html>Not Found</html>")

    seen: list[Deletion] = []

    def sync() -> None:
        client = httpx.Client(transport=httpx.MockTransport(answer))
        delete_user(BackendAPI("sk_test_x", http_client=client), USER, on_deleted=seen.append)

    async def main() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
            api = AsyncBackendAPI("sk_test_x", http_client=client)
            await adelete_user(api, USER, on_deleted=seen.append)

    with pytest.raises(ClerkAPIError) as caught:
        sync() if mode == "sync" else asyncio.run(main())
    assert caught.value.status == 404
    assert seen == []


def test_adelete_awaits_an_async_hook(instance: LocalClerkInstance) -> None:
    seen: list[str] = []

    async def hook(deletion: Deletion) -> None:
        await asyncio.sleep(0)
        seen.append(deletion.user_id)

    result = run_async(instance, lambda api: adelete_user(api, USER, on_deleted=hook))
    assert result == Deletion(USER, already_deleted=False)
    assert seen == [USER]


def test_adelete_reports_an_async_hooks_failure(instance: LocalClerkInstance) -> None:
    async def hook(deletion: Deletion) -> None:
        raise OSError("disk full")

    with pytest.raises(LocalCleanupError) as caught:
        run_async(instance, lambda api: adelete_user(api, USER, on_deleted=hook))
    assert isinstance(caught.value.__cause__, OSError)


def test_delete_refuses_an_id_that_is_not_one_path_segment(
    delete: Deleter, instance: LocalClerkInstance
) -> None:
    seen: list[Deletion] = []
    with pytest.raises(ValueError, match="not a valid Clerk id"):
        delete("user_alice/..", on_deleted=seen.append)
    assert seen == []
    assert instance.requests == []


# -------------------------------------------------------------------------------- confirmation
class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("answer", "confirmed"),
    [("yes\n", True), (f"{USER}\n", True), ("no\n", False), ("\n", False), ("y\n", False)],
)
def test_confirmation_on_a_terminal(answer: str, confirmed: bool) -> None:
    out = io.StringIO()
    assert ask_confirmation(USER, stdin=Terminal(answer), stdout=out) is confirmed
    assert f"Delete {USER} in Clerk" in out.getvalue()


def test_no_confirmation_off_a_terminal() -> None:
    out = io.StringIO()
    assert ask_confirmation(USER, stdin=io.StringIO("yes\n"), stdout=out) is False
    assert out.getvalue() == ""  # a pipe is never asked: a script must say --yes


def test_the_docs_example_runs() -> None:
    page = Path(__file__).resolve().parents[2] / "docs" / "data-export.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1
    exec(compile(blocks[0], str(page), "exec"), {"__name__": "docs_example"})  # noqa: S102
