"""The Python examples of docs/testing-e2e.md run as written: the ``conftest.py`` and test file
of "A first test" in an inner pytest session (a real browser, the FastAPI example on 127.0.0.1,
the local instance), the hand-made testing token, and the script without pytest-playwright.

pytest-playwright is not installed here (its browser download is impossible offline), so the inner
session gets a ``page`` fixture with the same name and meaning that launches Debian's chromium.
"""

from __future__ import annotations

import os
import re
from typing import Any

import pytest

pytest.importorskip("fastapi")

from example_apps.fastapi_app import create_app
from tests.examples.conftest import CHROMIUM_ARGS, ROOT, require_playwright

require_playwright()

PAGE = ROOT / "docs" / "testing-e2e.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
CONFTEST = next(b for b in BLOCKS if b.startswith("# conftest.py"))
TEST_FILE = next(b for b in BLOCKS if b.startswith("# test_sign_in.py"))
BY_HAND = next(b for b in BLOCKS if "with_testing_token(" in b)
SCRIPT = next(b for b in BLOCKS if "def greeting_of_the_member" in b)

# Stands in for pytest-playwright's ``page`` fixture (same name, same kind of object).
PAGE_FIXTURE = f"""

@pytest.fixture
def page(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args={CHROMIUM_ARGS!r})
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture
def chromium_path():
    return {{chromium!r}}
"""


def test_every_example_is_run_here() -> None:
    assert sorted(BLOCKS) == sorted([CONFTEST, TEST_FILE, BY_HAND, SCRIPT])


def without_clerk_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in list(os.environ):
        if var.startswith("CLERK_"):
            monkeypatch.delenv(var)


def test_a_first_test_passes(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, chromium_path: str
) -> None:
    without_clerk_keys(monkeypatch)
    # The inner session imports the example app as the reader imports theirs.
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    pytester.makeconftest(CONFTEST + PAGE_FIXTURE.format(chromium=chromium_path))
    pytester.makepyfile(test_sign_in=TEST_FILE)
    result = pytester.runpytest_subprocess(
        "-q", "-p", "no:cacheprovider", "-p", "no:django", timeout=300
    )
    result.assert_outcomes(passed=1)


def test_testing_tokens_by_hand() -> None:
    exec(compile(BY_HAND, str(PAGE), "exec"), {"__name__": "docs_e2e_by_hand"})  # noqa: S102


def test_the_script_without_pytest_playwright(
    monkeypatch: pytest.MonkeyPatch, chromium_path: str, live_server_factory: Any
) -> None:
    without_clerk_keys(monkeypatch)
    namespace: dict[str, Any] = {"__name__": "docs_e2e_script"}
    exec(compile(SCRIPT, str(PAGE), "exec"), namespace)  # noqa: S102
    server = live_server_factory(create_app({}))
    assert namespace["greeting_of_the_member"](server.url, chromium_path) == "Hello, Max Member!"
