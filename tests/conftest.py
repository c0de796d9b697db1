"""Test infrastructure: a loopback-only socket guard, a fake clock, and the hostile-input corpus.

The project's own corpus lives in ``tests/corpus`` (written by ``tests/corpus/generate.py``) and
always runs. The vectors of the workspace beside a checkout (``../shared/security-vectors``, or the
directory named by ``CLERK_EXTRA_VECTORS``) are an extra cross-check, read in place when present;
``CLERK_EXTRA_VECTORS=none`` turns them off."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

# A webhook signing secret of the project's own (24 bytes), for tests that need a fixed one.
TEST_WEBHOOK_SECRET = "whsec_Y2xlcmstaW50ZWdyYXRpb25zLXRlc3Rz"

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus"
_EXTRA = os.environ.get("CLERK_EXTRA_VECTORS", "")
_EXTRA_OFF = _EXTRA.lower() == "none"
VECTORS = Path(_EXTRA or ROOT.parent / "shared" / "security-vectors")


def extra_path(name: str) -> Path | None:
    """A file of the extra vectors, or ``None`` when it is absent or they are turned off."""
    path = VECTORS / name
    return path if not _EXTRA_OFF and path.is_file() else None


def extra_absent(name: str) -> str:
    """The skip reason for a test of the extra vectors when ``name`` is not there."""
    where = (
        "turned off (CLERK_EXTRA_VECTORS=none)" if _EXTRA_OFF else f"not present: {VECTORS / name}"
    )
    return f"extra vectors {where}; the project's corpus ran instead"


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def load_corpus(name: str) -> dict[str, Any]:
    """A file of the project's own corpus (``tests/corpus``); it is always there."""
    data: dict[str, Any] = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    return data


def load_vectors(name: str) -> dict[str, Any]:
    """A file of the extra vectors, read in place; the test skips when it is absent (the
    project's corpus covers the same ground and always runs)."""
    path = extra_path(name)
    if path is None:
        pytest.skip(extra_absent(name))
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def vectors_or_empty(name: str) -> dict[str, Any]:
    """For parametrisation at collection time: an empty dict when the file is absent."""
    path = extra_path(name)
    if path is None:
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def extra_cases(cases: Sequence[Any], name: str, case_id: Callable[[int, Any], str]) -> list[Any]:
    """The cases of an extra-vector file as ``pytest.param``s, or, when the file is absent, one
    skipped parameter whose reason says so (pytest's own would only say "empty parameter set")."""
    if not cases:
        skip = pytest.mark.skip(reason=extra_absent(name))
        return [pytest.param(None, marks=skip, id="absent")]
    return [pytest.param(case, id=case_id(i, case)) for i, case in enumerate(cases)]


class FakeClock:
    """A settable clock (Unix seconds); thread-safe enough for tests."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class ConnectionLog:
    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []
        self._lock = threading.Lock()

    def record(self, host: str, port: int) -> None:
        with self._lock:
            self.peers.append((host, port))


def _host_of(address: Any) -> tuple[str, int] | None:
    if isinstance(address, tuple) and len(address) >= 2:
        return str(address[0]), int(address[1])
    return None  # AF_UNIX paths and the like


@pytest.fixture(autouse=True)
def fresh_host_warning_budget() -> None:
    """Each test starts with the bad-Host warning budget full (clerk_core.hosts allows ten
    warnings a minute process-wide), so a test that expects the warning sees it."""
    from clerk_core import hosts

    hosts._HOST_WARNINGS.reset()


@pytest.fixture(autouse=True)
def socket_guard(monkeypatch: pytest.MonkeyPatch) -> ConnectionLog:
    """Refuse every connection that leaves loopback, and record the loopback ones."""
    log = ConnectionLog()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        peer = _host_of(address)
        if peer is None:
            return
        host, port = peer
        if host not in _LOOPBACK:
            raise ConnectionRefusedError(
                f"test tried to reach {host}:{port} (only loopback allowed)"
            )
        log.record(host, port)

    def guarded_connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    real_getaddrinfo = socket.getaddrinfo

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and str(name) not in _LOOPBACK:
            raise socket.gaierror(f"test tried to resolve {name!r} (only loopback allowed)")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    return log


@pytest.fixture
def redis_port(tmp_path: Path) -> Iterator[int]:
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing: .ci/run installs Debian's redis-server")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                raise
            time.sleep(0.05)
    yield port
    client.close()
    process.terminate()
    process.wait(10)
