"""The ``[all]`` extra installs every other runtime extra, as the README's Installation says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_IN_ALL = {"all", "testing", "e2e", "test"}  # the test kits and the project's test tools


def _requirements(extra: list[str]) -> set[str]:
    return {re.sub(r"\s+", "", r).lower() for r in extra}


def test_all_extra_holds_every_runtime_extra() -> None:
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    everything = _requirements(extras["all"])
    for name, requirements in extras.items():
        if name not in NOT_IN_ALL:
            missing = _requirements(requirements) - everything
            assert not missing, f"[all] lacks [{name}]'s {sorted(missing)}"
    assert "redis>=5" in everything


def test_readme_names_each_runtime_extra() -> None:
    tomllib = pytest.importorskip("tomllib")
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    installation = (ROOT / "README.md").read_text(encoding="utf-8").split("## Installation", 1)[1]
    installation = installation.split("\n## ", 1)[0]
    for name in set(extras) - {"test"}:
        assert f"[{name}]" in installation, name
