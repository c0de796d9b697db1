"""docs/redirects.md and the "Token types per route" and "Reverification" sections of
docs/protect.md: every ``python`` example runs as written, and each ``print(...)`` prints what the
comment line under it says (``py`` blocks are framework sketches that need a project around
them)."""

from __future__ import annotations

import contextlib
import io
import itertools
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
REDIRECTS = (DOCS / "redirects.md").read_text(encoding="utf-8")
PROTECT = (DOCS / "protect.md").read_text(encoding="utf-8")
SECTIONS = PROTECT[PROTECT.index("### Token types per route") : PROTECT.index("## Responses")]


def blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, re.DOTALL)


EXAMPLES = [
    *(pytest.param(code, id=f"redirects-{i}") for i, code in enumerate(blocks(REDIRECTS))),
    *(pytest.param(code, id=f"protect-{i}") for i, code in enumerate(blocks(SECTIONS))),
]


def test_the_pages_have_their_examples() -> None:
    assert (len(blocks(REDIRECTS)), len(blocks(SECTIONS))) == (3, 2)


@pytest.mark.parametrize("code", EXAMPLES)
def test_each_example_prints_what_its_comments_say(code: str) -> None:
    pytest.importorskip("fastapi")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs example", "exec"), {"__name__": "docs_example"})  # noqa: S102
    lines = code.splitlines()
    wanted = [
        following.strip().removeprefix("# ")
        for line, following in itertools.pairwise(lines)
        if line.lstrip().startswith("print(")
    ]
    assert printed.getvalue().splitlines() == wanted
