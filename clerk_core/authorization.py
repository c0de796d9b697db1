"""Session-claim decoding and ``has()``: Clerk's rules (as ``@clerk/backend``), failing closed.

Nothing here raises on odd input: a malformed claim or a non-string parameter makes ``has()`` false.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "REVERIFICATION_PRESETS",
    "OrgClaims",
    "decode_org_claims",
    "has_authorization",
    "parse_scoped_claim",
]

REVERIFICATION_PRESETS: dict[str, tuple[str, int]] = {
    "strict_mfa": ("multi_factor", 10),
    "strict": ("second_factor", 10),
    "moderate": ("second_factor", 60),
    "lax": ("second_factor", 1440),
}
_LEVELS = frozenset({"first_factor", "second_factor", "multi_factor"})
_ORG_SCOPES = frozenset({"o", "org", "organization"})
_USER_SCOPES = frozenset({"u", "user"})
_DIGITS = re.compile(r"[0-9]+")


class OrgClaims:
    """The organization fields of a session, decoded from v1 or v2 claims."""

    __slots__ = ("org_id", "org_permissions", "org_role", "org_slug")

    def __init__(
        self,
        org_id: str | None = None,
        org_role: str | None = None,
        org_slug: str | None = None,
        org_permissions: list[str] | None = None,
    ) -> None:
        self.org_id = org_id
        self.org_role = org_role
        self.org_slug = org_slug
        self.org_permissions = org_permissions


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parse_scoped_claim(claim: Any) -> tuple[list[str], list[str]] | None:
    """Split a ``fea``/``pla`` claim into ``(org_names, user_names)``; ``None`` when malformed.

    Elements are ``scope:name`` split at the first colon; ``o`` is org, ``u`` is user, ``ou``/``uo``
    both; other scopes are ignored; an element without a colon makes the whole claim malformed.
    """
    if not isinstance(claim, str) or not claim:
        return None
    org: list[str] = []
    user: list[str] = []
    for element in claim.split(","):
        element = element.strip()
        if not element:
            continue
        scope, sep, name = element.partition(":")
        if not sep:
            return None
        if scope in ("o", "ou", "uo"):
            org.append(name)
        if scope in ("u", "ou", "uo"):
            user.append(name)
    return org, user


def _org_permissions_v2(org: Mapping[str, Any], fea: Any) -> list[str]:
    per, fpm = org.get("per"), org.get("fpm")
    if not isinstance(per, str) or not per or not isinstance(fpm, str) or not fpm:
        return []
    parsed = parse_scoped_claim(fea)
    if parsed is None:
        return []  # Clerk JS throws here; failing closed keeps the request alive.
    org_features = parsed[0]
    permissions = [p.strip() for p in per.split(",")]
    masks = [int(m) if _DIGITS.fullmatch(m.strip()) else 0 for m in fpm.split(",")]
    result: list[str] = []
    for index, feature in enumerate(org_features):
        if index >= len(masks):
            break
        mask = masks[index]
        bit = 0
        while mask and bit < len(permissions):
            if mask & 1:
                result.append(f"org:{feature}:{permissions[bit]}")
            mask >>= 1
            bit += 1
    return result


def decode_org_claims(claims: Mapping[str, Any]) -> OrgClaims:
    """Organization fields from v2 (``v == 2``, an ``o`` object) or v1 (flat ``org_*``) claims."""
    version = claims.get("v")
    if type(version) in (int, float) and version == 2:
        org = claims.get("o")
        if not isinstance(org, Mapping):
            return OrgClaims()
        role = org.get("rol")
        return OrgClaims(
            org_id=_str_or_none(org.get("id")),
            org_role=("org:" + role) if isinstance(role, str) and role else None,
            org_slug=_str_or_none(org.get("slg")),
            org_permissions=_org_permissions_v2(org, claims.get("fea")),
        )
    perms = claims.get("org_permissions")
    return OrgClaims(
        org_id=_str_or_none(claims.get("org_id")),
        org_role=_str_or_none(claims.get("org_role")),
        org_slug=_str_or_none(claims.get("org_slug")),
        org_permissions=[p for p in perms if isinstance(p, str)]
        if isinstance(perms, list)
        else None,
    )


def _norm_org(value: str) -> str:
    while value.startswith("org:"):
        value = value[4:]
    return "org:" + value


def _check_scoped(requested: Any, claim: Any) -> bool:
    if not isinstance(requested, str) or not requested:
        return False
    parsed = parse_scoped_claim(claim)
    if parsed is None:
        return False
    org, user = parsed
    scope, sep, name = requested.partition(":")
    if not sep:
        return requested in org or requested in user
    if scope in _ORG_SCOPES:
        return name in org
    if scope in _USER_SCOPES:
        return name in user
    return False


def _valid_age(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value) and (value == -1 or value >= 0)


def check_reverification(requirement: Any, fva: Any) -> bool:
    """``fva = [minutes since first factor, minutes since second factor]`` (-1: not enrolled)."""
    level: Any
    after: Any
    if isinstance(requirement, str):
        preset = REVERIFICATION_PRESETS.get(requirement)
        if preset is None:
            return False
        level, after = preset
    elif isinstance(requirement, Mapping):
        level = requirement.get("level")
        after = requirement.get("after_minutes", requirement.get("afterMinutes"))
        if (
            level not in _LEVELS
            or type(after) not in (int, float)
            or not math.isfinite(after)
            or after <= 0
        ):
            return False
    else:
        return False
    if not isinstance(fva, (list, tuple)) or len(fva) != 2 or not all(_valid_age(v) for v in fva):
        return False
    first, second = fva
    if first == -1 and second == -1:
        return False

    def fresh(age: float) -> bool:
        return bool(age != -1 and after > age)

    if level == "first_factor":
        return fresh(first)
    if level == "second_factor":
        if second == -1:
            return fresh(first)
        return fresh(second)
    # multi_factor
    if second == -1:
        return fresh(first)
    if first == -1:
        return False
    return fresh(first) and fresh(second)


def has_authorization(
    *,
    user_id: str | None,
    org_id: str | None,
    org_role: str | None,
    org_permissions: Sequence[str] | None,
    claims: Mapping[str, Any],
    role: Any = None,
    permission: Any = None,
    feature: Any = None,
    plan: Any = None,
    reverification: Any = None,
) -> bool:
    """Clerk's ``has()``: every asked dimension must pass; nothing asked is ``False``."""
    if not user_id:
        return False
    if (
        role is None
        and permission is None
        and feature is None
        and plan is None
        and reverification is None
    ):
        return False
    if role is not None or permission is not None:
        if not org_id:
            return False
        if role is not None:
            if not isinstance(role, str) or not role or not isinstance(org_role, str):
                return False
            if _norm_org(org_role) != _norm_org(role):
                return False
        if permission is not None:
            if not isinstance(permission, str) or not permission:
                return False
            if _norm_org(permission) not in (org_permissions or ()):
                return False
    if feature is not None and not _check_scoped(feature, claims.get("fea")):
        return False
    if plan is not None and not _check_scoped(plan, claims.get("pla")):
        return False
    return reverification is None or check_reverification(reverification, claims.get("fva"))
