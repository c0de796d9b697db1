"""Clerk's own ``has()`` tests, translated: clerk/javascript
``packages/shared/src/__tests__/authorization.spec.ts`` (``createCheckAuthorization`` and
``splitByScope``). Each test keeps the JS title in its docstring.

``createCheckAuthorization({userId, orgId, orgRole, orgPermissions, features, plans,
factorVerificationAge})`` is rebuilt here as the session's v1 claims (``org_id``, ``org_role``,
``org_permissions``, ``fea``, ``pla``, ``fva``) and ``SessionAuth.has``, the public path. The
answers were checked against ``@clerk/shared`` 4.41 (the version behind ``@clerk/backend`` 3.25).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from clerk_core import SessionAuth
from clerk_core.authorization import parse_scoped_claim

Has = Callable[..., bool]


def check_authorization(
    *,
    user_id: str | None = "user_123",
    org_id: Any = "org_123",
    org_role: Any = "org:admin",
    org_permissions: Any = ("org:sys_profile:delete",),
    features: Any = "",
    plans: Any = "",
    factor_verification_age: Any = (0, 0),
) -> Has:
    """``createCheckAuthorization(...)``: the ``has`` of a session carrying these values."""
    claims: dict[str, Any] = {"sid": "sess_123", "v": 1}
    if user_id is not None:
        claims["sub"] = user_id
    for name, value in (
        ("org_id", org_id),
        ("org_role", org_role),
        ("fea", features),
        ("pla", plans),
    ):
        if value is not None:
            claims[name] = value
    if org_permissions is not None:
        claims["org_permissions"] = (
            list(org_permissions) if isinstance(org_permissions, tuple) else org_permissions
        )
    if factor_verification_age is not None:
        claims["fva"] = (
            list(factor_verification_age)
            if isinstance(factor_verification_age, tuple)
            else factor_verification_age
        )
    has: Has = SessionAuth(claims, "token").has
    return has


NO_ORG: dict[str, Any] = {"org_id": None, "org_role": None, "org_permissions": None}


def test_correctly_parses_features() -> None:
    """createCheckAuthorization: correctly parses features."""
    has = check_authorization(
        org_role="admin",
        org_permissions=("org:read",),
        features="o:reservations,u:dashboard",
        plans="free_user,plus_user",
        factor_verification_age=(1000, 2000),
    )
    for feature in (
        "o:reservations",
        "org:reservations",
        "organization:reservations",
        "reservations",
        "u:dashboard",
        "user:dashboard",
        "dashboard",
    ):
        assert has(feature=feature) is True, feature
    assert has(feature="lol:dashboard") is False


def test_fails_closed_on_malformed_orgrole_claim() -> None:
    """createCheckAuthorization: fails closed on malformed orgRole claim."""
    assert check_authorization(org_role=123)(role="org:admin") is False


def test_fails_closed_on_malformed_orgpermissions_claim() -> None:
    """createCheckAuthorization: fails closed on malformed orgPermissions claim."""
    has = check_authorization(org_permissions={})
    assert has(permission="org:sys_profile:delete") is False


def test_fails_closed_on_malformed_features_claim() -> None:
    """createCheckAuthorization: fails closed on malformed features claim."""
    has = check_authorization(org_permissions=("org:read",), features={})
    assert has(feature="org:premium") is False


def test_fails_closed_on_malformed_plans_claim() -> None:
    """createCheckAuthorization: fails closed on malformed plans claim."""
    assert check_authorization(org_permissions=("org:read",), plans={})(plan="u:plus") is False


def test_fails_when_no_dimension_was_requested() -> None:
    """createCheckAuthorization: fails when no dimension was requested."""
    assert check_authorization(features="o:premium", plans="plus")() is False


def test_fails_permission_reverification_when_org_context_is_missing() -> None:
    """createCheckAuthorization: fails permission + reverification when org context is missing."""
    has = check_authorization(**NO_ORG)
    assert has(permission="org:sys_profile:delete", reverification="strict") is False


def test_fails_role_reverification_when_org_context_is_missing() -> None:
    """createCheckAuthorization: fails role + reverification when org context is missing."""
    assert check_authorization(**NO_ORG)(role="org:admin", reverification="strict") is False


def test_fails_reverification_when_factorverificationage_is_null() -> None:
    """createCheckAuthorization: fails reverification when factorVerificationAge is null (fva not
    opted-in)."""
    has = check_authorization(factor_verification_age=None)
    assert has(permission="org:sys_profile:delete", reverification="strict") is False


def test_fails_when_factorverificationage_payload_is_malformed() -> None:
    """createCheckAuthorization: fails when factorVerificationAge payload is malformed."""
    has = check_authorization(**NO_ORG, factor_verification_age=["0", "0"])
    assert has(reverification="strict_mfa") is False


def test_fails_when_reverification_config_is_invalid() -> None:
    """createCheckAuthorization: fails when reverification config is invalid."""
    has = check_authorization()
    assert has(permission="org:sys_profile:delete", reverification="invalid-value") is False


def test_requires_and_across_billing_and_org_when_both_are_requested() -> None:
    """createCheckAuthorization: requires AND across billing and org when both are requested."""
    has = check_authorization(
        org_permissions=("org:sys_memberships:read",), features="o:reservations"
    )
    assert has(permission="org:sys_profile:delete", feature="org:reservations") is False
    assert has(permission="org:sys_memberships:read", feature="org:reservations") is True


def test_requires_and_within_org_when_both_role_and_permission_are_requested() -> None:
    """createCheckAuthorization: requires AND within org when both role and permission are
    requested."""
    has = check_authorization(org_permissions=("org:sys_memberships:read",))
    assert has(role="org:admin", permission="org:sys_profile:delete") is False
    assert has(role="org:admin", permission="org:sys_memberships:read") is True


def test_requires_and_within_billing_when_both_feature_and_plan_are_requested() -> None:
    """createCheckAuthorization: requires AND within billing when both feature and plan are
    requested."""
    has = check_authorization(
        org_permissions=("org:read",), features="o:reservations", plans="u:plus"
    )
    assert has(feature="org:reservations", plan="u:plus") is True
    assert has(feature="org:reservations", plan="u:free") is False
    assert has(feature="org:missing", plan="u:plus") is False


def test_fails_feature_check_when_features_claim_is_missing_or_empty() -> None:
    """createCheckAuthorization: fails feature check when features claim is missing or empty."""
    assert check_authorization(org_permissions=("org:read",))(feature="org:premium") is False
    has = check_authorization(org_permissions=("org:read",), features=None)
    assert has(feature="org:premium") is False


def test_fails_when_factor_ages_are_negative_non_sentinel_values() -> None:
    """createCheckAuthorization: fails when factor ages are negative non-sentinel values."""
    has = check_authorization(**NO_ORG, factor_verification_age=(-0.5, 0))
    assert has(reverification="strict") is False


def test_fails_non_string_role_permission_feature_plan_values_without_throwing() -> None:
    """createCheckAuthorization: fails non-string role / permission / feature / plan values
    without throwing."""
    has = check_authorization(features="o:premium", plans="u:plus")
    # JS passes ``null`` for each; ``None`` here means "not asked", so nothing is asked: false too.
    assert has(role=None) is False
    assert has(permission=None) is False
    assert has(feature=None) is False
    assert has(plan=None) is False
    assert has(role=123) is False
    assert has(permission=123) is False
    assert has(feature=123) is False
    assert has(plan=["u:plus"]) is False


def test_fails_reverification_when_config_object_is_incomplete_or_out_of_range() -> None:
    """createCheckAuthorization: fails reverification when config object is incomplete or out of
    range."""
    has = check_authorization()
    assert has(reverification={"level": "multi_factor"}) is False
    assert has(reverification={"level": "multi_factor", "afterMinutes": 0}) is False
    assert has(reverification={"level": "multi_factor", "afterMinutes": -1}) is False
    # The Python spelling of the same object.
    assert has(reverification={"level": "multi_factor", "after_minutes": 0}) is False
    assert has(reverification={"level": "multi_factor", "after_minutes": 10}) is True


def test_requires_and_for_within_org_role_and_permission_role_fails() -> None:
    """createCheckAuthorization: requires AND for within-org role and permission (role fails,
    permission passes)."""
    has = check_authorization(org_permissions=("org:sys_memberships:read",))
    assert has(role="org:member", permission="org:sys_memberships:read") is False


def test_requires_and_across_org_and_billing_with_cross_dimension_combos() -> None:
    """createCheckAuthorization: requires AND across org and billing with cross-dimension
    combos."""
    has = check_authorization(
        org_permissions=("org:sys_memberships:read",), features="o:reservations", plans="u:plus"
    )
    assert has(role="org:admin", feature="org:missing") is False
    assert has(role="org:admin", plan="u:free") is False
    assert has(role="org:admin", feature="org:reservations") is True


def test_fails_missing_features_claim_when_combined_with_a_passing_reverification_check() -> None:
    """createCheckAuthorization: fails missing features claim when combined with a passing
    reverification check."""
    has = check_authorization()
    assert has(reverification="strict") is True  # the reverification part alone passes
    assert has(feature="org:premium", reverification="strict") is False


def test_authorizes_permission_reverification_when_both_match() -> None:
    """createCheckAuthorization: authorizes permission + reverification when both match."""
    has = check_authorization(org_permissions=("org:sys_memberships:read",))
    assert has(permission="org:sys_memberships:read", reverification="strict") is True


def test_authorizes_role_feature_when_both_match() -> None:
    """createCheckAuthorization: authorizes role + feature when both match."""
    has = check_authorization(org_permissions=("org:read",), features="o:reservations")
    assert has(role="org:admin", feature="org:reservations") is True


def test_authorizes_every_requested_dimension_when_all_three_match() -> None:
    """createCheckAuthorization: authorizes every requested dimension when all three match."""
    has = check_authorization(
        org_permissions=("org:sys_memberships:read",), features="o:reservations"
    )
    assert (
        has(
            permission="org:sys_memberships:read",
            feature="org:reservations",
            reverification="strict",
        )
        is True
    )


def test_authorizes_permission_strict_mfa_via_graceful_downgrade() -> None:
    """createCheckAuthorization: authorizes permission + strict_mfa via graceful downgrade when no
    second factor is enrolled."""
    has = check_authorization(
        org_permissions=("org:sys_memberships:read",), factor_verification_age=(0, -1)
    )
    assert has(permission="org:sys_memberships:read", reverification="strict_mfa") is True


def test_fails_permission_reverification_when_no_factors_are_enrolled() -> None:
    """createCheckAuthorization: fails permission + reverification when no factors are
    enrolled."""
    has = check_authorization(
        org_permissions=("org:sys_memberships:read",), factor_verification_age=(-1, -1)
    )
    assert has(permission="org:sys_memberships:read", reverification="strict") is False


# ------------------------------------------------------------------------------- splitByScope
def test_correctly_splits_features_by_scope() -> None:
    """splitByScope: correctly splits features by scope."""
    assert parse_scoped_claim("o:reservations,u:dashboard") == (["reservations"], ["dashboard"])


def test_correctly_splits_features_by_scope_with_multiple_scopes() -> None:
    """splitByScope: correctly splits features by scope with multiple scopes."""
    assert parse_scoped_claim("o:reservations,u:dashboard,ou:support-chat,uo:billing") == (
        ["reservations", "support-chat", "billing"],
        ["dashboard", "support-chat", "billing"],
    )


def test_throws_an_error_if_the_claim_element_is_missing_a_colon() -> None:
    """splitByScope: throws an error if the claim element is missing a colon.

    POLICY (fail closed, never raise on a claim): Clerk's ``splitByScope`` throws ``Invalid claim
    element (missing colon): reservations``; here the claim is malformed (``None``). The answer a
    user sees is the same in both: Clerk's ``has()`` catches the error and answers false.
    """
    assert parse_scoped_claim("reservations,dashboard") is None
    has = check_authorization(features="reservations,dashboard")
    assert has(feature="reservations") is False


@pytest.mark.parametrize("user_id", [None, ""])
def test_signed_out_session_has_nothing(user_id: str | None) -> None:
    """createCheckAuthorization without a userId: every check is false (authorization.ts)."""
    has = check_authorization(user_id=user_id, features="o:premium")
    assert has(feature="org:premium") is False
