"""Every installed package is typed (``py.typed``, shipped as package data), and the README says
how an editable install stays visible to mypy."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_ships_py_typed() -> None:
    tomllib = pytest.importorskip("tomllib")
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"][
        "setuptools"
    ]
    assert "py.typed" in setuptools["package-data"]["*"]
    packages = [p.rstrip("*") for p in setuptools["packages"]["find"]["include"]]
    assert packages
    for package in packages:
        assert (ROOT / package / "py.typed").is_file(), package


def test_readme_shows_the_editable_install_mypy_can_follow() -> None:
    development = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## Development\n", 1)[1]
    assert "pip install -e . --config-settings editable_mode=strict" in development
