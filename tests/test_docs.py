"""The docs stand alone: every pointer in the code, the docs and the README leads to a page of this
repository, and every link between the pages (with its anchor) resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
SOURCES = sorted(
    p
    for tree in (
        "clerk_core",
        "clerk_starlette",
        "clerk_django",
        "clerk_flask",
        "example_apps",
        "benchmarks",
        "tests",
    )
    for p in (ROOT / tree).rglob("*.py")
)
# Files outside the repository that a reader of a plain clone does not have.
FOREIGN = re.compile(r"\.\./shared|shared/security-vectors|shared/docs|DESIGN(\.md)?\b")
# The tests that read the workspace's extra vectors (an optional cross-check) may name them.
READS_EXTRA_VECTORS = {"conftest.py", "test_vectors.py", "test_token_location_adapters.py"}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = page.read_text(encoding="utf-8")
    found = {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.MULTILINE)}
    found |= set(re.findall(r'<a id="([^"]+)"></a>', text))
    return found


@pytest.mark.parametrize("path", [*PAGES, *SOURCES], ids=rel)
def test_no_pointer_leaves_the_repository(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    if path.name in READS_EXTRA_VECTORS or path == Path(__file__).resolve():
        return
    assert not FOREIGN.search(text), FOREIGN.search(text)


@pytest.mark.parametrize("path", PAGES, ids=rel)
def test_links_between_pages_resolve(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for target, anchor in re.findall(r"\]\(([^)#\s]*\.md)?(?:#([^)\s]+))?\)", text):
        if not target and not anchor:
            continue
        page = (path.parent / target).resolve() if target else path
        assert page.is_file(), f"{rel(path)} links to {target}, which does not exist"
        if anchor:
            assert anchor in anchors(page), f"{rel(path)} links to {target}#{anchor}"


def test_numbered_policies_and_sections_exist() -> None:
    """ "Policy N" and "clerk-semantics §N" in the code and docs name a policy or section that the
    docs define."""
    policies = anchors(ROOT / "docs" / "policies.md")
    semantics = (ROOT / "docs" / "clerk-semantics.md").read_text(encoding="utf-8")
    sections = set(re.findall(r"^## (\d+)\. ", semantics, re.MULTILINE))
    for path in [*PAGES, *SOURCES]:
        text = path.read_text(encoding="utf-8")
        for number in re.findall(r"\bPolic(?:y|ies) (\d+)", text):
            assert f"policy-{number}" in policies, f"{rel(path)}: Policy {number}"
        for number in re.findall(r"clerk-semantics(?:\.md)? §(\d+)", text):
            assert number in sections, f"{rel(path)}: clerk-semantics §{number}"
