"""Production code never imports the test kit: ``clerk_core.testing`` (a local Clerk instance with
its own keys) is loaded only by tests, demos and the adapters' ``local`` modules, on demand."""

from __future__ import annotations

import subprocess
import sys

import pytest

CHECK = """
import sys
import django
from django.conf import settings
settings.configure(INSTALLED_APPS=["clerk_django"])
django.setup()
import {module}
loaded = sorted(name for name in sys.modules if name.startswith("clerk_core.testing"))
assert not loaded, loaded
"""


@pytest.mark.parametrize(
    "module",
    [
        "clerk_core",
        "clerk_starlette",
        "clerk_starlette.fastapi",
        "clerk_flask",
        "clerk_django.middleware",
        "clerk_django.decorators",
        "clerk_django.drf",
    ],
)
def test_importing_an_adapter_does_not_load_the_test_kit(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK.format(module=module)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
