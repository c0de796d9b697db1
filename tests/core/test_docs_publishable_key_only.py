"""docs/publishable-key-only.md: every Python example runs as written and prints what its comments
say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "publishable-key-only.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)


def expected_lines(code: str) -> list[str]:
    """The ``# ...`` comment of each ``print(...)`` line, up to the first ``(`` of an aside."""
    return [
        line.split("  # ", 1)[1].split(" (", 1)[0]
        for line in code.splitlines()
        if line.lstrip().startswith("print(") and "  # " in line
    ]


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) == 2


@pytest.mark.parametrize("code", BLOCKS, ids=["verification", "handshake"])
def test_each_example_prints_what_it_says(code: str) -> None:
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(PAGE), "exec"), {"__name__": "docs_example"})  # noqa: S102
    assert printed.getvalue().splitlines() == expected_lines(code)
