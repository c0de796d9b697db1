"""A new user's Django project, put together from the README's Django section alone.

The project is the README's ``settings.py``, ``clerk_guard.py`` and ``views.py`` snippets (with no
sessions and no ``AuthenticationMiddleware``), and its test suite is the README's "Testing a Django
app" snippets, run by pytest-django in a separate pytest process. It must pass ``manage.py check``,
serve the Clerk-protected view, and the documented ``clerk_options`` fixture must work there too.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytest_django")

from clerk_core.testing import LocalClerkInstance

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
DJANGO_SECTION = README.split("\n## Django\n", 1)[1].split("\n## ", 1)[0]


def _block(first_line: str, fence: str = "python") -> str:
    """The README's Django-section code block whose first line is ``first_line``."""
    for code in re.findall(rf"```{fence}\n(.*?)```", DJANGO_SECTION, re.DOTALL):
        if code.startswith(first_line):
            return str(code)
    raise AssertionError(f"no {fence} block starting {first_line!r} in the README's Django section")


def _testing_blocks() -> list[str]:
    testing = DJANGO_SECTION.split("### Testing a Django app\n", 1)[1].split("\n### ", 1)[0]
    return re.findall(r"```py\n(.*?)```", testing, re.DOTALL)


def _settings() -> str:
    """The README's settings with its ``...`` filled in as a new project would have it."""
    code = _block("# settings.py")
    assert "AuthenticationMiddleware" not in code
    assert "SessionMiddleware" not in code
    code = code.replace(
        '[..., "clerk_django"]',
        '["django.contrib.auth", "django.contrib.contenttypes", "clerk_django"]',
    )
    code = code.replace("    ...,\n", "")
    assert "..." not in code, code
    return (
        'SECRET_KEY = "readme-project"\nDEBUG = True\nALLOWED_HOSTS = ["testserver"]\n'
        'ROOT_URLCONF = "myproject.urls"\n'
        'DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}\n'
        + code
    )


URLS = """
from django.urls import path

from myproject import views

urlpatterns = [
    path("dashboard", views.dashboard),
    path("orgs/<slug>/settings", views.admin_area),
    path("orders", views.Orders.as_view()),
]
"""

CLERK_OPTIONS_TEST = """
def test_clerk_options_fixture(client, settings, clerk_options, clerk_token_factory):
    settings.CLERK = {"options": clerk_options}
    token = clerk_token_factory("user_2")
    response = client.get("/dashboard", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.headers.get("x-clerk-auth-reason")
    assert response.json() == {"user_id": "user_2"}
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    package = pytester.mkpydir("myproject")
    (package / "settings.py").write_text(_settings(), encoding="utf-8")
    (package / "clerk_guard.py").write_text(_block("# myproject/clerk_guard.py"), encoding="utf-8")
    (package / "views.py").write_text(_block("# views.py"), encoding="utf-8")
    (package / "urls.py").write_text(URLS, encoding="utf-8")
    # This checkout's code (not another installed copy) in the inner processes.
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join([str(pytester.path), str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    for name in ("CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_JWT_KEY"):
        monkeypatch.delenv(name, raising=False)
    return pytester


def test_readme_django_test_suite_passes_without_sessions(project: pytest.Pytester) -> None:
    blocks = _testing_blocks()
    assert len(blocks) == 2
    project.makepyfile(test_views=blocks[0] + CLERK_OPTIONS_TEST, test_unittest_style=blocks[1])
    result = project.runpytest_subprocess(
        "-q", "-p", "no:cacheprovider", "-p", "django", "--ds=myproject.settings"
    )
    result.assert_outcomes(passed=4)


def test_readme_settings_pass_manage_py_check(
    project: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance = LocalClerkInstance()
    monkeypatch.setenv("CLERK_SECRET_KEY", instance.secret_key)
    monkeypatch.setenv("CLERK_PUBLISHABLE_KEY", instance.publishable_key)
    result = project.run(
        sys.executable,
        "-m",
        "django",
        "check",
        "--fail-level",
        "WARNING",
        "--settings=myproject.settings",
    )
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(["System check identified no issues*"])
