"""pytest plugin ``clerk``: fixtures for the local Clerk instance.

Loaded automatically through the ``pytest11`` entry point (disable with ``-p no:clerk``). It imports no
web framework and defines no autouse fixture.

Fixtures:

* ``clerk_instance``: a :class:`~clerk_core.testing.LocalClerkInstance` (development instance);
* ``clerk_options``: ``ClerkOptions`` for it that verify session tokens with the instance's public key,
  so an engine the app builds from them (Django's ``CLERK={"options": ...}``, Flask's
  ``Clerk(app, options=...)``) needs no network; Backend API calls (machine tokens, users) need
  ``clerk_engine``;
* ``clerk_engine``: a ``Clerk`` engine whose HTTP clients talk to the instance's fake Backend API;
* ``clerk_token_factory``: ``clerk_token_factory(user_id="user_test", **claims) -> str``;
* ``clerk_e2e`` (session): a :class:`~clerk_core.testing.e2e.ClerkE2E` for browser tests: your Clerk
  development instance when ``CLERK_SECRET_KEY`` (``sk_test_``) and ``CLERK_PUBLISHABLE_KEY`` are
  set, the local instance otherwise; a live key fails every test that uses it;
* ``clerk_testing_token`` (session): its testing token (``__clerk_testing_token``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from clerk_core.clerk import Clerk
from clerk_core.options import ClerkOptions

if TYPE_CHECKING:
    from .e2e import ClerkE2E
    from .instance import LocalClerkInstance


@pytest.fixture
def clerk_instance() -> LocalClerkInstance:
    """A fresh local Clerk instance (its RSA key is generated once per process)."""
    # Imported here: the plugin loads in every pytest run, also where PyJWT is not installed.
    from clerk_core.testing import LocalClerkInstance

    return LocalClerkInstance()


@pytest.fixture
def clerk_options(clerk_instance: LocalClerkInstance) -> ClerkOptions:
    # Networkless: these options carry no HTTP transport to the fake Backend API, so an engine built
    # from them would fetch the JWKS from the instance's fictitious host and sign every request out
    # (``jwk-remote-failed-to-load``). The PEM key verifies the instance's session tokens locally.
    return clerk_instance.options(networkless=True)


@pytest.fixture
def clerk_engine(clerk_instance: LocalClerkInstance) -> Clerk:
    return clerk_instance.clerk()


@pytest.fixture
def clerk_token_factory(clerk_instance: LocalClerkInstance) -> Callable[..., str]:
    def factory(user_id: str = "user_test", **kwargs: Any) -> str:
        return clerk_instance.session_token(user_id, **kwargs)

    return factory


@pytest.fixture(scope="session")
def clerk_e2e() -> Iterator[ClerkE2E]:
    """Browser-test helpers against Clerk (a development instance's keys in the environment) or the
    local instance (no secret key): ``clerk_e2e.sign_in(page, "user_member")``,
    ``clerk_e2e.setup_testing_token(page)``, ``clerk_e2e.users``. See ``ClerkE2E.from_env``."""
    from clerk_core.testing.e2e import ClerkE2E

    e2e = ClerkE2E.from_env()
    try:
        yield e2e
    finally:
        e2e.close()


@pytest.fixture(scope="session")
def clerk_testing_token(clerk_e2e: ClerkE2E) -> str:
    """A testing token from the instance ``clerk_e2e`` uses (created once per session)."""
    return clerk_e2e.testing_token
