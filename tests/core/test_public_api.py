"""The public API (README.md and docs/) exists, is exported, and is typed."""

from __future__ import annotations

import inspect
from pathlib import Path

import clerk_core
from clerk_core import ClerkOptions

CONTRACT = [
    "ClerkOptions",
    "RequestView",
    "Clerk",
    "RequestState",
    "AuthStatus",
    "SessionAuth",
    "MachineAuth",
    "SignedOutAuth",
    "ClerkError",
    "ClerkConfigurationError",
    "TokenVerificationError",
    "ClerkAPIError",
    "WebhookVerificationError",
    "ProtectError",
    "Unauthenticated",
    "Unauthorized",
    "MalformedURLError",
]


def test_contract_names_are_exported() -> None:
    for name in CONTRACT:
        assert name in clerk_core.__all__
        assert hasattr(clerk_core, name)
    assert sorted(clerk_core.__all__) == sorted(set(clerk_core.__all__))


def test_error_tree() -> None:
    for name in (
        "ClerkConfigurationError",
        "TokenVerificationError",
        "ClerkAPIError",
        "WebhookVerificationError",
        "ProtectError",
        "MalformedURLError",
    ):
        assert issubclass(getattr(clerk_core, name), clerk_core.ClerkError)
    assert issubclass(clerk_core.Unauthenticated, clerk_core.ProtectError)
    assert issubclass(clerk_core.Unauthorized, clerk_core.ProtectError)
    assert clerk_core.MalformedURLError.status_code == 400


def test_options_fields_of_the_contract() -> None:
    fields = set(inspect.signature(ClerkOptions).parameters)
    assert {
        "secret_key",
        "publishable_key",
        "jwt_key",
        "authorized_parties",
        "clock_skew",
        "api_url",
        "api_version",
        "sign_in_url",
        "sign_up_url",
        "proxy_url",
        "domain",
        "is_satellite",
        "machine_secret_key",
        "webhook_signing_secret",
        "accepts_token",
    } <= fields


def test_package_is_typed() -> None:
    assert (Path(clerk_core.__file__).parent / "py.typed").is_file()


def test_core_imports_no_web_framework() -> None:
    import subprocess
    import sys

    code = (
        "import sys, clerk_core, clerk_core.testing, clerk_core.testing.pytest_plugin; "
        "bad = [m for m in ('django', 'flask', 'starlette', 'fastapi', 'werkzeug') "
        "if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
