"""Properties: whatever valid fields a user is created with, the client reads back the same typed
values from the local Backend API (create, get, list by identifier, count), and a metadata merge
follows Clerk's rules (a reference model written here)."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clerk_core.backend_api import BackendAPI
from clerk_core.resources import User
from clerk_core.testing import LocalClerkInstance

names = st.one_of(st.none(), st.text(min_size=1, max_size=30).filter(lambda s: "\x00" not in s))
slug = st.text(string.ascii_lowercase + string.digits, min_size=4, max_size=12)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(-(2**31), 2**31), st.text(max_size=8))
json_value = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
metadata = st.dictionaries(st.text(max_size=6), json_value, max_size=4)
# Clerk stores what it is given: a None leaf inside a created object stays (only a merge removes).
stored_metadata = st.dictionaries(
    st.text(max_size=6),
    st.recursive(
        st.one_of(st.booleans(), st.integers(-100, 100), st.text(max_size=8)),
        lambda inner: st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    ),
    max_size=4,
)


@st.composite
def user_fields(draw: st.DrawFn) -> dict[str, Any]:
    handle = draw(slug)
    fields: dict[str, Any] = {
        "external_id": draw(
            st.one_of(st.none(), st.text(string.printable.strip(), min_size=1, max_size=20))
        ),
        "first_name": draw(names),
        "last_name": draw(names),
        "username": draw(st.one_of(st.none(), st.just(f"u_{handle}"))),
        "email_address": draw(
            st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=3).map(
                lambda tags: [f"{handle}.{t}@example.test" for t in tags]
            )
        ),
        "phone_number": draw(
            st.lists(st.integers(1000, 9999), unique=True, max_size=2).map(
                lambda ns: [f"+1555{draw(st.integers(100, 999))}{n}" for n in ns]
            )
        ),
        "public_metadata": draw(stored_metadata),
        "private_metadata": draw(stored_metadata),
        "banned": draw(st.one_of(st.none(), st.booleans())),
        "created_at": draw(st.one_of(st.none(), st.integers(0, 4_000_000_000_000))),
    }
    return {k: v for k, v in fields.items() if v is not None}


def rfc3339(ms: int) -> str:
    # From whole milliseconds: fromtimestamp(ms / 1000) can round 514295 ms down to 514294.
    when = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(milliseconds=ms)
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def client(instance: LocalClerkInstance) -> BackendAPI:
    return BackendAPI(instance.secret_key, http_client=httpx.Client(transport=instance.transport()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fields=user_fields())
def test_what_is_created_reads_back_the_same(fields: dict[str, Any]) -> None:
    instance = LocalClerkInstance()
    api = client(instance)
    sent = dict(fields)
    if "created_at" in sent:
        sent["created_at"] = rfc3339(sent["created_at"])
    created = api.users.create(skip_password_requirement=True, **sent)
    fetched = api.users.get(str(created.id))
    for user in (created, fetched):
        assert isinstance(user, User)
        assert user.external_id == fields.get("external_id")
        assert user.first_name == fields.get("first_name")
        assert user.last_name == fields.get("last_name")
        assert user.username == fields.get("username")
        assert user.email_addresses == fields.get("email_address", [])
        assert user.primary_email_address == (fields.get("email_address") or [None])[0]
        assert user.phone_numbers == fields.get("phone_number", [])
        assert user.primary_phone_number == (fields.get("phone_number") or [None])[0]
        assert user.public_metadata == fields["public_metadata"]
        assert user.private_metadata == fields["private_metadata"]
        assert user.banned is bool(fields.get("banned"))
        assert user.password_enabled is False
        if "created_at" in fields:
            assert user.created_at == fields["created_at"]
        assert all(e.verified for e in user.email_address_objects)
        assert fetched.raw == created.raw
    for key in ("external_id", "username"):
        if key in fields:
            one: dict[str, Any] = {key: [fields[key]]}
            (found,) = api.users.list(**one)
            assert found.id == created.id
            assert api.users.count(**one) == 1
    for address in fields.get("email_address", []):
        assert [u.id for u in api.users.list(email_address=address.upper())] == [created.id]


def merged(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Clerk's documented merge, as a model: nested objects merge, None removes a key."""
    out = dict(stored)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict):
            base = out.get(key)
            out[key] = merged(base if isinstance(base, dict) else {}, value)
        else:
            out[key] = value
    return out


@settings(max_examples=50, deadline=None)
@given(first=stored_metadata, patches=st.lists(metadata, min_size=1, max_size=3))
def test_metadata_merges_follow_the_model(
    first: dict[str, Any], patches: list[dict[str, Any]]
) -> None:
    instance = LocalClerkInstance()
    api = client(instance)
    user = api.users.create(skip_password_requirement=True, public_metadata=first)
    model = first
    for patch in patches:
        model = merged(model, patch)
        answer = api.users.update_metadata(str(user.id), public_metadata=patch)
        assert answer.public_metadata == model
    assert api.users.get(str(user.id)).public_metadata == model
