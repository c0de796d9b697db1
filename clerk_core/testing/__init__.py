"""A local Clerk instance for tests and demos: no Clerk account, no network.

    from clerk_core.testing import LocalClerkInstance

    instance = LocalClerkInstance()
    clerk = instance.clerk()                      # engine wired to the fake Backend API
    token = instance.session_token("user_1", org_id="org_1", org_role="org:admin")
    state = clerk.authenticate_request(instance.request("/", bearer=token))

The pytest plugin (entry point ``clerk``) exposes the same objects as fixtures.
"""

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
