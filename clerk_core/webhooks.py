"""Clerk webhooks: verification (Svix / Standard Webhooks), events, a router with idempotency.

Verification follows Clerk's ``verifyWebhook`` on top of the
``standardwebhooks`` package, whose secret decoding and HMAC this module uses. It owns the parts where
that package is lax or leaks exceptions: headers are read case-insensitively,
``svix-*`` before ``webhook-*``, trimmed, and reported by name when missing; a timestamp is whole
seconds, optionally with a fraction that is ignored (as Clerk's ``parseInt`` does), and must be
within 5 minutes either way of an injectable clock; the signature header is a space-separated list
of ``version,base64`` entries where only ``v1`` counts and every entry is compared in constant time;
the HMAC covers the raw body bytes (so a body is never re-serialised or decoded first); the body size
is capped before any work; the secret is validated once, at construction.

Every failure is a :class:`WebhookVerificationError` with a ``reason`` and a ``status_code`` (400, or
413 for an oversized body), never ``ValueError`` or ``binascii.Error``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import fnmatch
import hmac
import inspect
import json
import logging
import os
import re
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from standardwebhooks.webhooks import Webhook, hmac_data

from .errors import ClerkConfigurationError, WebhookVerificationError
from .resources import (
    EmailData,
    OrganizationData,
    OrganizationMembershipData,
    SessionData,
    SmsData,
    UserData,
)
from .responses import AuthResponse

if TYPE_CHECKING:
    from .options import ClerkOptions

__all__ = [
    "EmailData",
    "IdempotencyStore",
    "MemoryIdempotencyStore",
    "OrganizationData",
    "OrganizationMembershipData",
    "RedisIdempotencyStore",
    "SessionData",
    "SmsData",
    "UserData",
    "WebhookEvent",
    "WebhookRouter",
    "WebhookVerifier",
    "handle_webhook",
    "handle_webhook_async",
    "verify_webhook",
]

logger = logging.getLogger("clerk_core.webhooks")

TOLERANCE_SECONDS = 300
DEFAULT_MAX_BODY = 1024 * 1024
# Unix seconds, no sign, no leading zero, no white space; a fraction (``1796022910.906``) is accepted
# and dropped, as standardwebhooks' ``parseInt(header, 10)`` behind Clerk's ``verifyWebhook`` does.
_TIMESTAMP = re.compile(r"(0|[1-9][0-9]{0,11})(?:\.[0-9]*)?")
_B64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_MIN_KEY_BYTES = 24
_HEADERS = ("id", "timestamp", "signature")


def _fail(reason: str, message: str, status: int = 400) -> WebhookVerificationError:
    return WebhookVerificationError(
        f"Unable to verify incoming webhook: {message}", reason=reason, status_code=status
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """``svix-<name>``, else ``webhook-<name>``; case-insensitive; blank means missing. Values are
    trimmed, except the timestamp, which must be a number and nothing else (no white space)."""
    lowered = {k.lower(): v for k, v in headers.items()} if not _all_lower(headers) else headers
    for prefix in ("svix-", "webhook-"):
        value = lowered.get(prefix + name)
        if isinstance(value, str) and value.strip():
            return value if name == "timestamp" else value.strip()
    return None


def _all_lower(headers: Mapping[str, str]) -> bool:
    return all(k == k.lower() for k in headers)


class WebhookVerifier:
    """Verifies deliveries for one signing secret (``whsec_...``), validated here, once."""

    def __init__(
        self,
        signing_secret: str | None = None,
        *,
        tolerance: int = TOLERANCE_SECONDS,
        max_body_bytes: int = DEFAULT_MAX_BODY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        secret = signing_secret or os.environ.get("CLERK_WEBHOOK_SIGNING_SECRET", "")
        if not secret:
            raise ClerkConfigurationError(
                "Missing webhook signing secret. Set CLERK_WEBHOOK_SIGNING_SECRET (or "
                "webhook_signing_secret) to the signing secret of your endpoint in the Clerk "
                "dashboard (Webhooks > your endpoint > Signing Secret)."
            )
        body = secret[len("whsec_") :] if secret.startswith("whsec_") else secret
        try:
            key = base64.b64decode(body, validate=True) if _B64.fullmatch(body) else b""
        except (binascii.Error, ValueError):
            key = b""
        if len(key) < _MIN_KEY_BYTES:
            raise ClerkConfigurationError(
                "The webhook signing secret is malformed: expected 'whsec_' followed by base64 of at "
                "least 24 bytes. Copy it again from your endpoint in the Clerk dashboard."
            )
        self._webhook = Webhook(key)  # standardwebhooks: the key and its HMAC
        self._key = key
        self.tolerance = tolerance
        self.max_body_bytes = max_body_bytes
        self.clock = clock

    @classmethod
    def from_options(cls, options: ClerkOptions | None) -> WebhookVerifier:
        """The verifier an endpoint uses: the secret and body cap of ``options``, or, with no
        options, ``CLERK_WEBHOOK_SIGNING_SECRET`` and the default cap. Raises
        ``ClerkConfigurationError`` (saying how to fix it) when there is no valid secret."""
        if options is None:
            return cls()
        return cls(options.webhook_signing_secret, max_body_bytes=options.max_webhook_body_bytes)

    def __repr__(self) -> str:
        return f"WebhookVerifier(tolerance={self.tolerance}, max_body_bytes={self.max_body_bytes})"

    def signature_for(self, msg_id: str, timestamp: int, body: bytes) -> str:
        """``v1,<base64 HMAC-SHA256>`` of ``{id}.{timestamp}.{body}``, as Clerk signs."""
        signed = b"%s.%d.%s" % (msg_id.encode("utf-8"), timestamp, body)
        return "v1," + base64.b64encode(hmac_data(self._key, signed)).decode("ascii")

    def verify_signature(self, body: bytes, headers: Mapping[str, str]) -> tuple[str, int]:
        """Check headers, timestamp and signature; returns ``(msg_id, timestamp)``."""
        if len(body) > self.max_body_bytes:
            raise _fail(
                "body-too-large", f"the body exceeds {self.max_body_bytes} bytes", status=413
            )
        values = {name: _header(headers, name) for name in _HEADERS}
        missing = [f"svix-{name}" for name in _HEADERS if values[name] is None]
        if missing:
            raise _fail(
                "missing-headers", "Missing required webhook headers: " + ", ".join(missing)
            )
        msg_id, raw_ts, raw_sig = (
            values["id"] or "",
            values["timestamp"] or "",
            values["signature"] or "",
        )
        seconds = _TIMESTAMP.fullmatch(raw_ts)
        if seconds is None:
            raise _fail("invalid-timestamp", "Invalid Signature Headers")
        # The whole seconds are what the window judges and what the signature covers, as in Clerk.
        timestamp = int(seconds.group(1))
        now = self.clock()
        if now - timestamp > self.tolerance:
            raise _fail("timestamp-too-old", "Message timestamp too old")
        if timestamp - now > self.tolerance:
            raise _fail("timestamp-too-new", "Message timestamp too new")
        expected = base64.b64decode(self.signature_for(msg_id, timestamp, body)[3:])
        matched = False
        for entry in raw_sig.split(" "):
            version, sep, encoded = entry.partition(",")
            if not sep or version != "v1" or "," in encoded or not encoded:
                continue
            if not _B64.fullmatch(encoded) or len(encoded) % 4:
                continue
            try:
                candidate = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                continue
            # Every v1 entry is compared, in constant time, whatever the earlier ones gave.
            matched = hmac.compare_digest(expected, candidate) or matched
        if not matched:
            raise _fail("no-matching-signature", "No matching signature found")
        return msg_id, timestamp

    def verify(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        """Verify a delivery and parse it; the body is parsed only after the signature passed."""
        msg_id, timestamp = self.verify_signature(body, headers)
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise _fail("invalid-payload", "the body is not UTF-8 JSON") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            raise _fail("invalid-payload", "the body is not a Clerk event")
        return WebhookEvent(msg_id, timestamp, payload)


_verifiers: dict[tuple[str, int], WebhookVerifier] = {}
_verifiers_lock = threading.Lock()


def verify_webhook(
    body: bytes,
    headers: Mapping[str, str],
    signing_secret: str | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY,
) -> WebhookEvent:
    """Clerk's ``verifyWebhook``: verify a delivery (raw body bytes + headers) and return the event.

    The secret defaults to ``CLERK_WEBHOOK_SIGNING_SECRET``. Raises :class:`WebhookVerificationError`.
    """
    secret = signing_secret or os.environ.get("CLERK_WEBHOOK_SIGNING_SECRET", "")
    cache_key = (secret, max_body_bytes)
    with _verifiers_lock:
        verifier = _verifiers.get(cache_key)
        if verifier is None:
            verifier = WebhookVerifier(secret, max_body_bytes=max_body_bytes)
            if len(_verifiers) > 64:
                _verifiers.clear()
            _verifiers[cache_key] = verifier
    return verifier.verify(body, headers)


# ---------------------------------------------------------------------------------- events
class WebhookEvent:
    """A verified delivery. ``raw`` is the parsed body; typed views return ``None`` for other types."""

    __slots__ = ("data", "id", "instance_id", "object", "raw", "timestamp", "type")

    def __init__(self, msg_id: str, timestamp: int, payload: dict[str, Any]) -> None:
        self.id = msg_id
        self.timestamp = timestamp
        self.raw = payload
        self.type: str = payload["type"]
        obj = payload.get("object")
        self.object: str | None = obj if isinstance(obj, str) else None
        data = payload.get("data")
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        instance = payload.get("instance_id")
        self.instance_id: str | None = instance if isinstance(instance, str) else None

    def __repr__(self) -> str:
        return f"WebhookEvent(id={self.id!r}, type={self.type!r})"

    def _of(self, prefix: str) -> bool:
        return self.type.startswith(prefix + ".")

    @property
    def user(self) -> UserData | None:
        return UserData(self.data) if self._of("user") else None

    @property
    def organization(self) -> OrganizationData | None:
        return OrganizationData(self.data) if self._of("organization") else None

    @property
    def organization_membership(self) -> OrganizationMembershipData | None:
        return OrganizationMembershipData(self.data) if self._of("organizationMembership") else None

    @property
    def session(self) -> SessionData | None:
        return SessionData(self.data) if self._of("session") else None

    @property
    def email(self) -> EmailData | None:
        return EmailData(self.data) if self._of("email") else None

    @property
    def sms(self) -> SmsData | None:
        return SmsData(self.data) if self._of("sms") else None


# ---------------------------------------------------------------------------------- idempotency
class IdempotencyStore(Protocol):
    """Where processed delivery ids (``svix-id``) are remembered, across processes if need be."""

    def claim(self, key: str, ttl: float) -> bool:
        """Atomically mark ``key`` as being processed; ``False`` if it is processing or done."""

    def is_done(self, key: str) -> bool:
        """Whether ``key`` was processed to the end."""

    def complete(self, key: str, ttl: float) -> None:
        """Mark ``key`` as processed, for ``ttl`` seconds."""

    def release(self, key: str) -> None:
        """Forget a claim whose processing failed, so that Clerk's retry is processed."""


class MemoryIdempotencyStore:
    """A bounded in-process store (the default): fine for one process."""

    def __init__(
        self, *, maxsize: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: dict[str, tuple[str, float]] = {}
        self._maxsize = maxsize
        self._clock = clock
        self._lock = threading.Lock()

    def _get(self, key: str) -> str | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        state, until = entry
        if self._clock() >= until:
            del self._entries[key]
            return None
        return state

    def claim(self, key: str, ttl: float) -> bool:
        with self._lock:
            if self._get(key) is not None:
                return False
            if len(self._entries) >= self._maxsize:
                del self._entries[next(iter(self._entries))]
            self._entries[key] = ("processing", self._clock() + ttl)
            return True

    def is_done(self, key: str) -> bool:
        with self._lock:
            return self._get(key) == "done"

    def complete(self, key: str, ttl: float) -> None:
        with self._lock:
            self._entries[key] = ("done", self._clock() + ttl)

    def release(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


# ---------------------------------------------------------------------------------- router
Handler = Callable[[WebhookEvent], Any]


class WebhookResult:
    """What happened to a delivery: ``status`` is ``"ok"``, ``"ignored"``, ``"duplicate"``,
    ``"in-progress"``, ``"failed"`` (a handler raised) or ``"unavailable"`` (the idempotency store
    could not be reached, so no handler ran)."""

    __slots__ = ("handled", "status")

    def __init__(self, status: str, handled: int = 0) -> None:
        self.status = status
        self.handled = handled

    def __repr__(self) -> str:
        return f"WebhookResult({self.status!r}, handled={self.handled})"


class WebhookRouter:
    """Handlers per event type, with idempotency on the delivery id.

        router = WebhookRouter()

        @router.on("user.created")
        def created(event): ...

        @router.on("user.*")           # wildcards match with fnmatch
        async def any_user_event(event): ...

    A delivery already processed is acknowledged without running handlers again; one whose handler
    raised is forgotten, so that Clerk's retry runs it. ``processed_ttl`` (default 3 days, longer than
    Clerk's retry schedule) says how long a processed id is remembered.

    :meth:`handle_async` awaits async handlers and runs plain ones in a worker thread; :meth:`handle`
    (the sync endpoints of Django and Flask) runs plain handlers only, and refuses a router with a
    coroutine-function handler with :class:`ClerkConfigurationError`: when the endpoint is built,
    when such a handler is registered on a router a sync endpoint serves, or, called directly, when
    an event would reach one.
    """

    def __init__(
        self,
        *,
        store: IdempotencyStore | None = None,
        processed_ttl: float = 3 * 24 * 3600,
        processing_ttl: float = 300,
    ) -> None:
        self.store: IdempotencyStore = store if store is not None else MemoryIdempotencyStore()
        self.processed_ttl = processed_ttl
        self.processing_ttl = processing_ttl
        self._handlers: list[tuple[str, Handler]] = []
        self._sync_endpoint: str | None = None

    def __repr__(self) -> str:
        return f"WebhookRouter({[pattern for pattern, _ in self._handlers]!r})"

    def on(self, *event_types: str) -> Callable[[Handler], Handler]:
        if not event_types:
            raise ValueError("name at least one event type, e.g. router.on('user.created')")

        def register(handler: Handler) -> Handler:
            if self._sync_endpoint is not None and _is_async(handler):
                raise ClerkConfigurationError(
                    f"{_name(handler)} is a coroutine function, but this router is served by "
                    f"{self._sync_endpoint}, which runs handlers synchronously. {_SYNC_FIX}"
                )
            for event_type in event_types:
                self._handlers.append((event_type, handler))
            return handler

        return register

    def require_sync_handlers(self, endpoint: str) -> None:
        """Declare that ``endpoint`` (a sync view) serves this router with :meth:`handle`.

        Raises :class:`ClerkConfigurationError` now if an async handler is registered, and from
        :meth:`on` if one is registered later, so the mistake stops the app at start-up.
        """
        for pattern, handler in self._handlers:
            if _is_async(handler):
                raise ClerkConfigurationError(
                    f"{endpoint} runs webhook handlers synchronously, but the handler "
                    f"{_name(handler)} for {pattern!r} is a coroutine function. {_SYNC_FIX}"
                )
        self._sync_endpoint = endpoint

    def handlers_for(self, event_type: str) -> list[Handler]:
        return [h for pattern, h in self._handlers if fnmatch.fnmatchcase(event_type, pattern)]

    def _claim(self, event: WebhookEvent) -> WebhookResult | None:
        """Claim the delivery in the idempotency store; a result when no handler may run."""
        try:
            if not self.store.claim(event.id, self.processing_ttl):
                done = self.store.is_done(event.id)
                return WebhookResult("duplicate" if done else "in-progress")
        except Exception:
            # Fail closed: without a claim the delivery could run twice, so Clerk retries it later.
            logger.exception(
                "Clerk webhook idempotency store failed for %s (%s)", event.type, event.id
            )
            return WebhookResult("unavailable")
        return None

    def _settle(self, event: WebhookEvent, succeeded: bool) -> None:
        """Mark the delivery done (or forget it so a retry runs it). A store fault here is logged:
        the handlers have run, and the answer to Clerk must say what they did."""
        try:
            if succeeded:
                self.store.complete(event.id, self.processed_ttl)
            else:
                self.store.release(event.id)
        except Exception:
            logger.exception(
                "Clerk webhook idempotency store failed for %s (%s)", event.type, event.id
            )

    def handle(self, event: WebhookEvent) -> WebhookResult:
        """Run the handlers (sync). Raises :class:`ClerkConfigurationError`, before the delivery is
        claimed, when a handler for the event is a coroutine function: use :meth:`handle_async`."""
        handlers = self.handlers_for(event.type)
        for handler in handlers:
            if _is_async(handler):
                raise ClerkConfigurationError(
                    f"WebhookRouter.handle runs handlers synchronously, but the handler "
                    f"{_name(handler)} for {event.type!r} is a coroutine function. {_SYNC_FIX}"
                )
        if not handlers:
            return WebhookResult("ignored")
        refused = self._claim(event)
        if refused is not None:
            return refused
        try:
            for handler in handlers:
                result = handler(event)
                if inspect.isawaitable(result):
                    _discard(result)
                    raise ClerkConfigurationError(
                        f"The handler {_name(handler)} for {event.type!r} returned an awaitable, "
                        f"which WebhookRouter.handle cannot run. {_SYNC_FIX}"
                    )
        except ClerkConfigurationError:
            self._settle(event, succeeded=False)
            raise
        except Exception:
            logger.exception("Clerk webhook handler failed for %s (%s)", event.type, event.id)
            self._settle(event, succeeded=False)
            return WebhookResult("failed")
        self._settle(event, succeeded=True)
        return WebhookResult("ok", len(handlers))

    async def handle_async(self, event: WebhookEvent) -> WebhookResult:
        """Run the handlers (async): coroutine functions are awaited, plain functions run in a worker
        thread (so a blocking handler does not stall the event loop), as do the store calls."""
        handlers = self.handlers_for(event.type)
        if not handlers:
            return WebhookResult("ignored")
        refused = await asyncio.to_thread(self._claim, event)
        if refused is not None:
            return refused
        try:
            for handler in handlers:
                if _is_async(handler):
                    await handler(event)
                else:
                    result = await asyncio.to_thread(handler, event)
                    if inspect.isawaitable(result):
                        await result
        except Exception:
            logger.exception("Clerk webhook handler failed for %s (%s)", event.type, event.id)
            await asyncio.to_thread(self._settle, event, False)
            return WebhookResult("failed")
        await asyncio.to_thread(self._settle, event, True)
        return WebhookResult("ok", len(handlers))

    ahandle = handle_async
    """The former name of :meth:`handle_async`, kept as an alias."""


_SYNC_FIX = (
    "Make the handler a plain function, or serve the router from an async endpoint "
    "(clerk_starlette.webhooks.webhook_endpoint, clerk_django.webhooks.webhook_view_async, or "
    "handle_webhook_async / WebhookRouter.handle_async)."
)


def _is_async(handler: Handler) -> bool:
    """Whether calling ``handler`` gives a coroutine: a coroutine function, a ``functools.partial``
    of one, or an object whose ``__call__`` is one."""
    return inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 - the bound __call__, not callable()
    )


def _name(handler: Handler) -> str:
    name = getattr(handler, "__qualname__", None) or type(handler).__qualname__
    return repr(name)


def _discard(awaitable: Awaitable[Any]) -> None:
    """Close a coroutine that will never run (no 'never awaited' warning)."""
    close = getattr(awaitable, "close", None)
    if callable(close):
        close()


# ---------------------------------------------------------------------------------- endpoints
_STATUS = {
    "ok": 200,
    "ignored": 200,
    "duplicate": 200,
    "in-progress": 409,
    "failed": 500,
    "unavailable": 503,
}


def _json(status: int, body: Mapping[str, Any]) -> AuthResponse:
    return AuthResponse(
        status,
        [("content-type", "application/json")],
        json.dumps(body, separators=(",", ":")).encode(),
    )


def _outcome(result: WebhookResult) -> AuthResponse:
    body: dict[str, Any] = {"status": result.status}
    if result.status == "ok":
        body["handled"] = result.handled
    return _json(_STATUS[result.status], body)


def _refusal(exc: WebhookVerificationError) -> AuthResponse:
    return _json(exc.status_code, {"error": "invalid_webhook", "reason": exc.reason})


def handle_webhook(
    body: bytes, headers: Mapping[str, str], router: WebhookRouter, verifier: WebhookVerifier
) -> AuthResponse:
    """What an endpoint answers: 400/413 for a bad delivery, 2xx once handled (or a duplicate), 409
    while the same delivery is being processed elsewhere, 500 when a handler failed and 503 when the
    idempotency store is down (Clerk retries both)."""
    try:
        event = verifier.verify(body, headers)
    except WebhookVerificationError as exc:
        return _refusal(exc)
    return _outcome(router.handle(event))


async def handle_webhook_async(
    body: bytes, headers: Mapping[str, str], router: WebhookRouter, verifier: WebhookVerifier
) -> AuthResponse:
    try:
        event = verifier.verify(body, headers)
    except WebhookVerificationError as exc:
        return _refusal(exc)
    return _outcome(await router.handle_async(event))


def too_large(verifier: WebhookVerifier) -> AuthResponse:
    """The 413 an endpoint sends when ``Content-Length`` already says the body is over the cap."""
    return _refusal(
        _fail("body-too-large", f"the body exceeds {verifier.max_body_bytes} bytes", 413)
    )


class RedisIdempotencyStore:
    """Idempotency across processes and hosts with Redis (redis-py): ``SET NX EX`` claims.

    import redis
    router = WebhookRouter(store=RedisIdempotencyStore(redis.Redis.from_url(REDIS_URL)))
    """

    def __init__(self, client: Any, *, prefix: str = "clerk:webhook:") -> None:
        self.client = client
        self.prefix = prefix

    def __repr__(self) -> str:
        return f"RedisIdempotencyStore(prefix={self.prefix!r})"

    def claim(self, key: str, ttl: float) -> bool:
        return bool(self.client.set(self.prefix + key, "processing", nx=True, ex=max(1, int(ttl))))

    def is_done(self, key: str) -> bool:
        value = self.client.get(self.prefix + key)
        return value in (b"done", "done")

    def complete(self, key: str, ttl: float) -> None:
        self.client.set(self.prefix + key, "done", ex=max(1, int(ttl)))

    def release(self, key: str) -> None:
        self.client.delete(self.prefix + key)
