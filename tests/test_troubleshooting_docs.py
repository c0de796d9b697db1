"""The operator pages: every reason string and check id has its anchor in docs/troubleshooting.md,
the doctor links to it, the production checklist lists every check, and every Python example of
docs/troubleshooting.md, production.md, runbook.md and deploy.md runs as written.

The reason strings and check ids are read from the code (the enums, the constants, the strings the
modules return), never from a list kept here: a reason or a check added to the code without its
section in troubleshooting.md fails this test.
"""

from __future__ import annotations

import ast
import contextlib
import email.utils
import io
import json
import re
import time
from pathlib import Path

import httpx
import pytest

from clerk_core import doctor
from clerk_core.__main__ import main
from clerk_core.errors import TokenVerificationErrorReason
from clerk_core.origin import CROSS_ORIGIN_REASON
from clerk_core.state import AuthErrorReason
from clerk_core.testing import LocalClerkInstance
from tests.test_docs import anchors

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TROUBLESHOOTING = DOCS / "troubleshooting.md"
PAGES = [DOCS / name for name in ("troubleshooting.md", "production.md", "runbook.md", "deploy.md")]
REFRESH_PREFIX = f"{AuthErrorReason.SESSION_TOKEN_EXPIRED.value}-refresh-"


def source(relative: str) -> str:
    return (ROOT / relative).read_text(encoding="utf-8")


# ------------------------------------------------------------------------------ from the code


def literal_reasons() -> set[str]:
    """Reason strings written as literals: ``"reason": "malformed-url"``, ``reason = "..."``,
    the webhook failures (``_fail("timestamp-too-old", ...)``) and their default."""
    found: set[str] = set()
    for path in sorted((ROOT / "clerk_core").rglob("*.py")):
        if "testing" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'"reason":\s*"([a-z][a-z-]+)"', text))
        found |= set(re.findall(r'\breason = "([a-z][a-z-]+)"', text))
        found |= set(re.findall(r'\breason: str = "([a-z][a-z-]+)"', text))
        found |= set(re.findall(r'\b_fail\(\s*"([a-z][a-z-]+)"', text))
    return found


def refresh_errors() -> set[str]:
    """The ``<cause>`` of ``session-token-expired-refresh-<cause>``: the strings clerk_core/_refresh.py
    returns or assigns to ``refresh_error``."""
    tree = ast.parse(source("clerk_core/_refresh.py"))
    found: set[str] = set()
    for node in ast.walk(tree):
        returned = isinstance(node, ast.Return)
        assigned = isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "refresh_error" for t in node.targets
        )
        value = getattr(node, "value", None) if returned or assigned else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            found.add(value.value)
    return found


def all_reasons() -> set[str]:
    reasons = {r.value for r in AuthErrorReason} | {r.value for r in TokenVerificationErrorReason}
    reasons |= {CROSS_ORIGIN_REASON} | literal_reasons()
    reasons |= {REFRESH_PREFIX + cause for cause in refresh_errors()}
    return reasons


def doctor_check_ids() -> set[str]:
    """Every check id the doctor can report: the first argument of ``CheckResult(...)``, of
    ``_ok(...)`` and of any helper of the module taking a ``check_id``, in every module that
    builds a ``CheckResult``."""
    found: set[str] = set()
    for path in sorted(ROOT.glob("clerk_*/**/*.py")):
        text = path.read_text(encoding="utf-8")
        if "CheckResult" not in text:
            continue
        tree = ast.parse(text)
        builders = {"CheckResult", "_ok"} | {
            f.name
            for f in ast.walk(tree)
            if isinstance(f, ast.FunctionDef) and f.args.args and f.args.args[0].arg == "check_id"
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name not in builders:
                continue
            first = node.args[0] if node.args else None
            first = next((k.value for k in node.keywords if k.arg == "id"), first)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def django_check_ids() -> set[str]:
    found: set[str] = set()
    for path in sorted((ROOT / "clerk_django").rglob("*.py")):
        found |= set(re.findall(r'"(clerk\.[EW]\d{3})"', path.read_text(encoding="utf-8")))
    return found


def test_the_code_yields_the_lists_this_test_checks() -> None:
    """The scans find what they look for (a scan that finds nothing would let anything pass)."""
    assert REFRESH_PREFIX + "non-eligible-non-get" in all_reasons()
    assert {"malformed-url", "session-pending", "timestamp-too-old"} <= literal_reasons()
    assert {"secret_key", "backend_api", "clock_skew", "settings"} <= doctor_check_ids()
    assert {"clerk.E001", "clerk.W005"} <= django_check_ids()


# ------------------------------------------------------------------------------ anchors


@pytest.mark.parametrize("reason", sorted(all_reasons()))
def test_every_reason_string_has_an_anchor(reason: str) -> None:
    assert reason in anchors(TROUBLESHOOTING), f"docs/troubleshooting.md has no #{reason}"


@pytest.mark.parametrize("check_id", sorted(doctor_check_ids()))
def test_every_doctor_check_has_an_anchor(check_id: str) -> None:
    assert check_id in anchors(TROUBLESHOOTING), f"docs/troubleshooting.md has no #{check_id}"


@pytest.mark.parametrize("check_id", sorted(django_check_ids()))
def test_every_django_system_check_has_an_anchor(check_id: str) -> None:
    assert check_id in anchors(TROUBLESHOOTING), f"docs/troubleshooting.md has no #{check_id}"


@pytest.mark.parametrize("check_id", sorted(doctor_check_ids()))
def test_the_production_checklist_lists_every_doctor_check(check_id: str) -> None:
    page = (DOCS / "production.md").read_text(encoding="utf-8")
    assert f"(troubleshooting.md#{check_id})" in page


# ------------------------------------------------------------------------------ the doctor's links


def clerk_apis(instance: LocalClerkInstance) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/jwks.json":
            response = httpx.Response(200, json=instance.jwks())
        else:
            response = instance.backend.handle_request(request)
        response.headers["Date"] = email.utils.formatdate(time.time(), usegmt=True)
        return response

    return httpx.MockTransport(answer)


INSTANCE = LocalClerkInstance()


def run_doctor(environ: dict[str, str], *args: str) -> tuple[int, str]:
    instance = INSTANCE
    out = io.StringIO()
    with httpx.Client(transport=clerk_apis(instance)) as client:
        code = main(["doctor", *args], http_client=client, environ=environ, stdout=out)
    return code, out.getvalue()


def healthy_environ() -> dict[str, str]:
    instance = INSTANCE
    return {
        "CLERK_PUBLISHABLE_KEY": instance.publishable_key,
        "CLERK_SECRET_KEY": instance.secret_key,
        "CLERK_API_URL": instance.api_url,
        "CLERK_AUTHORIZED_PARTIES": "http://localhost:8000",
    }


def test_each_json_result_links_to_its_section() -> None:
    code, out = run_doctor(healthy_environ(), "--json")
    assert code == doctor.EXIT_OK
    results = json.loads(out)
    assert results
    for result in results:
        assert result["docs"] == f"docs/troubleshooting.md#{result['id']}"
        assert result["id"] in anchors(TROUBLESHOOTING)


def test_a_finding_prints_its_link_and_a_passing_check_does_not() -> None:
    environ = {**healthy_environ(), "CLERK_SECRET_KEY": "sk_test_short"}
    code, out = run_doctor(environ)
    assert code == doctor.EXIT_ERROR
    lines = out.splitlines()
    secret = next(line for line in lines if line.startswith("ERROR   secret_key:"))
    assert secret.endswith(" See: docs/troubleshooting.md#secret_key")
    passing = next(line for line in lines if line.startswith("OK      publishable_key:"))
    assert "See:" not in passing
    assert "sk_test_short" not in out


def test_every_result_of_a_broken_set_up_links_to_an_existing_anchor() -> None:
    """Errors and warnings of many kinds, each pointing to a section that exists."""
    environ = {
        **healthy_environ(),
        "CLERK_AUTHORIZED_PARTIES": "",
        "CLERK_DOMAIN": "sat.example.com",
        "CLERK_WEBHOOK_SIGNING_SECRET": "whsec_bad",
        "ENV": "production",
    }
    _, out = run_doctor(environ, "--json")
    results = json.loads(out)
    statuses = {r["id"]: r["status"] for r in results}
    assert statuses["authorized_parties"] == "warning"
    assert statuses["satellite"] == "warning"
    assert statuses["webhook_secret"] == "error"
    assert statuses["environment"] == "warning"
    for result in results:
        target = result["docs"].removeprefix("docs/troubleshooting.md#")
        assert target in anchors(TROUBLESHOOTING), result


# ------------------------------------------------------------------------------ the examples


def blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_each_pages_examples_run_in_order(page: Path) -> None:
    """A page's examples run one after the other in one namespace, as a reader pastes them (a
    later block may use a name an earlier one defined); ```py blocks are not run."""
    runnable = [b for b in blocks(page) if "def test_" not in b]
    assert runnable, f"{page.name} has no ```python example"
    namespace: dict[str, object] = {"__name__": "docs_example"}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for code in runnable:
            exec(compile(code, str(page), "exec"), namespace)  # noqa: S102
    # A top-level ``print(...)  # what it prints (an aside)`` prints that, in this order.
    lines = iter(printed.getvalue().splitlines())
    for code in runnable:
        for line in code.splitlines():
            if line.startswith("print(") and "  # " in line:
                said = line.split("  # ", 1)[1].split(" (", 1)[0]
                assert any(got == said for got in lines), f"{page.name}: {line}"


@pytest.mark.parametrize(
    "code",
    [b for page in PAGES for b in blocks(page) if "def test_" in b],
    ids=lambda code: code.strip().splitlines()[0][:40],
)
def test_each_test_example_passes(code: str, pytester: pytest.Pytester) -> None:
    """A block holding ``def test_`` is a test file: it passes under pytest, the test kit's
    plugin loaded as an installed package loads it."""
    pytester.makepyfile(code)
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "-p", "no:django")
    result.assert_outcomes(passed=code.count("def test_"))
