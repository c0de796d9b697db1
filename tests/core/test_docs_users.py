"""The examples of docs/users.md run as written, and the complete example's async twin behaves the
same."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import httpx
import pytest

from clerk_core import ClerkAPIError
from clerk_core.backend_api import AsyncBackendAPI
from clerk_core.testing import LocalClerkInstance

PAGE = Path(__file__).resolve().parents[2] / "docs" / "users.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("code", BLOCKS, ids=lambda code: code.strip().splitlines()[0][:40])
def test_docs_users_example_runs(code: str) -> None:
    exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_users_example"})  # noqa: S102


def test_the_complete_example_async() -> None:
    instance = LocalClerkInstance()

    async def main() -> None:
        async with (
            httpx.AsyncClient(transport=instance.transport()) as http,
            AsyncBackendAPI(instance.secret_key, http_client=http) as api,
        ):
            django_hash = (
                "pbkdf2_sha256$1000$abcDEF123$teNKBnzxQ/i3ccE0UndgLl1EDKKo+C6a+lyUp5YQJbo="
            )
            ada = await api.users.create(
                external_id="42",
                email_address=["ada@example.test"],
                password_digest=django_hash,
                password_hasher="pbkdf2_sha256_django",
                public_metadata={"plan": "pro", "limits": {"seats": 5}},
            )
            uid = str(ada.id)
            assert await api.users.verify_password(uid, password="hunter2hunter2")
            assert not await api.users.verify_password(uid, password="wrong password")
            (found,) = await api.users.list(external_id=["42"])
            assert found.id == uid
            assert await api.users.count(email_address_query="example.test") == 1
            assert [u.id async for u in api.users.iterate(order_by="created_at")] == [uid]
            merged = await api.users.update_metadata(
                uid, public_metadata={"limits": {"seats": 10}, "plan": None}
            )
            assert merged.public_metadata == {"limits": {"seats": 10}}
            await api.phone_numbers.create(uid, phone_number="+15555550100", verified=True)
            assert (await api.users.get(uid)).primary_phone_number == "+15555550100"
            with pytest.raises(ClerkAPIError) as caught:
                await api.users.create(
                    email_address=["ADA@example.test"], skip_password_requirement=True
                )
            assert (caught.value.status, caught.value.code) == (422, "form_identifier_exists")
            assert (await api.users.ban(uid)).banned
            assert not (await api.users.unban(uid)).banned
            assert (await api.users.delete(uid))["deleted"] is True

    asyncio.run(main())
