"""Production code never imports the test kit: ``clerk_core.testing`` (a local Clerk instance with
its own keys) is loaded only by tests, demos and the adapters' ``local`` modules, on demand.

Each module a production app imports is imported in a fresh interpreter, and one request is then
served through each adapter with a configuration made without the test kit."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("django")  # the interpreter below configures Django for every module
pytest.importorskip("rest_framework")

FRAMEWORKS = {"clerk_starlette": ("starlette", "fastapi"), "clerk_flask": ("flask",)}

SETUP = """
import sys
import django
from django.conf import settings
settings.configure(
    INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "rest_framework",
                    "clerk_django"],
    ROOT_URLCONF=__name__,
    ALLOWED_HOSTS=["*"],
    MIDDLEWARE=["clerk_django.middleware.ClerkMiddleware"],
)
django.setup()
urlpatterns = []
"""
CHECK = """
loaded = sorted(name for name in sys.modules if name.startswith("clerk_core.testing"))
assert not loaded, loaded
"""

PRODUCTION_MODULES = [
    "clerk_core",
    "clerk_core.adapter",
    "clerk_core.origin",
    "clerk_core.protect",
    "clerk_core.responses",
    "clerk_core.users",
    "clerk_core.webhooks",
    "clerk_starlette",
    "clerk_starlette.backend",
    "clerk_starlette.fastapi",
    "clerk_starlette.middleware",
    "clerk_starlette.webhooks",
    "clerk_flask",
    "clerk_flask.decorators",
    "clerk_flask.extension",
    "clerk_flask.globals",
    "clerk_flask.webhooks",
    "clerk_django",
    "clerk_django.apps",
    "clerk_django.checks",
    "clerk_django.conf",
    "clerk_django.decorators",
    "clerk_django.drf",
    "clerk_django.middleware",
    "clerk_django.dashboard",
    "clerk_django.fieldmap",
    "clerk_django.models",
    "clerk_django.signals",
    "clerk_django.sync",
    "clerk_django.users",
    "clerk_django.users_cache",
    "clerk_django.webhooks",
]

# Keys made here, not by the test kit: a publishable key for a made-up host and a PEM public key.
KEYS = """
import base64
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from clerk_core import ClerkOptions
pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
pk = "pk_test_" + base64.b64encode(b"clerk.prod-imports.test$").decode()
options = ClerkOptions(publishable_key=pk, jwt_key=pem)
"""

REQUESTS = {
    "starlette": """
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from clerk_core import Clerk
from clerk_starlette import ClerkMiddleware
from clerk_starlette.fastapi import require_auth
app = FastAPI()
app.add_middleware(ClerkMiddleware, clerk=Clerk(options))
@app.get("/")
async def home(auth=Depends(require_auth)):
    return {}
assert TestClient(app).get("/").status_code == 401
""",
    "flask": """
from flask import Flask
from clerk_flask import Clerk, require_auth
app = Flask(__name__)
Clerk(app, options=options)
@app.get("/")
@require_auth
def home():
    return "x"
assert app.test_client().get("/").status_code == 401
""",
    "django": """
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from clerk_django.decorators import require_auth
settings.CLERK = {"options": options}
urlpatterns.append(path("", require_auth(lambda request: HttpResponse("x"))))
assert Client().get("/").status_code == 401
""",
}


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


PACKAGES = sorted({module.split(".")[0] for module in PRODUCTION_MODULES})


@pytest.mark.parametrize("package", PACKAGES)
def test_importing_an_adapter_does_not_load_the_test_kit(package: str) -> None:
    """Each module of the package, imported in turn in one fresh interpreter; the first one that
    loads the test kit is named."""
    for framework in FRAMEWORKS.get(package, ()):
        pytest.importorskip(framework)
    modules = [m for m in PRODUCTION_MODULES if m.split(".")[0] == package]
    code = SETUP + "".join(
        f"import {module}\n" + CHECK.replace("loaded)", f"({module!r}, loaded))")
        for module in modules
    )
    result = run(code)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("adapter", sorted(REQUESTS))
def test_serving_a_request_does_not_load_the_test_kit(adapter: str) -> None:
    pytest.importorskip("fastapi" if adapter == "starlette" else adapter)
    result = run(SETUP + KEYS + REQUESTS[adapter] + CHECK)
    assert result.returncode == 0, result.stderr


def test_the_local_frontend_module_does_load_it() -> None:
    """The control: the check above sees the test kit when a module does import it (the local
    Frontend API is served from an adapter's ``local`` module, imported on demand)."""
    pytest.importorskip("starlette")
    result = run(SETUP + "import clerk_starlette.local\n" + CHECK)
    assert result.returncode != 0
    assert "clerk_core.testing" in result.stderr
