"""The runnable example of docs/django-users.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "django-users.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.DOTALL)
EXAMPLE = next(b for b in BLOCKS if "def test_clerk_keeps_my_django_users" in b)


@pytest.mark.django_db
def test_the_docs_example_passes(settings: Any) -> None:
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(EXAMPLE, str(PAGE), "exec"), namespace)  # noqa: S102 - our own docs
    namespace["test_clerk_keeps_my_django_users"](settings)
