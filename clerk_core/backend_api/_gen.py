"""Generate the sync client from the async one: ``python clerk_core/backend_api/_gen.py``.

Every ``*_async.py`` module of this package is the source of a ``*_sync.py`` twin, checked in next
to it. The rewriting is token-level and small enough to read here (as ``unasync`` does): ``async
def`` / ``async with`` / ``async for`` lose ``async``, ``await`` goes, and the async names become
their sync pairs (``AsyncBackendAPI`` -> ``BackendAPI``, ``httpx.AsyncClient`` -> ``httpx.Client``,
``aread_capped`` -> ``read_capped``, ``aclose`` -> ``close``, ``_AsyncUsers`` -> ``_Users``,
``ASYNC_SLEEP`` -> ``SLEEP``, ``_client_async`` -> ``_client_sync``). The sources are written so
that the rewritten text is already formatted and sorted (every multi-line bracket ends with a comma,
so a shorter sync line is never re-joined by ``ruff format``).

``python clerk_core/backend_api/_gen.py --check`` changes nothing and exits with 1 when a twin is
not what its source generates (the test suite makes the same check). The script needs only the
standard library and runs as a file, so it works even when a broken twin stops the package from
importing (``python -m clerk_core.backend_api._gen`` works too, when it imports).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

__all__ = ["PACKAGE", "generate", "stale", "twins"]

PACKAGE = Path(__file__).resolve().parent

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(pattern), replacement)
    for pattern, replacement in [
        (r"\basync (def|with|for)\b", r"\1"),
        (r"\bawait ", ""),
        (r"\b__aenter__\b", "__enter__"),
        (r"\b__aexit__\b", "__exit__"),
        (r"\baclose\b", "close"),
        (r"\baread_capped\b", "read_capped"),
        (r"\b(_\w+)_async\b", r"\1_sync"),
        (r"\bASYNC_", ""),
        (r"\b_Async(?=[A-Z])", "_"),
        (r"\bAsync(?=[A-Z])", ""),
        (r"\b[Aa]n async\b", "A sync"),  # prose: "The async client" -> "The sync client"
        (r"\bThe async\b", "The sync"),
        (r"\bthe async\b", "the sync"),
    ]
]


def twins(package: Path = PACKAGE) -> list[tuple[Path, Path]]:
    """``(source, twin)`` for each ``*_async.py`` module of the package."""
    return [
        (source, source.with_name(source.name[: -len("_async.py")] + "_sync.py"))
        for source in sorted(package.glob("*_async.py"))
    ]


def generate(source: str, name: str) -> str:
    """The sync twin of the async module text ``source`` (``name`` is its file name).

    The source starts with its docstring; the twin's docstring is the first paragraph of it,
    rewritten, and a notice saying where the twin comes from."""
    if not source.startswith('"""'):
        raise ValueError(f"{name} must start with its docstring")
    end = source.index('"""', 3)
    summary = source[3:end].split("\n\n")[0].rstrip()
    rest = source[end + 3 :]
    for pattern, replacement in _RULES:
        summary = pattern.sub(replacement, summary)
        rest = pattern.sub(replacement, rest)
    notice = (
        f"Generated from ``{name}`` by ``python clerk_core/backend_api/_gen.py``: do not edit\n"
        "this file; edit the source and run the script."
    )
    return f'"""{summary}\n\n{notice}\n"""' + rest


def stale(package: Path = PACKAGE) -> list[Path]:
    """The twins that differ from what their source generates."""
    out = []
    for source, twin in twins(package):
        wanted = generate(source.read_text(encoding="utf-8"), source.name)
        if not twin.exists() or twin.read_text(encoding="utf-8") != wanted:
            out.append(twin)
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        old = stale()
        for twin in old:
            print(f"{twin} is out of date: run python clerk_core/backend_api/_gen.py")
        return 1 if old else 0
    for source, twin in twins():
        wanted = generate(source.read_text(encoding="utf-8"), source.name)
        if not twin.exists() or twin.read_text(encoding="utf-8") != wanted:
            twin.write_text(wanted, encoding="utf-8")
            print(f"wrote {twin}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
