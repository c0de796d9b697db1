"""A local Clerk instance for tests and demos: no Clerk account, no network.

    from clerk_core.testing import LocalClerkInstance

    instance = LocalClerkInstance()
    clerk = instance.clerk()                      # engine wired to the fake Backend API
    token = instance.session_token("user_1", org_id="org_1", org_role="org:admin")
    state = clerk.authenticate_request(instance.request("/", bearer=token))

The pytest plugin (entry point ``clerk``) exposes the same objects as fixtures.

The kit mints tokens with PyJWT, which only the ``testing`` extra installs
(``pip install 'clerk-integrations[testing]'``): the engine itself never needs it. Names load on
first use, so pytest can load the plugin in a project without PyJWT.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .frontend import (
        DEFAULT_USERS,
        LOCAL_BANNER,
        LocalFrontendAPI,
        TestUser,
        banner_html,
        refuse_live_keys,
    )
    from .instance import LocalClerkInstance, encode_org_claims, public_jwk

__all__ = [
    "DEFAULT_USERS",
    "LOCAL_BANNER",
    "LocalClerkInstance",
    "LocalFrontendAPI",
    "TestUser",
    "banner_html",
    "encode_org_claims",
    "public_jwk",
    "refuse_live_keys",
]

_HOMES = {
    "DEFAULT_USERS": "frontend",
    "LOCAL_BANNER": "frontend",
    "LocalFrontendAPI": "frontend",
    "TestUser": "frontend",
    "banner_html": "frontend",
    "refuse_live_keys": "frontend",
    "LocalClerkInstance": "instance",
    "encode_org_claims": "instance",
    "public_jwk": "instance",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        module = importlib.import_module(f"{__name__}.{home}")
    except ModuleNotFoundError as exc:
        if exc.name != "jwt":
            raise
        raise ModuleNotFoundError(
            "clerk_core.testing mints tokens with PyJWT, which is not installed: "
            "pip install 'clerk-integrations[testing]'",
            name="jwt",
        ) from exc
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
