"""Observable auth decisions: one structured event per request state the engine produces.

Every request state from :meth:`Clerk.authenticate_request <clerk_core.Clerk.authenticate_request>`,
:meth:`~clerk_core.Clerk.authenticate_request_async` and :meth:`~clerk_core.Clerk.remembered_state`
becomes one :class:`AuthEvent` (status, reason, token type and source, whether the verified-token
memory answered, where the signing key came from, duration, handshake and refresh outcome), handed
to the ``on_auth_event`` hook of :class:`~clerk_core.ClerkOptions` and, with ``debug=True``, logged
through the stdlib logger ``clerk_core.events`` with structured ``extra`` fields.

An event never holds a token, a signature, a cookie value, a key or a secret: only Clerk's reason
strings, token type names and a few flags. User, session and organization ids are added only when
the app opts in (``auth_events_include_ids=True``). A hook that raises never breaks a request: the
first failure of each hook is logged, and requests go on.

:class:`DecisionRecorder` keeps the last decisions in memory (and, optionally, in a JSON Lines
file) for the debug bundle (``python -m clerk_core doctor --bundle``). :mod:`clerk_core.otel` maps
the same events to OpenTelemetry. See docs/observability.md.

With no hook and ``debug`` off, the engine pays one attribute test per request.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

from .keys import PEMKeySource, waited_for_fetch
from .state import AuthStatus, RequestState

if TYPE_CHECKING:
    from .backend_api._call import Call
    from .clerk import Clerk

__all__ = [
    "LOGGER_NAME",
    "AuthEvent",
    "AuthEventHook",
    "BackendAPICall",
    "DecisionRecorder",
    "JWKSFetch",
    "KeySource",
    "read_events_file",
    "subscribe",
]

LOGGER_NAME = "clerk_core.events"
"""The logger ``debug=True`` writes each decision to (at ``INFO``), and hook failures to."""

logger = logging.getLogger(LOGGER_NAME)

KeySource = Literal["cached", "fetched", "pem"]
EntryPoint = Literal[
    "authenticate_request",
    "authenticate_request_async",
    "remembered_state",
    "remembered_cookie_state",
]

_REFRESH_PREFIX = "session-token-expired-refresh-"
_LABEL = re.compile(r"[^A-Za-z0-9._:-]")


def _label(value: object, limit: int = 80) -> str | None:
    """A short label: reason strings and type names are Clerk's constants, but a label never
    carries more than letters, digits and ``._:-`` (so no token or header text can ride in)."""
    if value is None:
        return None
    return _LABEL.sub("", str(value))[:limit] or None


@dataclasses.dataclass(frozen=True)
class AuthEvent:
    """One auth decision: what the engine made of one request.

    ``status`` is ``"signed-in"``, ``"signed-out"`` or ``"handshake"``; ``reason`` Clerk's reason
    string (``None`` when signed in); ``token_type`` the token type judged (``"session_token"``,
    ``"api_key"``...); ``token_source`` ``"header"`` (the ``Authorization`` token), ``"cookie"``
    (the session cookies) or ``None`` (an unexpected error).

    ``memory_hit`` is true when the verified-token memory answered (no signature checked).
    ``key_source`` says where the signing key of a token verified on this request came from:
    ``"fetched"`` (the request waited for a JWKS fetch), ``"cached"`` (the key was in the JWKS
    cache), ``"pem"`` (networkless ``jwt_key``), or ``None`` (no signature was checked, or it
    failed before: see ``reason``).

    ``handshake`` is ``"redirect"`` (the browser is sent to Clerk's handshake) or ``"resolved"``
    (the handshake's return trip set fresh cookies); ``refresh`` is ``"refreshed"`` (an expired
    session token was exchanged for a fresh one) or Clerk's refresh error (``"fetch-error"``,
    ``"non-eligible-no-refresh-cookie"``...). ``duration_ms`` is the time the engine took,
    ``timestamp`` the engine clock's Unix time when it finished, ``entry_point`` the engine method
    that produced the state, ``frontend_api`` the Clerk instance's Frontend API host.

    ``user_id``, ``session_id`` and ``org_id`` are set only with ``auth_events_include_ids=True``
    (signed-in requests; ``user_id`` is the subject a machine token acts for, when it has one).
    """

    status: str
    reason: str | None
    token_type: str | None
    token_source: str | None
    memory_hit: bool
    key_source: KeySource | None
    handshake: str | None
    refresh: str | None
    duration_ms: float
    entry_point: str
    timestamp: float
    frontend_api: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    org_id: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.status == AuthStatus.SIGNED_IN.value

    def as_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict (stable field names; ids only when set)."""
        data = dataclasses.asdict(self)
        for name in ("user_id", "session_id", "org_id"):
            if data[name] is None:
                del data[name]
        return data


AuthEventHook = Callable[[AuthEvent], None]
"""What ``ClerkOptions(on_auth_event=...)`` takes: a callable receiving each :class:`AuthEvent`.

A hook object that also has an ``attach_engine(engine)`` method is given each engine built with
it, at construction (:mod:`clerk_core.otel` uses it to reach the engine's JWKS cache and Backend
API client)."""


@dataclasses.dataclass(frozen=True)
class JWKSFetch:
    """One fetch of the Backend API JWKS (for metrics): ``ok``, the HTTP ``status`` (``None`` when
    no answer came), Clerk's ``reason`` on failure, the number of keys on success, and how long
    the fetch took."""

    ok: bool
    status: int | None
    reason: str | None
    key_count: int
    duration_ms: float


@dataclasses.dataclass(frozen=True)
class BackendAPICall:
    """One Backend API call, as it ended (for metrics).

    ``endpoint`` is the path template (``/users/{user_id}``; ids in a raw path become ``{id}``),
    ``status`` the last answer's HTTP status (``None`` when none came), ``failure`` what went
    wrong (``"network_error"``, ``"timeout"``, ``"circuit_open"``, ``"response_too_large"``, or
    Clerk's error code), ``attempts`` how many requests were sent (``0``: refused by the open
    circuit), ``circuit_open`` the circuit's state once the call ended."""

    method: str
    endpoint: str
    status: int | None
    failure: str | None
    attempts: int
    duration_ms: float
    circuit_open: bool

    @property
    def retries(self) -> int:
        return max(0, self.attempts - 1)


# ------------------------------------------------------------------------------ the observer


class _Observer:
    """What an engine with a hook (or ``debug``) calls around each request; built by
    :func:`observer_for`. ``listeners`` is replaced, never mutated, so a request reads a
    consistent tuple without a lock."""

    __slots__ = ("_failed", "clock", "frontend_api", "include_ids", "listeners", "log", "pem")

    def __init__(
        self,
        engine: Clerk,
        listeners: tuple[AuthEventHook, ...],
        log: bool,
    ) -> None:
        opts = engine.options
        self.clock: Callable[[], float] = engine._clock
        self.frontend_api = opts.frontend_api
        self.include_ids = opts.auth_events_include_ids
        self.listeners = listeners
        self.log = log
        self.pem = isinstance(engine.keys, PEMKeySource)
        self._failed: set[int] = set()

    def start(self) -> float:
        """Called first by each entry point (only when an observer exists)."""
        waited_for_fetch.set(False)
        return time.perf_counter()

    def emit(self, state: RequestState, started: float, entry_point: EntryPoint) -> None:
        """Build the request's event and hand it to the log and each hook; never raises."""
        elapsed = time.perf_counter() - started
        try:
            event = build_event(self, state, elapsed, entry_point)
        except Exception:  # a bug here must not break the request
            self._failure(0, "Clerk: could not build an auth decision event")
            return
        if self.log:
            log_event(event)
        for hook in self.listeners:
            try:
                hook(event)
            except Exception:
                self._failure(id(hook), f"Clerk: the auth event hook {_name(hook)} raised")

    def _failure(self, key: int, text: str) -> None:
        """Log the first failure of each hook (with its traceback), then stay quiet."""
        if key in self._failed:
            return
        self._failed.add(key)
        logger.exception("%s; later failures of it are not logged. Requests go on.", text)


def _name(hook: object) -> str:
    name = getattr(hook, "__qualname__", None) or type(hook).__qualname__
    return str(name)


def observer_for(engine: Clerk, extra: tuple[AuthEventHook, ...] = ()) -> _Observer | None:
    """The observer an engine's options ask for (``on_auth_event``, ``debug``), with ``extra``
    hooks; ``None`` when there is nothing to observe (the engine's per-request cost is then one
    attribute test). A hook with ``attach_engine`` is given the engine once."""
    opts = engine.options
    hook = opts.on_auth_event
    hooks: tuple[AuthEventHook, ...] = ((hook,) if hook is not None else ()) + extra
    if not hooks and not opts.debug:
        return None
    return _Observer(engine, hooks, bool(opts.debug))


def attach_hook(engine: Clerk) -> None:
    """Give the options' hook the engine when it asks for it (``attach_engine``)."""
    attach = getattr(engine.options.on_auth_event, "attach_engine", None)
    if callable(attach):
        attach(engine)


def subscribe(engine: Clerk, hook: AuthEventHook) -> Callable[[], None]:
    """Add ``hook`` to ``engine``'s auth events, after construction; returns the function that
    removes it. The options' ``on_auth_event`` (if any) keeps receiving events too."""
    observer = engine._observer
    current = observer.listeners if observer is not None else ()
    debug = observer.log if observer is not None else bool(engine.options.debug)
    new = _Observer(engine, (*current, hook), debug)
    if observer is not None:
        new._failed = observer._failed
    engine._observer = new

    def unsubscribe() -> None:
        now = engine._observer
        if now is None or hook not in now.listeners:
            return
        rest = tuple(h for h in now.listeners if h is not hook)
        if not rest and not now.log:
            engine._observer = None
            return
        replaced = _Observer(engine, rest, now.log)
        replaced._failed = now._failed
        engine._observer = replaced

    return unsubscribe


def build_event(
    observer: _Observer, state: RequestState, elapsed: float, entry_point: EntryPoint
) -> AuthEvent:
    """The :class:`AuthEvent` of ``state``: read from the state and the request's flags only,
    never from its token or cookies."""
    status = state.status
    memory_hit = state._remembered is not None
    key_source: KeySource | None = None
    if waited_for_fetch.get():
        key_source = "fetched"
    elif (
        not memory_hit
        and status is AuthStatus.SIGNED_IN
        and state._claims is not None
        and state._machine is None
    ):
        key_source = "pem" if observer.pem else "cached"
    handshake: str | None = None
    if status is AuthStatus.HANDSHAKE:
        handshake = "redirect"
    elif any(name == "access-control-allow-origin" for name, _ in state.headers):
        handshake = "resolved"
    reason = state.reason
    refresh: str | None = None
    if reason is not None and reason.startswith(_REFRESH_PREFIX):
        refresh = _label(reason[len(_REFRESH_PREFIX) :])
    elif (
        status is AuthStatus.SIGNED_IN
        and handshake is None
        and any(name == "set-cookie" for name, _ in state.headers)
    ):
        refresh = "refreshed"
    user_id = session_id = org_id = None
    if observer.include_ids and status is AuthStatus.SIGNED_IN:
        auth = state.to_auth()
        user_id = _label(getattr(auth, "user_id", None), 200)
        session_id = _label(getattr(auth, "session_id", None), 200)
        org_id = _label(getattr(auth, "org_id", None), 200)
    return AuthEvent(
        status=status.value,
        reason=_label(reason),
        token_type=_label(state.token_type),
        token_source=state.token_source,
        memory_hit=memory_hit,
        key_source=key_source,
        handshake=handshake,
        refresh=refresh,
        duration_ms=round(elapsed * 1000.0, 3),
        entry_point=entry_point,
        timestamp=observer.clock(),
        frontend_api=observer.frontend_api,
        user_id=user_id,
        session_id=session_id,
        org_id=org_id,
    )


def log_event(event: AuthEvent) -> None:
    """The ``debug=True`` log line: a readable message, and every field in ``extra`` as
    ``clerk_<field>`` (plus ``clerk_event``, the whole event as a dict) for JSON formatters."""
    if not logger.isEnabledFor(logging.INFO):
        return
    data = event.as_dict()
    extra: dict[str, Any] = {f"clerk_{name}": value for name, value in data.items()}
    extra["clerk_event"] = data
    logger.info(
        "Clerk auth: %s reason=%s token_type=%s source=%s memory=%s key=%s "
        "handshake=%s refresh=%s %.3f ms",
        event.status,
        event.reason or "-",
        event.token_type or "-",
        event.token_source or "-",
        "hit" if event.memory_hit else "miss",
        event.key_source or "-",
        event.handshake or "-",
        event.refresh or "-",
        event.duration_ms,
        extra=extra,
    )


# ------------------------------------------------------------------------------ JWKS and API hooks


def report_jwks_fetch(hook: Callable[[Any], None], started: float, result: Any) -> None:
    """Hand one :class:`JWKSFetch` to ``hook`` (``JWKSCache.on_fetch``); never raises.
    ``started`` is the fetch's ``time.monotonic()`` start."""
    keys = result.keys
    try:
        hook(
            JWKSFetch(
                ok=keys is not None,
                status=result.status,
                reason=None if keys is not None else _label(result.reason),
                key_count=len(keys) if keys is not None else 0,
                duration_ms=round(max(0.0, time.monotonic() - started) * 1000.0, 3),
            )
        )
    except Exception:
        logger.exception("Clerk: the JWKS fetch hook raised; the fetch's result stands.")


_ID_SEGMENT = re.compile(r"^[a-z]{2,12}_[A-Za-z0-9]+$")


def endpoint_of(path: str, ids: Mapping[str, str] | None = None) -> str:
    """A path as a low-cardinality metric label: the segment of each of the call's ``ids``
    becomes ``{name}`` (``/users/{user_id}``), and any other id-like segment (``sess_2abc``) of
    a raw path ``{id}``."""
    named = {quote(value, safe=""): f"{{{name}}}" for name, value in (ids or {}).items()}
    return "/".join(
        named.get(part) or ("{id}" if _ID_SEGMENT.match(part) else part) for part in path.split("/")
    )


def report_api_call(
    hook: Callable[[Any], None],
    call: Call[Any],
    seconds: float,
    attempts: int,
    status: int | None,
    failure: str | None,
    circuit_open: bool,
) -> None:
    """Hand one :class:`BackendAPICall` to ``hook`` (the policy layer's ``on_call``); never
    raises."""
    try:
        hook(
            BackendAPICall(
                method=call.method,
                endpoint=endpoint_of(call.path, call.ids),
                status=status,
                failure=_label(failure),
                attempts=attempts,
                duration_ms=round(max(0.0, seconds) * 1000.0, 3),
                circuit_open=circuit_open,
            )
        )
    except Exception:
        logger.exception("Clerk: the Backend API call hook raised; the call's result stands.")


# ------------------------------------------------------------------------------ the recorder


class DecisionRecorder:
    """The last ``size`` auth decisions, in memory (thread-safe), and optionally appended to a
    JSON Lines file for the debug bundle: install it as the hook,
    ``ClerkOptions(..., on_auth_event=DecisionRecorder(100, path="/var/log/app/clerk-events.jsonl"))``.

    The file is rotated (to ``<path>.1``) when it passes ``max_file_bytes``, so at most twice
    that is kept on disk. A write that fails is logged once and the recorder goes on in memory.
    """

    def __init__(
        self,
        size: int = 100,
        *,
        path: str | os.PathLike[str] | None = None,
        max_file_bytes: int = 1_000_000,
    ) -> None:
        if size < 1:
            raise ValueError("DecisionRecorder(size=...) must be at least 1.")
        self.size = size
        self.path = os.fspath(path) if path is not None else None
        self.max_file_bytes = max_file_bytes
        self._events: collections.deque[AuthEvent] = collections.deque(maxlen=size)
        self._lock = threading.Lock()
        self._write_failed = False

    def __repr__(self) -> str:
        return f"DecisionRecorder(size={self.size}, path={self.path!r}, recorded={len(self)})"

    def __len__(self) -> int:
        return len(self._events)

    def __call__(self, event: AuthEvent) -> None:
        with self._lock:
            self._events.append(event)
            if self.path is not None:
                self._append(event)

    def events(self) -> list[AuthEvent]:
        """The recorded events, oldest first."""
        with self._lock:
            return list(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def _append(self, event: AuthEvent) -> None:
        path = self.path
        assert path is not None
        try:
            if os.path.exists(path) and os.path.getsize(path) >= self.max_file_bytes:
                os.replace(path, path + ".1")
            with open(path, "a", encoding="utf-8") as out:
                out.write(json.dumps(event.as_dict(), separators=(",", ":")) + "\n")
        except OSError as exc:
            if not self._write_failed:
                self._write_failed = True
                logger.warning(
                    "Clerk: could not append auth events to %s (%s); recording in memory only.",
                    path,
                    type(exc).__name__,
                )


def read_events_file(path: str | os.PathLike[str], limit: int = 100) -> list[dict[str, Any]]:
    """The last ``limit`` events a :class:`DecisionRecorder` appended to ``path`` (and its
    rotated ``.1`` file), oldest first, as dicts. Lines that are not event objects are skipped."""
    path = os.fspath(path)
    lines: collections.deque[str] = collections.deque(maxlen=max(0, limit))
    for name in (path + ".1", path):
        try:
            with open(name, encoding="utf-8") as source:
                lines.extend(source)
        except OSError:
            continue
    found: list[dict[str, Any]] = []
    for line in lines:
        try:
            data = json.loads(line)
        except ValueError:
            continue
        if isinstance(data, dict) and "status" in data:
            found.append(data)
    return found
