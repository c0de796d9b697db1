"""PyJWT is needed only by the test kit: the engine and the adapters verify tokens with
``cryptography`` directly, so an app installs ``clerk-integrations`` without PyJWT, and pytest
still starts in such an app (the ``clerk`` plugin loads the kit only when a fixture is used)."""

from __future__ import annotations

import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def production_modules() -> list[str]:
    """Every module of the four packages, except the test kit and the adapters' local demo
    modules (which serve the test kit, on demand)."""
    names = []
    for package in ("clerk_core", "clerk_starlette", "clerk_django", "clerk_flask"):
        names.append(package)
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=package + "."):
            parts = info.name.split(".")
            if "testing" in parts or parts[-1] in ("local", "__main__"):
                continue
            if "migrations" in parts[:-1]:  # Django loads them by path: 0001_initial is no name
                continue
            names.append(info.name)
    return names


PRODUCTION_MODULES = production_modules()

# PyJWT made unimportable: ``import jwt`` raises ImportError in the child interpreter.
BLOCK_JWT = """
import sys
sys.modules["jwt"] = None
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=[
        "django.contrib.auth",  # clerk_django's models link to the user model
        "django.contrib.contenttypes",
        "django.contrib.admin",  # for clerk_django.admin
        "django.contrib.messages",
        "clerk_django",
    ]
)
django.setup()
"""


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def test_production_modules_import_without_pyjwt() -> None:
    imports = "\n".join(f"import {module}" for module in PRODUCTION_MODULES)
    loaded = (
        "\nprint(sorted(n for n, m in sys.modules.items() if m is not None"
        " and n.split('.')[0] == 'jwt'))"
    )
    # An ``import jwt`` anywhere would raise here (and fail the child).
    result = run(BLOCK_JWT + imports + loaded)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_engine_verifies_a_token_without_pyjwt() -> None:
    from clerk_core.testing import LocalClerkInstance

    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.nojwt.test")
    token = instance.session_token("user_1", lifetime=3600)
    code = (
        BLOCK_JWT
        + "from clerk_core import Clerk, ClerkOptions\n"
        + f"options = ClerkOptions(publishable_key={instance.publishable_key!r}, "
        + f"jwt_key={instance.public_key_pem()!r}, authorized_parties={list(instance.authorized_parties)!r})\n"
        + f"print(Clerk(options).verify_token({token!r})['sub'])\n"
    )
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "user_1"


def test_the_pytest_plugin_loads_without_pyjwt_and_the_kit_says_what_to_install() -> None:
    code = (
        BLOCK_JWT
        + "import clerk_core.testing.pytest_plugin\n"
        + "try:\n"
        + "    from clerk_core.testing import LocalClerkInstance\n"
        + "except ModuleNotFoundError as exc:\n"
        + "    print(exc)\n"
    )
    result = run(code)
    assert result.returncode == 0, result.stderr
    assert "pip install 'clerk-integrations[testing]'" in result.stdout


def test_pyjwt_is_an_extra_not_a_dependency() -> None:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {re.split(r"[\[<>=;! ]", r, maxsplit=1)[0].lower() for r in requirements}

    assert "pyjwt" not in names(project["dependencies"])
    assert "cryptography" in names(project["dependencies"])
    extras = project["optional-dependencies"]
    assert "pyjwt" in names(extras["testing"])
    assert "pyjwt" in names(extras["test"])
