"""Every Python example in README.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize(
    "code",
    [b for b in BLOCKS if "def test_" not in b],
    ids=lambda code: code.strip().splitlines()[0][:50],
)
def test_readme_example_runs(code: str) -> None:
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})  # noqa: S102


@pytest.mark.parametrize("code", [b for b in BLOCKS if "def test_" in b])
def test_readme_test_examples_pass(code: str, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(code)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=code.count("def test_"))


def test_readme_opens_with_the_two_setup_commands() -> None:
    head = README.read_text(encoding="utf-8").split("## ", 1)[0]
    assert "make demo" in head
    assert "make test" in head
