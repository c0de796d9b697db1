"""Django users mirrored from Clerk: the field map, the ready webhook view and its signals,
idempotency and order safety, organizations, the admin, and ``manage.py clerk_sync_users``."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance
from clerk_django import signals
from clerk_django.models import (
    ClerkMembership,
    ClerkOrganization,
    ClerkSyncCheckpoint,
    ClerkUserLink,
)
from tests.conftest import TEST_WEBHOOK_SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.django.sync_urls")]
User = get_user_model()


@pytest.fixture(autouse=True)
def sync_settings(settings: Any, clerk_instance: LocalClerkInstance, clerk_engine: Clerk) -> None:
    settings.CLERK = {
        "clerk": clerk_engine,
        # The view is built once, when the URLconf loads: one secret for every test.
        "webhook_signing_secret": TEST_WEBHOOK_SECRET,
        "django_users": True,
    }


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()  # the view's idempotency store (delivery ids) starts empty in each test
    yield
    cache.clear()


class Deliveries:
    """Signed deliveries from the local instance, posted to the library's view."""

    def __init__(self, instance: LocalClerkInstance) -> None:
        self.instance = instance
        self.client = Client()

    def post(self, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
        meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
        response = self.client.post(
            "/clerk/webhooks", body, content_type="application/json", **meta
        )
        return response.status_code, json.loads(response.content)

    def sign(self, event_type: str, data: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
        return self.instance.sign_webhook(event_type, data, secret=TEST_WEBHOOK_SECRET)

    def send(self, event_type: str, data: dict[str, Any]) -> tuple[int, Any]:
        return self.post(*self.sign(event_type, data))

    def user(self, user_id: str, updated_at: int, **fields: Any) -> dict[str, Any]:
        data = self.instance.user_payload(
            user_id,
            first_name=fields.pop("first_name", "Ada"),
            last_name=fields.pop("last_name", "Lovelace"),
            email=fields.pop("email", "ada@example.test"),
        )
        data.update(updated_at=updated_at, **fields)
        return data


@pytest.fixture
def hooks(clerk_instance: LocalClerkInstance) -> Deliveries:
    return Deliveries(clerk_instance)


class Received:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def connect(self, *names: str) -> None:
        for name in names:
            signal = getattr(signals, name)

            def receiver(sender: Any, _name: str = name, **kwargs: Any) -> None:
                self.calls.append((_name, kwargs))

            signal.connect(receiver, weak=False, dispatch_uid=f"test-{name}")

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def received() -> Iterator[Received]:
    log = Received()
    names = list(signals.__all__)
    log.connect(*names)
    yield log
    for name in names:
        getattr(signals, name).disconnect(dispatch_uid=f"test-{name}")


# ------------------------------------------------------------------ the webhook view, end to end
def test_user_created_makes_a_django_user_with_email_and_names(
    hooks: Deliveries, received: Received
) -> None:
    status, body = hooks.send("user.created", hooks.user("user_ada", 1_000, username="ada"))
    assert (status, body) == (200, {"status": "ok", "handled": 1})
    user = User.objects.get(username="user_ada")  # USERNAME_FIELD holds the Clerk id
    assert (user.email, user.first_name, user.last_name) == (
        "ada@example.test",
        "Ada",
        "Lovelace",
    )
    assert not user.has_usable_password()
    assert user.clerk_link.clerk_id == "user_ada"
    assert user.clerk_link.updated_at == 1_000
    assert received.names() == ["clerk_user_created"]
    kwargs = received.calls[0][1]
    assert kwargs["user"] == user
    assert kwargs["clerk_user"].id == "user_ada"
    assert kwargs["source"] == "webhook"
    assert kwargs["event"].type == "user.created"


def test_user_updated_changes_the_fields_and_says_which(
    hooks: Deliveries, received: Received
) -> None:
    hooks.send("user.created", hooks.user("user_ada", 1_000))
    hooks.send("user.updated", hooks.user("user_ada", 2_000, email="ada@new.test"))
    user = User.objects.get(username="user_ada")
    assert user.email == "ada@new.test"
    assert received.names() == ["clerk_user_created", "clerk_user_updated"]
    assert received.calls[1][1]["changed"] == ["email"]


def test_the_same_delivery_twice_is_one_change(hooks: Deliveries, received: Received) -> None:
    delivery = hooks.sign("user.created", hooks.user("user_ada", 1_000))
    assert hooks.post(*delivery) == (200, {"status": "ok", "handled": 1})
    assert hooks.post(*delivery) == (200, {"status": "duplicate"})
    assert User.objects.count() == 1
    assert received.names() == ["clerk_user_created"]


def test_the_same_version_under_another_delivery_id_changes_nothing(
    hooks: Deliveries, received: Received
) -> None:
    """Clerk may send one change twice with different ids; the stored updated_at catches it."""
    data = hooks.user("user_ada", 1_000)
    hooks.send("user.created", data)
    hooks.send("user.updated", data)
    assert received.names() == ["clerk_user_created"]


def test_a_stale_update_never_overwrites_a_newer_one(hooks: Deliveries, received: Received) -> None:
    hooks.send("user.updated", hooks.user("user_ada", 3_000, first_name="Newest"))
    status, _ = hooks.send("user.updated", hooks.user("user_ada", 2_000, first_name="Older"))
    assert status == 200  # acknowledged, so Clerk does not retry it
    user = User.objects.get(username="user_ada")
    assert user.first_name == "Newest"
    assert user.clerk_link.updated_at == 3_000
    assert received.names() == ["clerk_user_created"]


def test_delete_then_a_late_update_does_not_resurrect_the_user(
    hooks: Deliveries, received: Received
) -> None:
    hooks.send("user.created", hooks.user("user_ada", 1_000))
    hooks.send("user.deleted", {"id": "user_ada", "object": "user", "deleted": True})
    user = User.objects.get(username="user_ada")
    assert not user.is_active  # the default policy deactivates: foreign keys keep their rows
    hooks.send("user.updated", hooks.user("user_ada", 9_000, first_name="Ghost"))
    hooks.send("user.created", hooks.user("user_ada", 9_001, first_name="Ghost"))
    user.refresh_from_db()
    assert (user.is_active, user.first_name) == (False, "Ada")
    assert received.names() == ["clerk_user_created", "clerk_user_deleted"]
    assert received.calls[1][1]["user"] == user


def test_delete_before_create_leaves_no_user(hooks: Deliveries) -> None:
    """Deliveries can arrive out of order: the deletion wins whatever comes after it."""
    hooks.send("user.deleted", {"id": "user_gone", "object": "user", "deleted": True})
    hooks.send("user.created", hooks.user("user_gone", 1_000))
    assert not User.objects.filter(username="user_gone").exists()
    assert ClerkUserLink.objects.get(clerk_id="user_gone").deleted


def test_delete_policy_delete_removes_the_django_user(hooks: Deliveries, settings: Any) -> None:
    settings.CLERK = {**settings.CLERK, "user_delete_policy": "delete"}
    hooks.send("user.created", hooks.user("user_ada", 1_000))
    hooks.send("user.deleted", {"id": "user_ada", "deleted": True})
    assert not User.objects.filter(username="user_ada").exists()
    hooks.send("user.updated", hooks.user("user_ada", 5_000))
    assert not User.objects.filter(username="user_ada").exists()


def test_delete_policy_keep_leaves_the_user_active(hooks: Deliveries, settings: Any) -> None:
    settings.CLERK = {**settings.CLERK, "user_delete_policy": "keep"}
    hooks.send("user.created", hooks.user("user_ada", 1_000))
    hooks.send("user.deleted", {"id": "user_ada", "deleted": True})
    assert User.objects.get(username="user_ada").is_active


def test_a_failing_receiver_rolls_back_and_clerk_retries(hooks: Deliveries) -> None:
    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("receiver failed")

    signals.clerk_user_created.connect(broken, weak=False, dispatch_uid="broken")
    try:
        delivery = hooks.sign("user.created", hooks.user("user_ada", 1_000))
        assert hooks.post(*delivery) == (500, {"status": "failed"})
        assert not User.objects.filter(username="user_ada").exists()
        assert not ClerkUserLink.objects.filter(clerk_id="user_ada").exists()
    finally:
        signals.clerk_user_created.disconnect(dispatch_uid="broken")
    assert hooks.post(*delivery) == (200, {"status": "ok", "handled": 1})  # Clerk's retry
    assert User.objects.filter(username="user_ada").exists()


def test_a_bad_signature_changes_nothing(hooks: Deliveries) -> None:
    body, headers = hooks.sign("user.created", hooks.user("user_ada", 1_000))
    status, answer = hooks.post(body.replace(b"Ada", b"Eve"), headers)
    assert (status, answer["error"]) == (400, "invalid_webhook")
    assert not User.objects.exists()


def test_a_payload_without_a_usable_id_is_acknowledged_and_ignored(hooks: Deliveries) -> None:
    for bad in ({}, {"id": ""}, {"id": 5}, {"id": "x" * 500}, {"id": "user\n1"}):
        assert hooks.send("user.updated", bad)[0] == 200
    assert not User.objects.exists()
    assert not ClerkUserLink.objects.exists()


# ------------------------------------------------------------------ the field map
def test_field_map_takes_metadata_paths_into_model_fields(
    hooks: Deliveries, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CLERK = {
        **settings.CLERK,
        "user_fields": {
            "email": "primary_email_address",
            "is_staff": "public_metadata.is_staff",
            "last_name": "private_metadata.profile.surname",
        },
    }
    data = hooks.user(
        "user_ada",
        1_000,
        public_metadata={"is_staff": True},
        private_metadata={"profile": {"surname": "Byron"}},
    )
    hooks.send("user.created", data)
    user = User.objects.get(username="user_ada")
    assert (user.email, user.is_staff, user.last_name, user.first_name) == (
        "ada@example.test",
        True,
        "Byron",
        "",  # not in the map: the map replaces the default one
    )
    # The key removed in Clerk: the field goes back to its default.
    hooks.send("user.updated", hooks.user("user_ada", 2_000, public_metadata={}))
    user.refresh_from_db()
    assert (user.is_staff, user.last_name) == (False, "")
    # A value the field refuses is logged and treated as missing: fail closed.
    hooks.send("user.updated", hooks.user("user_ada", 3_000, public_metadata={"is_staff": "maybe"}))
    user.refresh_from_db()
    assert user.is_staff is False
    assert "does not fit the field" in caplog.text


def _upper_names(clerk_user: Any) -> dict[str, Any]:
    return {"first_name": (clerk_user.first_name or "").upper(), "email": "fixed@example.test"}


def test_field_map_can_be_a_callable_or_its_dotted_path(hooks: Deliveries, settings: Any) -> None:
    settings.CLERK = {**settings.CLERK, "user_fields": _upper_names}
    hooks.send("user.created", hooks.user("user_a", 1_000))
    assert User.objects.get(username="user_a").first_name == "ADA"
    settings.CLERK = {
        **settings.CLERK,
        "user_fields": "tests.django.test_user_sync._upper_names",
    }
    hooks.send("user.created", hooks.user("user_b", 1_000, first_name="Bo"))
    user = User.objects.get(username="user_b")
    assert (user.first_name, user.email) == ("BO", "fixed@example.test")


def test_username_is_set_only_when_it_is_not_the_clerk_id_field(
    hooks: Deliveries, settings: Any
) -> None:
    hooks.send("user.created", hooks.user("user_ada", 1_000, username="ada"))
    assert User.objects.get(username="user_ada")  # the id field: Clerk's username left out
    settings.CLERK = {**settings.CLERK, "user_id_field": "email"}
    hooks.send("user.created", hooks.user("user_bo", 1_000, username="bo", email="x@y.test"))
    user = User.objects.get(email="user_bo")  # the Clerk id lives in email: email not mapped
    assert user.username == "bo"


def test_a_long_value_is_not_truncated_into_the_field(hooks: Deliveries) -> None:
    hooks.send("user.created", hooks.user("user_ada", 1_000, first_name="A" * 151))
    assert User.objects.get(username="user_ada").first_name == ""


def check_ids(settings: Any, **clerk: Any) -> dict[str, list[str]]:
    from django.core.checks import run_checks
    from django.test import override_settings

    found: dict[str, list[str]] = {}
    with override_settings(CLERK={**settings.CLERK, **clerk}):
        messages = run_checks()
    for message in messages:
        if message.id and (message.id.startswith("clerk.E02") or message.id == "clerk.W020"):
            found.setdefault(message.id, []).append(f"{message.msg} | {message.hint}")
    return found


def test_checks_validate_the_field_map_and_say_how_to_fix_it(settings: Any) -> None:
    assert check_ids(settings) == {}
    assert check_ids(settings, user_fields={"email": "primary_email_address"}) == {}
    typo = check_ids(settings, user_fields={"first_name": "first_nme"})["clerk.E020"][0]
    assert "'first_nme' is not a field of Clerk's user object" in typo
    assert "public_metadata.key" in typo
    missing = check_ids(settings, user_fields={"nickname": "first_name"})["clerk.E020"][0]
    assert "User has no field 'nickname'" in missing
    ident = check_ids(settings, user_fields={"username": "username"})["clerk.E020"][0]
    assert "Clerk user id field" in ident
    deep = check_ids(settings, user_fields={"first_name": "first_name.x"})["clerk.E020"][0]
    assert "not metadata" in deep
    unsafe = check_ids(settings, user_fields={"is_staff": "unsafe_metadata.admin"})["clerk.E020"]
    assert "the user can write from the browser" in unsafe[0]
    assert "clerk.E020" in check_ids(settings, user_fields=42)
    assert "clerk.E020" in check_ids(settings, user_fields="tests.django.nowhere.fields")
    assert "clerk.E020" in check_ids(settings, user_claims={"nickname": "nick"})
    assert check_ids(settings, user_fields=_upper_names) == {}
    assert "clerk.E021" in check_ids(settings, user_delete_policy="remove")
    assert "clerk.E022" in check_ids(settings, dashboard_url="http://dashboard.clerk.com/{path}")
    assert "clerk.E022" in check_ids(settings, dashboard_url="https://dashboard.clerk.com/")
    assert "clerk.E022" in check_ids(settings, dashboard_url="https://d.test/{path}/{app}")
    assert check_ids(settings, dashboard_url="https://dashboard.clerk.com/apps/a/{path}") == {}


# ------------------------------------------------------------------ the first request
def test_first_request_fills_fields_from_the_session_claims_without_a_backend_call(
    clerk_instance: LocalClerkInstance, settings: Any, received: Received
) -> None:
    settings.CLERK = {
        **settings.CLERK,
        "user_claims": {"email": "email", "first_name": "name.first"},
    }
    token = clerk_instance.session_token(
        "user_new", claims={"email": "new@example.test", "name": {"first": "Nia"}}
    )
    response = Client().get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.json() == {"username": "user_new", "authenticated": True}
    # No Backend API call on the request path (the JWKS fetch verifies the token).
    assert [r.url.path for r in clerk_instance.requests] == ["/v1/jwks"]
    user = User.objects.get(username="user_new")
    assert (user.email, user.first_name) == ("new@example.test", "Nia")
    assert received.names() == ["clerk_user_created"]
    assert received.calls[0][1]["source"] == "request"
    assert user.clerk_link.updated_at == 0  # any webhook version is newer


def test_fetch_user_on_create_asks_the_backend_api_once(
    clerk_instance: LocalClerkInstance, settings: Any
) -> None:
    settings.CLERK = {**settings.CLERK, "fetch_user_on_create": True}
    clerk_instance.backend.add_user("user_f", first_name="Fay", email="fay@example.test")
    token = clerk_instance.session_token("user_f")
    client = Client()
    for _ in range(3):
        assert client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}").json()[
            "authenticated"
        ]
    user = User.objects.get(username="user_f")
    assert (user.first_name, user.email) == ("Fay", "fay@example.test")
    calls = [r for r in clerk_instance.requests if r.url.path == "/v1/users/user_f"]
    assert len(calls) == 1


def test_a_user_deleted_in_clerk_is_anonymous_on_requests(
    clerk_instance: LocalClerkInstance, hooks: Deliveries, settings: Any
) -> None:
    """A session token outlives the deletion by up to a minute: it gets no Django user."""
    token = clerk_instance.session_token("user_ada")
    client = Client()
    assert client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}").json()["authenticated"]
    hooks.send("user.deleted", {"id": "user_ada", "deleted": True})
    whoami = client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert whoami == {"username": "", "authenticated": False}  # deactivated
    settings.CLERK = {**settings.CLERK, "user_delete_policy": "delete"}
    other = clerk_instance.session_token("user_bo")
    client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {other}")
    hooks.send("user.deleted", {"id": "user_bo", "deleted": True})
    whoami = client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {other}").json()
    assert whoami == {"username": "", "authenticated": False}
    assert not User.objects.filter(username="user_bo").exists()  # not created again


# ------------------------------------------------------------------ organizations
def org(org_id: str, updated_at: int, name: str = "Acme", **fields: Any) -> dict[str, Any]:
    return {
        "object": "organization",
        "id": org_id,
        "name": name,
        "slug": name.lower(),
        "public_metadata": {},
        "private_metadata": {},
        "created_at": 1,
        "updated_at": updated_at,
        **fields,
    }


def membership(
    mem_id: str, org_data: dict[str, Any], user_id: str, updated_at: int, role: str = "org:member"
) -> dict[str, Any]:
    return {
        "object": "organization_membership",
        "id": mem_id,
        "role": role,
        "permissions": ["org:orders:read"],
        "public_metadata": {},
        "organization": org_data,
        "public_user_data": {"user_id": user_id, "identifier": f"{user_id}@example.test"},
        "created_at": 1,
        "updated_at": updated_at,
    }


@pytest.fixture
def mirror(settings: Any) -> None:
    settings.CLERK = {**settings.CLERK, "mirror_organizations": True}


@pytest.mark.usefixtures("mirror")
def test_organizations_and_memberships_are_mirrored(hooks: Deliveries, received: Received) -> None:
    hooks.send("user.created", hooks.user("user_ada", 1_000))
    acme = org("org_acme", 10)
    hooks.send("organization.created", acme)
    hooks.send("organizationMembership.created", membership("orgmem_1", acme, "user_ada", 20))
    row = ClerkOrganization.objects.get(clerk_id="org_acme")
    assert (row.name, row.slug) == ("Acme", "acme")
    member = ClerkMembership.objects.get(clerk_id="orgmem_1")
    assert (member.organization, member.user.username, member.role) == (
        row,
        "user_ada",
        "org:member",
    )
    assert member.permissions == ["org:orders:read"]
    hooks.send(
        "organizationMembership.updated",
        membership("orgmem_1", acme, "user_ada", 30, role="org:admin"),
    )
    hooks.send("organization.updated", org("org_acme", 40, name="Acme Inc"))
    member.refresh_from_db()
    row.refresh_from_db()
    assert (member.role, row.name) == ("org:admin", "Acme Inc")
    assert received.names() == [
        "clerk_user_created",
        "clerk_organization_created",
        "clerk_membership_created",
        "clerk_membership_updated",
        "clerk_organization_updated",
    ]


@pytest.mark.usefixtures("mirror")
def test_organization_events_are_order_safe(hooks: Deliveries) -> None:
    acme = org("org_acme", 10)
    # The membership arrives first: it carries its organization, which is created from it.
    hooks.send("organizationMembership.created", membership("orgmem_1", acme, "user_later", 20))
    assert ClerkOrganization.objects.get(clerk_id="org_acme").name == "Acme"
    hooks.send("organization.updated", org("org_acme", 50, name="New name"))
    hooks.send("organization.updated", org("org_acme", 40, name="Stale name"))
    stale_mem = membership("orgmem_1", org("org_acme", 40), "user_later", 15, role="org:admin")
    hooks.send("organizationMembership.updated", stale_mem)
    assert ClerkOrganization.objects.get(clerk_id="org_acme").name == "New name"
    member = ClerkMembership.objects.get(clerk_id="orgmem_1")
    assert (member.role, member.user) == ("org:member", None)
    # The user's Django user appears later: the membership is linked to it then.
    hooks.send("user.created", hooks.user("user_later", 1_000))
    member.refresh_from_db()
    assert member.user is not None
    assert member.user.username == "user_later"
    # Deleted, then a late update: nothing comes back.
    hooks.send("organizationMembership.deleted", membership("orgmem_1", acme, "user_later", 60))
    hooks.send("organizationMembership.updated", membership("orgmem_1", acme, "user_later", 70))
    assert not ClerkMembership.objects.exists()
    hooks.send("organizationMembership.created", membership("orgmem_2", acme, "user_later", 80))
    hooks.send(
        "organization.deleted", {"id": "org_acme", "object": "organization", "deleted": True}
    )
    hooks.send("organization.updated", org("org_acme", 90))
    hooks.send("organizationMembership.created", membership("orgmem_3", acme, "user_later", 95))
    assert not ClerkOrganization.objects.exists()
    assert not ClerkMembership.objects.exists()  # cascaded, and none created afterwards


def test_without_mirroring_organization_events_only_send_signals(
    hooks: Deliveries, received: Received
) -> None:
    acme = org("org_acme", 10)
    assert hooks.send("organization.created", acme) == (200, {"status": "ok", "handled": 1})
    hooks.send("organizationMembership.deleted", membership("orgmem_1", acme, "user_x", 20))
    assert not ClerkOrganization.objects.exists()
    assert received.names() == ["clerk_organization_created", "clerk_membership_deleted"]
    assert received.calls[0][1]["organization"] is None
    assert received.calls[0][1]["clerk_organization"].name == "Acme"
    assert received.calls[1][1]["clerk_membership"].user_id == "user_x"


# ------------------------------------------------------------------ the admin
@pytest.fixture
def admin_client(settings: Any) -> Iterator[Client]:
    """A superuser signed in to the Django admin (installed for this test only)."""
    from django.test import override_settings

    apps = [*settings.INSTALLED_APPS, "django.contrib.admin", "django.contrib.messages"]
    middleware = [*settings.MIDDLEWARE, "django.contrib.messages.middleware.MessageMiddleware"]
    settings.CLERK = {**settings.CLERK, "django_users": False}  # the admin's own session login
    with override_settings(
        INSTALLED_APPS=apps, MIDDLEWARE=middleware, ROOT_URLCONF="tests.django.admin_urls"
    ):
        admin_user = User.objects.create_superuser("root", "root@example.test", "pw-not-used")
        client = Client()
        client.force_login(admin_user)
        yield client


def test_admin_shows_the_clerk_id_and_a_dashboard_link(admin_client: Client, settings: Any) -> None:
    from clerk_django.sync import sync_user

    sync_user({"id": "user_ada", "first_name": "Ada", "updated_at": 5})
    user = User.objects.get(username="user_ada")
    listing = admin_client.get("/admin/auth/user/").content.decode()
    assert "Clerk id" in listing
    assert "user_ada" in listing
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "https://dashboard.clerk.com/last-active?path=users/user_ada" in page
    assert "Open in Clerk" in page
    settings.CLERK = {
        **settings.CLERK,
        "dashboard_url": "https://dashboard.clerk.com/apps/app_1/instances/ins_2/{path}",
    }
    page = admin_client.get(f"/admin/auth/user/{user.pk}/change/").content.decode()
    assert "https://dashboard.clerk.com/apps/app_1/instances/ins_2/users/user_ada" in page
    # A user Clerk never saw (createsuperuser) still renders.
    root = User.objects.get(username="root")
    assert admin_client.get(f"/admin/auth/user/{root.pk}/change/").status_code == 200


@pytest.mark.usefixtures("mirror")
def test_admin_lists_the_mirrored_organizations(admin_client: Client) -> None:
    from clerk_django.sync import sync_membership

    sync_membership(membership("orgmem_1", org("org_acme", 10), "user_ada", 20))
    row = ClerkOrganization.objects.get()
    listing = admin_client.get("/admin/clerk_django/clerkorganization/").content.decode()
    assert "Acme" in listing
    assert "organizations/org_acme" in listing
    page = admin_client.get(f"/admin/clerk_django/clerkorganization/{row.pk}/change/")
    assert page.status_code == 200
    assert "orgmem_1" in page.content.decode()
    assert admin_client.get("/admin/clerk_django/clerkorganization/add/").status_code == 403
    members = admin_client.get("/admin/clerk_django/clerkmembership/").content.decode()
    assert "user_ada" in members


# ------------------------------------------------------------------ manage.py clerk_sync_users
def run(*args: str) -> str:
    out = io.StringIO()
    call_command("clerk_sync_users", *args, stdout=out)
    return out.getvalue()


def add_users(instance: LocalClerkInstance, count: int) -> None:
    for i in range(count):
        instance.backend.add_user(
            f"user_{i:04d}", first_name=f"N{i}", email=f"u{i}@example.test", updated_at=1_000 + i
        )


@pytest.fixture
def no_backoff(clerk_engine: Clerk, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retries of the Backend API client without their waits (the test would only sleep)."""
    monkeypatch.setattr(clerk_engine.backend_api, "_sleep", lambda seconds: None)


def test_dry_run_reports_and_changes_nothing(clerk_instance: LocalClerkInstance) -> None:
    add_users(clerk_instance, 3)
    User.objects.create(username="user_0001", first_name="Old")
    out = run("--dry-run")
    assert "would create user_0000 (email, first_name, last_name)" in out
    assert "would update user_0001: email, first_name, last_name" in out
    assert "3 Clerk users read: 2 would be created, 1 would be updated, 0 unchanged." in out
    assert "Dry run: nothing was changed." in out
    assert list(User.objects.values_list("username", "first_name")) == [("user_0001", "Old")]
    assert not ClerkUserLink.objects.exists()
    assert not ClerkSyncCheckpoint.objects.exists()


def test_the_command_creates_and_updates_every_user_page_by_page(
    clerk_instance: LocalClerkInstance, received: Received
) -> None:
    add_users(clerk_instance, 25)
    out = run("--page-size", "10")
    assert out.splitlines() == [
        "page 1: 10 users (created 10, updated 0, unchanged 0)",
        "page 2: 20 users (created 20, updated 0, unchanged 0)",
        "page 3: 25 users (created 25, updated 0, unchanged 0)",
        "25 Clerk users read: 25 created, 0 updated, 0 unchanged.",
    ]
    assert User.objects.count() == 25
    assert User.objects.get(username="user_0007").email == "u7@example.test"
    assert {c[1]["source"] for c in received.calls} == {"command"}
    pages = [r.url.params for r in clerk_instance.requests if r.url.path == "/v1/users"]
    assert [(p["limit"], p["offset"], p["order_by"]) for p in pages] == [
        ("10", "0", "+created_at"),
        ("10", "10", "+created_at"),
        ("10", "20", "+created_at"),
    ]
    clerk_instance.backend.users["user_0003"].update(first_name="Changed", updated_at=9_999)
    out = run("--page-size", "10", "-v", "2")
    assert "update user_0003: first_name" in out
    assert out.splitlines()[-1] == "25 Clerk users read: 0 created, 1 updated, 24 unchanged."


def test_resume_after_a_crash_halfway(clerk_instance: LocalClerkInstance, no_backoff: None) -> None:
    add_users(clerk_instance, 50)

    def crash_at_user_25(sender: Any, user: Any, **kwargs: Any) -> None:
        if user.username == "user_0024":  # the API fails from the next page on
            clerk_instance.backend.fail_next(500, times=4)  # every attempt of one call

    signals.clerk_user_created.connect(crash_at_user_25, weak=False, dispatch_uid="crash")
    try:
        with pytest.raises(CommandError, match=r"failed at offset 30.*--resume"):
            run("--page-size", "15")
    finally:
        signals.clerk_user_created.disconnect(dispatch_uid="crash")
    assert User.objects.count() == 30
    assert ClerkSyncCheckpoint.objects.get().offset == 30
    out = run("--page-size", "15", "--resume")
    assert out.splitlines()[0] == "Resuming at offset 30."
    assert "50 Clerk users read: 20 created" in out.splitlines()[-1]
    assert User.objects.count() == 50
    assert sorted(User.objects.values_list("username", flat=True)) == [
        f"user_{i:04d}" for i in range(50)
    ]
    assert ClerkSyncCheckpoint.objects.get().finished
    with pytest.raises(CommandError, match="no interrupted run"):
        run("--resume")


def test_a_rate_limit_waits_and_the_run_completes(
    clerk_instance: LocalClerkInstance, no_backoff: None
) -> None:
    add_users(clerk_instance, 12)
    clerk_instance.backend.fail_next(429, times=2, retry_after=1)
    assert "12 Clerk users read: 12 created" in run("--page-size", "5")


def test_delete_missing(clerk_instance: LocalClerkInstance) -> None:
    add_users(clerk_instance, 3)
    run()
    User.objects.create(username="local_admin")  # never linked to Clerk: never touched
    del clerk_instance.backend.users["user_0001"]
    out = run("--delete-missing", "--dry-run")
    assert "would delete user_0001" in out
    assert User.objects.get(username="user_0001").is_active
    out = run("--delete-missing")
    assert "deleted user_0001" in out
    assert "1 deleted (missing from Clerk)" in out
    assert not User.objects.get(username="user_0001").is_active
    assert User.objects.get(username="local_admin").is_active
    assert User.objects.get(username="user_0002").is_active
    clerk_instance.backend.users.clear()
    with pytest.raises(CommandError, match="refusing to delete"):
        run("--delete-missing")


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(CommandError, match="between 1 and 500"):
        run("--page-size", "0")
    with pytest.raises(CommandError, match="cannot --resume"):
        run("--dry-run", "--resume")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_one_counter_line_on_a_terminal(clerk_instance: LocalClerkInstance) -> None:
    add_users(clerk_instance, 4)
    out = Terminal()
    call_command("clerk_sync_users", "--page-size", "2", stdout=out)
    text = out.getvalue()
    assert text.count("\r") == 3  # one line, rewritten per page
    assert text.splitlines()[-1] == "4 Clerk users read: 4 created, 0 updated, 0 unchanged."


def test_a_known_user_costs_one_query_and_no_backend_call(
    clerk_instance: LocalClerkInstance, hooks: Deliveries, django_assert_num_queries: Any
) -> None:
    hooks.send("user.created", hooks.user("user_ada", 1_000))
    token = clerk_instance.session_token("user_ada")
    client = Client()
    client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}")  # keys fetched once
    before = len(clerk_instance.requests)
    with django_assert_num_queries(1):
        body = client.get("/whoami-user", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert body == {"username": "user_ada", "authenticated": True}
    assert len(clerk_instance.requests) == before


@pytest.mark.django_db(transaction=True)  # the handler runs in a worker thread's connection
def test_the_async_webhook_view_serves_the_sync_router(hooks: Deliveries) -> None:
    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from clerk_core import WebhookRouter, WebhookVerifier
    from clerk_django.sync import sync_router
    from clerk_django.webhooks import webhook_view_async

    view = webhook_view_async(
        sync_router(WebhookRouter()), verifier=WebhookVerifier(TEST_WEBHOOK_SECRET)
    )
    body, headers = hooks.sign("user.created", hooks.user("user_async", 1_000))
    meta = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}
    request = RequestFactory().post("/", body, content_type="application/json", **meta)
    response = async_to_sync(view)(request)
    assert response.status_code == 200
    assert User.objects.get(username="user_async").email == "ada@example.test"


def test_a_user_created_meanwhile_by_a_request_is_updated_not_duplicated(
    monkeypatch: pytest.MonkeyPatch, received: Received
) -> None:
    from clerk_django import sync

    User.objects.create(username="user_race")  # the first request won the race
    real = sync._find_user
    calls: list[Any] = []

    def racing(*args: Any) -> Any:
        calls.append(args)
        return None if len(calls) == 1 else real(*args)  # ... after the webhook found nobody

    monkeypatch.setattr(sync, "_find_user", racing)
    change = sync.sync_user({"id": "user_race", "first_name": "Rae", "updated_at": 5})
    assert (change.action, change.changed) == ("updated", ["first_name"])
    assert list(User.objects.values_list("username", "first_name")) == [("user_race", "Rae")]
    assert received.names() == ["clerk_user_updated"]
    assert len(calls) >= 2  # the race did happen: the insert failed and the user was found


def test_a_unique_conflict_fails_the_delivery_so_clerk_retries(
    hooks: Deliveries, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.CLERK = {**settings.CLERK, "user_id_field": "email"}
    hooks.send("user.created", hooks.user("user_a", 1_000, username="same"))
    status, _ = hooks.send("user.created", hooks.user("user_b", 1_000, username="same"))
    assert status == 500
    assert "user_b conflicts with a Django user on a unique field" in caplog.text
    assert not User.objects.filter(email="user_b").exists()


def test_drf_sees_a_deactivated_user_as_anonymous(
    clerk_instance: LocalClerkInstance, hooks: Deliveries
) -> None:
    token = clerk_instance.session_token("user_ada")
    client = Client()
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me == {"user_id": "user_ada", "drf_user": "user_ada"}
    hooks.send("user.deleted", {"id": "user_ada", "deleted": True})
    me = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me == {"user_id": "user_ada", "drf_user": "AnonymousUser"}


@pytest.mark.django_db(transaction=True)  # auser() queries from a worker thread
def test_request_user_and_auser_agree_for_active_and_deleted_users(
    clerk_instance: LocalClerkInstance, hooks: Deliveries
) -> None:
    from asgiref.sync import async_to_sync
    from django.test import RequestFactory

    from clerk_django import get_auth
    from clerk_django.users import attach_django_user

    def both(user_id: str) -> tuple[Any, Any]:
        token = clerk_instance.session_token(user_id)
        request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
        attach_django_user(request, get_auth(request))
        return request.user, async_to_sync(request.auser)()

    user, auser = both("user_ada")
    assert (user.username, auser.username) == ("user_ada", "user_ada")
    hooks.send("user.deleted", {"id": "user_ada", "deleted": True})
    user, auser = both("user_ada")
    assert (user.is_authenticated, auser.is_authenticated) == (False, False)
