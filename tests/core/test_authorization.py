"""Claims decoding (docs/clerk-semantics.md §3) and has() (§4): exact rules, failing closed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clerk_core import MachineAuth, SessionAuth, SignedOutAuth
from clerk_core.authorization import check_reverification, decode_org_claims, parse_scoped_claim
from clerk_core.testing import LocalClerkInstance, encode_org_claims

V2_EXAMPLE: dict[str, Any] = {
    "sub": "user_1",
    "sid": "sess_1",
    "v": 2,
    "fea": "o:billing,u:dash,ou:projects",
    "o": {
        "id": "org_1",
        "rol": "admin",
        "slg": "acme",
        "per": "read,create,update,delete,revoke",
        "fpm": "7,21",
    },
}


def session(claims: dict[str, Any]) -> SessionAuth:
    return SessionAuth(claims, "token")


def test_46_v2_claims_example() -> None:
    auth = session(V2_EXAMPLE)
    assert (auth.org_id, auth.org_slug, auth.org_role) == ("org_1", "acme", "org:admin")
    assert auth.org_permissions == [
        "org:billing:read",
        "org:billing:create",
        "org:billing:update",
        "org:projects:read",
        "org:projects:update",
        "org:projects:revoke",
    ]
    assert auth.has(permission="billing:read")
    assert auth.has(permission="org:billing:read")
    assert not auth.has(permission="org:billing:delete")


@pytest.mark.parametrize(
    ("fea", "per", "fpm", "expected"),
    [
        (
            "o:impersonation",
            "read,manage",
            "3",
            ["org:impersonation:read", "org:impersonation:manage"],
        ),
        (
            "o:repositories,o:impersonation,o:billing",
            "manage,read,update",
            "6,0,3",
            [
                "org:repositories:read",
                "org:repositories:update",
                "org:billing:manage",
                "org:billing:read",
            ],
        ),
        ("o:a", "read", "-1", []),  # a non-digit mask counts as 0
        ("o:a", "read", "1.5", []),
        ("o:a,o:b", "read", "1", ["org:a:read"]),  # features without a mask get nothing
        ("u:a", "read", "1", []),  # user features carry no org permissions
        ("o:a", "", "1", []),
    ],
)
def test_fpm_vectors(fea: str, per: str, fpm: str, expected: list[str]) -> None:
    claims = {"v": 2, "fea": fea, "o": {"id": "org_1", "rol": "member", "per": per, "fpm": fpm}}
    assert decode_org_claims(claims).org_permissions == expected


def test_fpm_masks_of_arbitrary_size() -> None:
    permissions = [f"p{i}" for i in range(54)]
    claims = {
        "v": 2,
        "fea": "o:big",
        "o": {"id": "org_1", "per": ",".join(permissions), "fpm": "9007199254740993"},
    }
    assert decode_org_claims(claims).org_permissions == ["org:big:p0", "org:big:p53"]


def test_v2_without_org_and_v1_claims() -> None:
    assert decode_org_claims({"v": 2}).org_id is None
    v1 = decode_org_claims(
        {
            "org_id": "org_1",
            "org_role": "org:admin",
            "org_slug": "acme",
            "org_permissions": ["org:x:y", 7],
        }
    )
    assert (v1.org_id, v1.org_role, v1.org_slug, v1.org_permissions) == (
        "org_1",
        "org:admin",
        "acme",
        ["org:x:y"],
    )


def test_malformed_fea_with_org_fails_closed_instead_of_raising() -> None:
    claims = {
        "v": 2,
        "fea": "billing",
        "o": {"id": "org_1", "rol": "admin", "per": "read", "fpm": "1"},
    }
    auth = session({"sub": "user_1", **claims})
    assert auth.org_permissions == []
    assert not auth.has(feature="billing")


def test_47_role_normalisation_and_no_org() -> None:
    auth = session({"sub": "user_1", "org_id": "org_1", "org_role": "org:admin"})
    assert auth.has(role="admin")
    assert auth.has(role="org:admin")
    assert auth.has(role="org:org:admin")
    assert not auth.has(role="member")
    assert not session({"sub": "user_1", "org_role": "org:admin"}).has(role="admin")


def test_permission_normalisation() -> None:
    auth = session({"sub": "user_1", "org_id": "org_1", "org_permissions": ["org:f1:read"]})
    assert auth.has(permission="f1:read")
    assert not auth.has(permission="org:f1")
    assert not auth.has(permission="u:dashboard:read")


def test_48_features() -> None:
    auth = session({"sub": "user_1", "fea": "o:reservations,u:dashboard"})
    assert auth.has(feature="reservations")
    assert auth.has(feature="user:dashboard")
    assert auth.has(feature="o:reservations")
    assert auth.has(feature="organization:reservations")
    assert not auth.has(feature="u:reservations")
    assert not auth.has(feature="lol:dashboard")
    assert not session({"sub": "user_1"}).has(feature="dashboard")
    assert not session({"sub": "user_1", "fea": ""}).has(feature="dashboard")


def test_49_plans() -> None:
    auth = session({"sub": "user_1", "pla": "u:pro,o:business"})
    assert auth.has(plan="pro")
    assert auth.has(plan="business")
    assert not auth.has(plan="org:pro")
    assert auth.has(plan="org:business")


@pytest.mark.parametrize(
    ("fva", "level", "expected"),
    [
        ([5, 20], "moderate", True),
        ([5, 20], "strict", False),
        ([5, 20], "strict_mfa", False),
        ([0, -1], "strict_mfa", True),
        ([-1, -1], "lax", False),
        (None, "lax", False),
        ([5, 5], "strict_mfa", True),
        ([5, 10], "strict", False),  # strict inequality
        ([-1, 5], "strict_mfa", False),
        ([-1, 5], "strict", True),
        ([20, -1], "moderate", True),  # no second factor: the first one counts
        ([5, "x"], "lax", False),
        ([5], "lax", False),
        ([5, -2], "lax", False),
    ],
)
def test_50_reverification(fva: Any, level: str, expected: bool) -> None:
    claims: dict[str, Any] = {"sub": "user_1"}
    if fva is not None:
        claims["fva"] = fva
    assert session(claims).has(reverification=level) is expected


def test_custom_reverification() -> None:
    assert check_reverification({"level": "first_factor", "after_minutes": 10}, [9, -1])
    assert not check_reverification({"level": "first_factor", "after_minutes": 10}, [10, -1])
    assert check_reverification({"level": "multi_factor", "afterMinutes": 30}, [5, 20])
    assert not check_reverification({"level": "nope", "after_minutes": 10}, [1, 1])
    assert not check_reverification({"level": "first_factor", "after_minutes": 0}, [0, 0])
    assert not check_reverification("unknown", [1, 1])


def test_51_nothing_asked_and_and_semantics() -> None:
    auth = session(
        {
            "sub": "user_1",
            "org_id": "org_1",
            "org_role": "org:admin",
            "org_permissions": ["org:a:b"],
            "fva": [1, 1],
        }
    )
    assert not auth.has()
    assert not auth.has(role="org:admin", permission="org:x:y")
    assert auth.has(role="org:admin", permission="org:a:b", reverification="strict")
    no_org = session({"sub": "user_1", "fva": [1, 1], "fea": "u:x"})
    assert not no_org.has(role="admin", reverification="strict")
    assert no_org.has(feature="x", reverification="strict")


def test_machine_and_signed_out_has_is_always_false() -> None:
    machine = MachineAuth(
        "api_key", id="ak_1", subject="user_1", scopes=[], claims={}, token="ak_x"
    )
    assert not machine.has(role="admin")
    assert not SignedOutAuth().has(role="admin")
    assert not session({"sid": "sess_1", "org_id": "org_1", "org_role": "org:admin"}).has(
        role="admin"
    )


def test_local_instance_encodes_what_the_decoder_reads() -> None:
    org, fea = encode_org_claims(
        org_id="org_1",
        org_slug="acme",
        org_role="org:admin",
        org_permissions=["org:billing:read", "org:projects:write", "org:billing:write"],
        features=["u:dash"],
    )
    claims = {"sub": "user_1", "v": 2, "o": org, "fea": ",".join(fea)}
    assert sorted(session(claims).org_permissions or []) == [
        "org:billing:read",
        "org:billing:write",
        "org:projects:write",
    ]
    instance = LocalClerkInstance()
    token_claims = instance.session_claims(
        "user_1",
        org_id="org_9",
        org_role="member",
        org_permissions=["org:a:read"],
        plans=["u:pro"],
        actor={"sub": "user_admin"},
        fva=[1, -1],
    )
    auth = session(token_claims)
    assert (auth.org_role, auth.org_permissions, auth.actor, auth.factor_verification_age) == (
        "org:member",
        ["org:a:read"],
        {"sub": "user_admin"},
        [1, -1],
    )
    assert auth.has(plan="pro")


def test_scoped_claim_parser() -> None:
    assert parse_scoped_claim(" o:a , u:b ,ou:c,x:d") == (["a", "c"], ["b", "c"])
    assert parse_scoped_claim("o:a:b") == (["a:b"], [])
    assert parse_scoped_claim("nocolon") is None
    assert parse_scoped_claim(5) is None


odd = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(min_value=-3, max_value=100), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)


@settings(max_examples=300, deadline=None)
@given(
    claims=st.dictionaries(
        st.sampled_from(
            ["sub", "v", "o", "fea", "pla", "fva", "org_id", "org_role", "org_permissions"]
        ),
        odd,
    ),
    role=odd,
    permission=odd,
    feature=odd,
    plan=odd,
    reverification=odd,
)
def test_has_never_raises(
    claims: dict[str, Any], role: Any, permission: Any, feature: Any, plan: Any, reverification: Any
) -> None:
    auth = SessionAuth(claims, "t")
    result = auth.has(
        role=role, permission=permission, feature=feature, plan=plan, reverification=reverification
    )
    assert result in (True, False)
    if not claims.get("sub"):
        assert result is False
