"""docs/observability.md: every ``python`` example runs as written and prints the ``# → ...``
lines under it; the ``py`` snippets (framework wiring) are at least valid Python."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "observability.md"
TEXT = PAGE.read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", TEXT, re.DOTALL)
SNIPPETS = re.findall(r"```py\n(.*?)```", TEXT, re.DOTALL)


def expected_output(code: str) -> list[str]:
    return [line[len("# → ") :] for line in code.splitlines() if line.startswith("# → ")]


def test_the_page_has_its_examples() -> None:
    assert len(BLOCKS) == 5
    assert all(expected_output(code) for code in BLOCKS)


@pytest.mark.parametrize("code", BLOCKS, ids=["recorder", "hook", "debug", "otel", "bundle"])
def test_each_example_prints_what_it_says(code: str) -> None:
    if "opentelemetry" in code:
        pytest.importorskip("opentelemetry.sdk")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_example"})  # noqa: S102
    assert printed.getvalue().splitlines() == expected_output(code)


@pytest.mark.parametrize("code", SNIPPETS)
def test_snippets_are_python(code: str) -> None:
    ast.parse(code)
