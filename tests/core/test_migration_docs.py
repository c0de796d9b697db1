"""The runnable example of docs/migration.md runs as written."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).parents[2] / "docs" / "migration.md"


def example() -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## A runnable example", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None
    return match.group(1)


def test_the_runnable_example_runs() -> None:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(example(), str(DOC), "exec"), {})  # noqa: S102 - our own documentation
    assert out.getvalue() == "{'imported': 2, 'updated': 0, 'skipped': 0, 'failed': 0}\n"


def test_every_option_of_the_cli_is_documented() -> None:
    from clerk_core.__main__ import build_parser

    text = DOC.read_text(encoding="utf-8")
    parser = build_parser()
    (sub,) = (a for a in parser._actions if a.dest == "command")
    command = sub.choices["import-users"]  # type: ignore[index]
    for action in command._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert flag in text, flag
