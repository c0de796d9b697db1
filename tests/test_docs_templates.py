"""docs/templates.md: every Python example runs as written and prints what its comments say, and
its Django template renders with the tags it shows."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parent.parent / "docs" / "templates.md"
TEXT = PAGE.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)
DJANGO = re.findall(r"```django\n(.*?)```", TEXT, re.DOTALL)


def expected_lines(code: str) -> list[str]:
    """The ``# ...`` comment of each ``print(...)`` line, up to the first ``(`` of an aside."""
    out = []
    for line in code.splitlines():
        if line.lstrip().startswith("print(") and "  # " in line:
            out.append(line.split("  # ", 1)[1].split(" (", 1)[0])
    return out


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) == 6
    assert len(DJANGO) == 1


@pytest.mark.parametrize(
    "code",
    BLOCKS,
    ids=["fastapi", "flask", "django settings", "reverification", "csp merge", "csp nonce"],
)
def test_each_example_prints_what_it_says(code: str) -> None:
    if "fastapi" in code:
        pytest.importorskip("fastapi")
    if "flask" in code:
        pytest.importorskip("flask")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_example"})  # noqa: S102
    assert printed.getvalue().splitlines() == expected_lines(code)


def test_the_django_template_renders(settings: object) -> None:
    pytest.importorskip("django")
    from django.template import engines
    from django.test import RequestFactory

    from clerk_core.testing import LocalClerkInstance
    from clerk_django import get_auth

    instance = LocalClerkInstance(instance_type="production", frontend_api="clerk.shop.test")
    settings.CLERK = {"clerk": instance.clerk()}  # type: ignore[attr-defined]
    request = RequestFactory().get("/sign-in")
    get_auth(request)
    page = engines["django"].from_string(DJANGO[0]).render({}, request)
    assert '<a href="/sign-in">Sign in</a>' in page
    assert 'data-clerk-mount="SignIn"' in page
    assert '"appearance":{"variables":{"colorPrimary":"#0969da"}}' in page
    assert "https://clerk.shop.test/npm/@clerk/clerk-js@5/dist/clerk.browser.js" in page
