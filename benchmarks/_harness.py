"""What the benchmarks share: interleaved timing on a noisy machine, and realistic requests.

Timing: the subjects of a comparison run in short blocks, round after round, in a rotated order,
so a slow phase of the machine (another process, a frequency change) hits all of them alike. Each
figure is the median over the rounds, with its spread (the 25th to 75th percentile); a difference
("added") is the median of the per-round differences against the baseline measured in the same
round, so it never compares a quiet moment with a busy one. The fastest round ("best") is given
too: on a busy machine it is the closest to the code's own cost.

Requests: what a browser (a ``fetch`` from a signed-in single-page app, 15 headers with Clerk's
cookies among others) and an API client (``Authorization: Bearer`` among 9 headers) really send.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

HOST = "app.example"
ORIGIN = f"http://{HOST}"

USER_AGENT = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def browser_headers(cookies: Mapping[str, str], *, path: str = "/api/me") -> list[tuple[str, str]]:
    """The 15 headers Chrome sends with a same-origin ``fetch`` (``cookies`` among other cookies:
    analytics, a theme, a CSRF token, as a real site has)."""
    jar = {
        "_ga": "GA1.1.1234567890.1732950000",
        "theme": "dark",
        **cookies,
        "csrftoken": "Zq3vY8m1TQ2bKf0hW9xR4sLpC7nJ6aEd",
        "_ga_ABC123": "GS1.1.1732950000.3.1.1732950100.0.0.0",
    }
    return [
        ("host", HOST),
        ("connection", "keep-alive"),
        ("sec-ch-ua-platform", '"macOS"'),
        ("user-agent", USER_AGENT),
        ("sec-ch-ua", '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'),
        ("sec-ch-ua-mobile", "?0"),
        ("accept", "application/json, text/plain, */*"),
        ("sec-fetch-site", "same-origin"),
        ("sec-fetch-mode", "cors"),
        ("sec-fetch-dest", "empty"),
        ("referer", f"{ORIGIN}/dashboard"),
        ("accept-encoding", "gzip, deflate, br, zstd"),
        ("accept-language", "en-US,en;q=0.9,fr;q=0.8"),
        ("cookie", "; ".join(f"{k}={v}" for k, v in jar.items())),
        ("priority", "u=1, i"),
    ]


def api_headers(token: str | None) -> list[tuple[str, str]]:
    """The 9 headers (8 without a token) an API client sends: ``Authorization: Bearer`` and the
    usual companions (tracing, a request id, a client version)."""
    headers = [
        ("host", HOST),
        ("user-agent", "acme-mobile/4.12.0 (iOS 18.1; iPhone15,2) python-httpx/0.28.1"),
        ("accept", "application/json"),
        ("accept-encoding", "gzip, deflate"),
        ("accept-language", "en-US"),
        ("connection", "keep-alive"),
        ("x-request-id", "5f0c2a8e-9b1d-4c3e-8f7a-2d6b1e9c4a70"),
        ("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
    ]
    if token is not None:
        headers.insert(5, ("authorization", f"Bearer {token}"))
    return headers


def clerk_cookies(
    token: str | None, suffix: str, *, client_uat: int | None = None
) -> dict[str, str]:
    """Clerk's cookies as a browser holds them: suffixed and unsuffixed ``__session`` and
    ``__client_uat`` (clerk-js writes both), ``__client_uat=0`` when signed out."""
    uat = "0" if client_uat is None else str(client_uat)
    cookies = {"__client_uat": uat, f"__client_uat_{suffix}": uat}
    if token is not None:
        cookies["__session"] = token
        cookies[f"__session_{suffix}"] = token
    return cookies


# ------------------------------------------------------------------------------------ timing
@dataclass(frozen=True)
class Figure:
    """Microseconds per call over the rounds: median and the 25th-75th percentile spread."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def best(self) -> float:
        """The fastest round: other processes only ever add time, so on a busy machine this is
        the closest to the code's own cost (the median says what a typical moment costs)."""
        return min(self.samples)

    @property
    def low(self) -> float:
        return _quantile(self.samples, 0.25)

    @property
    def high(self) -> float:
        return _quantile(self.samples, 0.75)

    def __format__(self, spec: str) -> str:
        return format(self.median, spec or ".1f")

    def spread(self) -> str:
        return f"{self.low:.1f}-{self.high:.1f}"


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = q * (len(ordered) - 1)
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def interleaved(
    subjects: Mapping[str, Callable[[], object]], calls: int, rounds: int
) -> dict[str, Figure]:
    """Microseconds per call of each subject: ``rounds`` blocks of ``calls`` calls each,
    the subjects' order rotated every round."""
    names = list(subjects)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for r in range(rounds):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            fn = subjects[name]
            gc.collect()
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append((time.perf_counter() - start) / calls * 1e6)
    return {name: Figure(tuple(values)) for name, values in samples.items()}


def added(subject: Figure, baseline: Figure) -> Figure:
    """Per-round differences ``subject - baseline`` (the rounds were interleaved)."""
    return Figure(tuple(s - b for s, b in zip(subject.samples, baseline.samples, strict=True)))


def best_added(subject: Figure, baseline: Figure) -> float:
    """``subject.best - baseline.best``: the difference of the fastest rounds."""
    return subject.best - baseline.best


def ratio(subject: Figure, baseline: Figure) -> Figure:
    """Per-round ratios ``subject / baseline``."""
    return Figure(tuple(s / b for s, b in zip(subject.samples, baseline.samples, strict=True)))
