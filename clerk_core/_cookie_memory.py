"""The remembered ``Cookie`` header: a signed-in browser's repeated request without cookie parsing.

A browser repeats the same ``Cookie`` header on every request until a cookie changes (about once a
minute, when ClerkJS refreshes the session token). The first such request is judged in full; the
second goes through the cookie flow's fast path (``_cookie_flow.remembered_cookie``), which parses
every cookie, picks Clerk's suffixed or plain cookies and checks them against the verified-token
memory. When that path signs the request in, the engine remembers the outcome here, keyed by the
SHA-256 of the ``Cookie`` header's bytes, and from then on the same header is answered with one
hash and one lookup: no request view, no cookie parsing. Adapters pass the bytes their server
delivered (``Clerk.remembered_raw_cookie_state``), so nothing is decoded before the lookup.

What an entry holds is only what the header itself decided: the verified-token memory's entry for
the session token (its claims, ``exp``, key generation and ``iat``/``nbf``; never the token), and
where in the header the session token and the development browser token sit (offsets, so that
neither the header nor a token is kept). That entry's checks run on every request
(:func:`cookie_hit`), so an expired token or a rotated key set ends the header's entry as it
ends the token's; the header's entry ends at the token's ``exp`` itself, without the clock skew's
grace the verified-token memory gives, because from then on the cookie set Clerk reads depends on
the time too (``_context.uses_suffixed`` on a development instance).

Only requests whose answer depends on the ``Cookie`` header alone take this path
(:func:`request_eligible`, :func:`instance_eligible`): a safe method (no cross-site request
check), no ``Authorization`` header (the adapter's part), no query parameter the cookie flow reads
(``__clerk_*``, also percent-encoded), no page navigation with a ``Referer`` (Clerk's cross-origin
sync check reads it), and an instance that is no satellite and has no organization sync patterns
(both read the URL). Everything else takes the full procedure, which reaches the same answer
(``tests/core/test_cookie_memory.py`` compares the two on a matrix of requests).

Signed-out browsers. On a production primary, a request without an ``Authorization`` header whose
``Cookie`` header holds no session cookie (no ``__session`` in it at all) and no handshake cookie,
and whose query has no Clerk parameter, is signed out with ``session-token-and-uat-missing``
whenever its ``__client_uat`` reads 0 or is absent: the cookie flow's steps before that one read
only the query, the handshake cookies and, on development instances and satellites, more
(:func:`signed_out_eligible`). Without ``__client_uat`` in the header the engine says so at once;
with one, the first request parses the cookies, and a header whose ``__client_uat`` read 0 is
remembered (the SHA-256 of its bytes, nothing else) in a second memory of the same bound, so the
browser's next requests cost one hash and one lookup. A ``__client_uat`` above 0 without a session
cookie goes on to the handshake, which the full procedure answers every time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from hashlib import sha256
from typing import TYPE_CHECKING, Generic, TypeVar

from ._context import AuthenticateContext, Instance
from ._memory import Remembered
from ._outcomes import signed_out
from .origin import SAFE_METHODS
from .request import RequestView
from .state import AuthErrorReason, AuthStatus, RequestState

if TYPE_CHECKING:
    from .clerk import Clerk
    from .events import EntryPoint

__all__ = [
    "CookieMemory",
    "Slot",
    "cookie_hit",
    "cookie_hit_text",
    "cookie_key",
    "instance_eligible",
    "remember_cookie",
    "request_eligible",
    "signed_out_eligible",
    "signed_out_hit",
    "signed_out_start",
]

V = TypeVar("V")


class Slot:
    """Where a remembered header's session token (and development browser token) sit in it, and
    the verified-token memory's entry for that token (its claims, ``exp`` and key generation; not
    the token)."""

    __slots__ = ("dev_end", "dev_start", "end", "remembered", "start")

    def __init__(
        self, remembered: Remembered, start: int, end: int, dev_start: int = -1, dev_end: int = -1
    ) -> None:
        self.remembered = remembered
        self.start = start
        self.end = end
        self.dev_start = dev_start
        self.dev_end = dev_end


class CookieMemory(Generic[V]):
    """Remembered ``Cookie`` headers, bounded, least recently used evicted first (all O(1))."""

    __slots__ = ("_entries", "_lock", "_size")

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: bytes) -> V | None:
        slot = self._entries.get(key)
        if slot is not None:
            # One C call, atomic on its own: no lock on the hot path (an entry another thread
            # evicted in between is simply not moved).
            try:  # noqa: SIM105 (contextlib.suppress costs more than the lookup it guards)
                self._entries.move_to_end(key)
            except KeyError:
                pass
        return slot

    def put(self, key: bytes, slot: V) -> None:
        if self._size <= 0:
            return
        with self._lock:
            entries = self._entries
            if key in entries:
                entries.move_to_end(key)
            elif len(entries) >= self._size:
                entries.popitem(last=False)
            entries[key] = slot

    def discard(self, key: bytes) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cookie_key(cookie: bytes) -> bytes:
    """The memory's key for a ``Cookie`` header: the SHA-256 of its bytes as the server received
    them (a request view's text encoded back to Latin-1), spaces and tabs around it stripped."""
    return sha256(cookie.strip(b" \t")).digest()


def instance_eligible(inst: Instance) -> bool:
    """Whether this instance's cookie requests may be answered by their header alone: no
    satellite (its sync reads the URL), no organization sync patterns (they read the path), and
    a verified-token memory to ask."""
    opts = inst.options
    return (
        not opts.is_satellite
        and not inst.org_patterns
        and not inst.personal_patterns
        and opts.token_cache_size > 0
    )


def request_eligible(
    method: str, query: bytes, sec_fetch_dest: bytes | None, referer: bytes | None
) -> bool:
    """Whether a cookie request's answer depends on its ``Cookie`` header alone, given the rest of
    what the cookie flow reads: a safe method (the cross-site request check applies to the others),
    a query without Clerk's parameters (``__clerk_handshake``, ``__clerk_db_jwt``... and any
    percent-encoded name, which could spell one), and no page navigation that carries a
    ``Referer`` (Clerk's cross-origin sync for a primary domain reads it). The method is upper
    case; the rest is as sent (bytes), spaces and tabs around a header value ignored."""
    if method not in SAFE_METHODS or not query_eligible(query):
        return False
    return not (
        referer is not None
        and sec_fetch_dest is not None
        and method == "GET"
        and referer.strip(b" \t")
        and sec_fetch_dest.strip(b" \t") == b"document"
    )


def signed_out_eligible(inst: Instance) -> bool:
    """Whether a browser without a session cookie may be signed out by its ``Cookie`` header
    alone (:func:`signed_out_hit`): what :func:`instance_eligible` asks, on a production
    instance (a development instance reads the development browser token first) whose default
    token types include session tokens (otherwise the cookies are not read at all)."""
    accepts = inst.options.accepts_token
    return (
        instance_eligible(inst)
        and not inst.development
        and (
            accepts in ("any", "session_token")
            or (type(accepts) is tuple and "session_token" in accepts)
        )
    )


def query_eligible(query: bytes) -> bool:
    """Whether a raw query string leaves the answer to the ``Cookie`` header: no Clerk parameter
    (``__clerk_handshake``, ``__clerk_db_jwt``, ``__clerk_synced``...), nor a percent-encoded name
    that could spell one."""
    return not (query and (b"__clerk" in query or b"%" in query))


# ------------------------------------------------------------------ the engine's questions
def cookie_hit_text(
    engine: Clerk,
    cookie: str,
    method: str,
    query: str,
    sec_fetch_dest: str | None,
    referer: str | None,
    entry_point: EntryPoint | None,
) -> RequestState | None:
    """:func:`cookie_hit` for a request's text (a request view's, or an adapter's)."""
    try:
        raw = cookie.encode("latin-1")  # what a server decoded from the bytes it received
    except UnicodeEncodeError:
        return None  # not a header a server delivers: the full procedure judges it
    return cookie_hit(
        engine,
        raw,
        method,
        query.encode("utf-8", "surrogatepass"),
        None if sec_fetch_dest is None else sec_fetch_dest.encode("utf-8", "surrogatepass"),
        None if referer is None else referer.encode("utf-8", "surrogatepass"),
        entry_point,
    )


def cookie_hit(
    engine: Clerk,
    cookie: bytes,
    method: str,
    query: bytes,
    sec_fetch_dest: bytes | None,
    referer: bytes | None,
    entry_point: EntryPoint | None,
) -> RequestState | None:
    """The cookie memory's answer (``_cookie_memory``), or ``None``. With an ``entry_point``
    (a public method's name), the state is the engine's and its auth event is emitted;
    ``authenticate_request`` passes ``None`` and does both itself."""
    if b"__session" not in cookie:
        # No session cookie: a signed-out browser, when nothing else decides.
        if not engine._signed_out_fast:
            return None
        return signed_out_hit(engine, cookie, query, entry_point)
    if not engine._cookie_fast:
        return None
    if not (
        # A browser's usual fetch: eligible on its face (request_eligible would say so).
        method == "GET"
        and not query
        and (sec_fetch_dest is None or referer is None or sec_fetch_dest == b"empty")
    ):
        if method not in SAFE_METHODS:
            method = method.upper()
        if not request_eligible(method, query, sec_fetch_dest, referer):
            return None
    observer = engine._observer if entry_point is not None else None
    started = observer.start() if observer is not None else 0.0
    cookie = cookie.strip(b" \t")
    opts = engine.options
    if len(cookie) > opts.max_cookie_header_bytes:
        return None
    key = cookie_key(cookie)
    slot = engine._cookies.get(key)
    if slot is None:
        return None
    remembered = slot.remembered
    now = engine._clock()
    # The verified-token memory's own test (same key set; not before iat/nbf less the skew),
    # and the token's exp itself, without the skew's grace (see _cookie_memory).
    if not (
        now < remembered.exp
        and remembered.generation == engine.keys.generation
        and now + opts.clock_skew >= remembered.not_before
    ):
        engine._cookies.discard(key)
        return None
    state = RequestState.remembered(
        cookie[slot.start : slot.end].decode("latin-1"),
        remembered,
        "cookie",
        engine,
        entry_point is not None,  # an adapter's question: it asks for the auth object next
    )
    if slot.dev_start >= 0:
        state.dev_browser_token = cookie[slot.dev_start : slot.dev_end].decode("latin-1")
    if observer is not None and entry_point is not None:
        observer.emit(state, started, entry_point)
    return state


def _signed_out_header(engine: Clerk, cookie: bytes, query: bytes) -> bytes | None:
    """The header a signed-out answer may come from, spaces and tabs around it stripped (a
    ``Cookie`` header without ``__session``): ``None`` when a handshake cookie, a Clerk query
    parameter or, with a ``__client_uat`` to read, the size cap leaves it to the full procedure
    (which answers an oversized header without ``__client_uat`` signed out too)."""
    if b"__clerk_handshake" in cookie or not query_eligible(query):
        return None
    cookie = cookie.strip(b" \t")
    if b"__client_uat" in cookie and len(cookie) > engine.options.max_cookie_header_bytes:
        return None
    return cookie


def _signed_out_state() -> RequestState:
    """What the cookie flow answers a browser without a session cookie or an active client."""
    state = signed_out(AuthErrorReason.SESSION_TOKEN_AND_UAT_MISSING.value, "")
    state.token_source = "cookie"
    return state


def signed_out_hit(
    engine: Clerk, cookie: bytes, query: bytes, entry_point: EntryPoint | None
) -> RequestState | None:
    """A production browser's ``Cookie`` header without a session cookie (``cookie`` holds no
    ``__session``): signed out, ``session-token-and-uat-missing``, when it holds no handshake
    cookie, the query no Clerk parameter, and ``__client_uat`` is absent or was read as 0
    before (``_cookie_memory``); ``None`` for anything else."""
    header = _signed_out_header(engine, cookie, query)
    if header is None:
        return None
    if b"__client_uat" in header and engine._signed_out.get(cookie_key(header)) is None:
        return None
    observer = engine._observer if entry_point is not None else None
    started = observer.start() if observer is not None else 0.0
    state = _signed_out_state()
    if entry_point is not None:
        state._engine = engine
        if observer is not None:
            observer.emit(state, started, entry_point)
    return state


def signed_out_start(engine: Clerk, request: RequestView, cookie: str) -> RequestState | None:
    """:func:`signed_out_hit` for a request view whose ``Cookie`` header (``cookie``, ``""``
    when absent) holds no ``__session``, and the first request of a header with
    ``__client_uat``: the cookie flow's own reading of the cookies, its ``__client_uat`` 0
    remembered (``_cookie_memory``)."""
    try:
        raw = cookie.encode("latin-1")
    except UnicodeEncodeError:
        return None
    header = _signed_out_header(
        engine, raw, request.url.partition("?")[2].encode("utf-8", "surrogatepass")
    )
    if header is None:
        return None
    key = cookie_key(header) if b"__client_uat" in header else None
    if key is not None and engine._signed_out.get(key) is None:
        # The cookie flow's _cookie_presence, for a header without a session cookie: its
        # __client_uat as the token location reads it (a production instance's reading
        # depends on the cookies alone), 0 being signed out.
        if AuthenticateContext(engine._instance, request, None).client_uat:
            return None
        engine._signed_out.put(key, True)
    return _signed_out_state()


def remember_cookie(engine: Clerk, request: RequestView, state: RequestState) -> None:
    """Remember a ``Cookie`` header that the remembered-cookie path signed in, when the
    answer depends on that header alone (:meth:`remembered_cookie_state` then answers it)."""
    headers = request.headers
    cookie = headers.get("cookie")
    token = state.token
    remembered = state._remembered
    if (
        not cookie
        or not token
        or remembered is None
        or state.status is not AuthStatus.SIGNED_IN
        or state.headers
        or "authorization" in headers
        or len(cookie) > engine.options.max_cookie_header_bytes
    ):
        return
    try:
        raw = cookie.encode("latin-1")
    except UnicodeEncodeError:
        return  # not a header a server delivers (nor one the memory is asked for)
    dest, referer = headers.get("sec-fetch-dest"), headers.get("referer")
    if not request_eligible(
        request.method,
        request.url.partition("?")[2].encode("utf-8", "surrogatepass"),
        None if dest is None else dest.encode("utf-8", "surrogatepass"),
        None if referer is None else referer.encode("utf-8", "surrogatepass"),
    ):
        return
    # Where the tokens sit in the header (the same header gives the same offsets): neither
    # the header nor a token is kept.
    start = cookie.find(token)
    if start < 0:
        return  # a value the cookie parser decoded (percent escapes): not served from here
    slot = Slot(remembered, start, start + len(token))
    dev = state.dev_browser_token
    if dev:
        dev_start = cookie.find(dev)
        if dev_start < 0:
            return
        slot.dev_start, slot.dev_end = dev_start, dev_start + len(dev)
    engine._cookies.put(cookie_key(raw), slot)
