"""The engine's shape: every module imports on its own, and the engine's modules form no cycle.

docs/architecture.md describes the request flow as modules read top to bottom; a cycle among them
would make that order a lie (and a module that only imports after another one has is a trap for
whoever imports it first).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "clerk_core"
MODULES = sorted(
    p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__" and p.stem != "__about__"
)


def _runtime_imports(path: Path) -> set[str]:
    """The ``clerk_core`` modules ``path`` imports when it is imported: top-level imports only
    (an import inside a function runs later, one under ``if TYPE_CHECKING:`` never)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module is None:
                found.update(alias.name for alias in node.names)
            else:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("clerk_core."):
            found.add((node.module or "").split(".")[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("clerk_core."):
                    found.add(alias.name.split(".")[1])
    return {name for name in found if name in MODULES}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path, or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_engine_modules_form_no_import_cycle() -> None:
    graph = {name: _runtime_imports(PACKAGE / f"{name}.py") for name in MODULES}
    assert _cycle(graph) is None
    # The request flow reads top to bottom: the dispatch imports the steps, never the reverse.
    steps = [name for name in graph if name.startswith("_") or name == "state"]
    assert not [name for name in steps if "clerk" in graph[name]]
    assert graph["state"] <= {"_frozen", "_memory", "auth", "authorization", "errors"}


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_on_its_own(module: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import clerk_core.{module}"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
