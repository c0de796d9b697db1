from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("django")

from clerk_core import Clerk
from clerk_core.testing import LocalClerkInstance


@pytest.fixture
def clerk_config(
    settings: Any, clerk_instance: LocalClerkInstance, clerk_engine: Clerk
) -> dict[str, Any]:
    """settings.CLERK for the local instance (reverted after the test by pytest-django)."""
    settings.CLERK = {"clerk": clerk_engine, "guard": "tests.django.views.guard"}
    return settings.CLERK
