"""``/jwks``: the instance's public keys."""

from __future__ import annotations

from typing import Any

from .._call import Call, raw

__all__ = ["get_jwks"]


def get_jwks() -> Call[dict[str, Any]]:
    return Call("GET", "/jwks", raw)
