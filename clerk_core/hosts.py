"""Which ``Host`` a redirect may be built on (Policy 13, docs/policies.md).

Sign-in redirects, their ``redirect_url``, relative ``sign_in_url`` / ``unauthenticated_url`` /
``unauthorized_url`` targets and Clerk's handshake all need the request's public origin, and that
origin comes from the ``Host`` header (or a trusted ``X-Forwarded-Host``), which the client chooses.
:func:`trusted_public_url` gives the public URL only when

* the host is a plain ``host[:port]``: a DNS name (letters, digits and hyphens in dot-separated
  labels; one trailing dot is dropped), an IPv4 address or a bracketed IPv6 address, and a port of
  1-65535. User info (``app.test@evil.example``), paths, white space, empty ports and anything else
  are refused; and
* the host is allowed: it matches ``ClerkOptions.allowed_hosts``, or, when that is empty, the origins
  of ``authorized_parties``. With neither set, any well-formed host is used (convenient in
  development; set one of them in production).

``allowed_hosts`` entries are matched case-insensitively against the host:

* ``app.example.com``: that host on any port (as Django's ``ALLOWED_HOSTS``);
* ``app.example.com:8443``: that host on that port only;
* ``.example.com``: ``example.com`` and every sub-domain of it, on any port;
* ``https://app.example.com``: an origin (as in ``authorized_parties``): that host on the origin's
  port (443 here, given or implied by the scheme). The scheme is not compared, and a ``Host``
  without a port matches an origin on port 80 or 443, so a TLS-terminating proxy that forwards
  plain HTTP still matches; ``http://localhost:3000`` matches ``localhost:3000`` only;
* ``*``: any well-formed host (the explicit opt-out).

When the origin cannot be trusted no redirect is built: the caller answers what an API request gets
(401 or 403 JSON).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import SplitResult

from .errors import ClerkConfigurationError
from .redirects import _DEFAULT_PORTS

if TYPE_CHECKING:
    from .options import ClerkOptions
    from .request import RequestView

__all__ = [
    "HostRule",
    "host_allowed",
    "parse_allowed_host",
    "public_origin",
    "split_host",
    "trusted_public_url",
]

logger = logging.getLogger("clerk_core")

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_DIGITS = re.compile(r"[0-9]{1,5}")
_MAX_HOST = 253 + 1 + 5 + 2  # a full DNS name, ':', a port, and slack for brackets


def _host_name(value: str) -> str | None:
    """A DNS name or IPv4 address, lower-cased, without its trailing dot; ``None`` if malformed."""
    name = value.lower()
    if name.endswith("."):
        name = name[:-1]
    if not name or len(name) > 253:
        return None
    labels = name.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        return None
    if labels[-1].isdigit():
        # A numeric last label makes browsers read the whole name as an IPv4 address.
        try:
            ipaddress.IPv4Address(name)
        except ValueError:
            return None
    return name


def split_host(value: str) -> tuple[str, int | None] | None:
    """``(host, port)`` of a ``host[:port]`` value, or ``None`` when it is anything else.

    The host comes back lower-cased, without a trailing dot, an IPv6 address bracketed and in its
    compressed form; the port is ``None`` when absent.
    """
    if not isinstance(value, str) or not value or len(value) > _MAX_HOST:
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        inside, rest = value[1:end], value[end + 1 :]
        if "%" in inside:
            return None  # zone ids have no meaning in a URL a browser follows
        try:
            host = f"[{ipaddress.IPv6Address(inside).compressed}]"
        except ValueError:
            return None
    else:
        name, colon, port_text = value.partition(":")
        rest = colon + port_text
        parsed = _host_name(name)
        if parsed is None:
            return None
        host = parsed
    if not rest:
        return host, None
    if not rest.startswith(":") or not _DIGITS.fullmatch(rest[1:]):
        return None
    port = int(rest[1:])
    if not 0 < port < 65536:
        return None
    return host, port


class HostRule(NamedTuple):
    """One parsed ``allowed_hosts`` entry (see the module docstring)."""

    host: str
    """The host name; ``""`` matches any host; a leading ``.`` matches the domain and sub-domains."""
    port: int | None
    """The only port allowed, or ``None`` for any port."""
    origin: bool
    """The entry was an origin: a ``Host`` without a port matches too."""


_ENTRY_HELP = (
    "Use a host name ('app.example.com'), a host and port ('app.example.com:8443'), '.example.com' "
    "for a domain and its sub-domains, an origin ('https://app.example.com'), or '*' for any host."
)


def parse_allowed_host(entry: str) -> HostRule:
    """Parse one ``allowed_hosts`` entry; raises :class:`ClerkConfigurationError` when malformed."""
    if not isinstance(entry, str):
        raise ClerkConfigurationError(f"allowed_hosts entries must be strings. {_ENTRY_HELP}")
    text = entry.strip()
    if text == "*":
        return HostRule("", None, origin=False)
    lowered = text.lower()
    for scheme, default in _DEFAULT_PORTS.items():
        prefix = scheme + "://"
        if lowered.startswith(prefix):
            parsed = split_host(text[len(prefix) :])
            if parsed is None:
                break
            return HostRule(parsed[0], default if parsed[1] is None else parsed[1], origin=True)
    else:
        subdomains = text.startswith(".")
        parsed = split_host(text[1:] if subdomains else text)
        if parsed is not None:
            host = "." + parsed[0] if subdomains else parsed[0]
            if not (subdomains and host.startswith(".[")):
                return HostRule(host, parsed[1], origin=False)
    raise ClerkConfigurationError(f"allowed_hosts entry {entry!r} is not a host. {_ENTRY_HELP}")


@functools.lru_cache(maxsize=64)
def _rules(entries: tuple[str, ...], lenient: bool) -> tuple[HostRule, ...]:
    rules: list[HostRule] = []
    for entry in entries:
        try:
            rules.append(parse_allowed_host(entry))
        except ClerkConfigurationError:
            if not lenient:
                raise
            # An authorized party that is no host[:port] origin can never name this app's host.
    return tuple(rules)


def _rule_matches(rule: HostRule, host: str, port: int | None, scheme: str) -> bool:
    if rule.host == "":
        return True
    if rule.host.startswith("."):
        if not (host == rule.host[1:] or host.endswith(rule.host)):
            return False
    elif host != rule.host:
        return False
    if rule.port is None:
        return True
    if (port if port is not None else _DEFAULT_PORTS.get(scheme)) == rule.port:
        return True
    # An origin on a default port also matches a Host without a port seen over the other scheme:
    # a TLS-terminating proxy that forwards plain HTTP (without trust_forwarded_headers).
    return rule.origin and port is None and rule.port in (80, 443)


def host_allowed(
    host: str, port: int | None, *, scheme: str, allowed: Iterable[HostRule] | None
) -> bool:
    """Whether ``host`` (as :func:`split_host` gives it) with ``port`` is allowed by ``allowed``;
    ``None`` allows every host."""
    if allowed is None:
        return True
    return any(_rule_matches(rule, host, port, scheme.lower()) for rule in allowed)


def _allowed_rules(options: ClerkOptions) -> tuple[HostRule, ...] | None:
    if options.allowed_hosts:
        return _rules(tuple(options.allowed_hosts), False)
    if options.authorized_parties:
        return _rules(tuple(options.authorized_parties), True)
    return None


class _WarningBudget:
    """At most ``burst`` warnings per ``period`` seconds (then DEBUG lines), so a client that
    sends a foreign Host on every request cannot flood the log; the first ones say what to fix."""

    def __init__(self, burst: int, period: float, clock: Callable[[], float]) -> None:
        self.burst = burst
        self.period = period
        self.clock = clock
        self._start = float("-inf")
        self._count = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._start, self._count = float("-inf"), 0

    def take(self) -> bool:
        now = self.clock()
        with self._lock:
            if now - self._start >= self.period:
                self._start, self._count = now, 0
            self._count += 1
            return self._count <= self.burst


_HOST_WARNINGS = _WarningBudget(burst=10, period=60.0, clock=time.monotonic)


def _refuse(value: str, why: str) -> None:
    level = logging.WARNING if _HOST_WARNINGS.take() else logging.DEBUG
    logger.log(
        level,
        "Clerk: no redirect built on the request's host %r: %s. The request gets the response "
        "of an API request instead; add the host to allowed_hosts (CLERK_ALLOWED_HOSTS) if it is "
        "yours. (At most 10 such warnings a minute; the rest are DEBUG.)",
        value[:100],
        why,
    )


def trusted_public_url(request: RequestView, options: ClerkOptions) -> SplitResult | None:
    """The URL the browser used, when its host may appear in a redirect; else ``None``.

    The host is checked as described in the module docstring; the returned URL carries it
    normalised (lower case, no trailing dot).
    """
    public = request.public_url(trust_forwarded=options.trust_forwarded_headers)
    raw = request.headers.get("host")
    parsed = split_host(public.netloc)
    if parsed is None or (raw is not None and split_host(raw) is None):
        _refuse(public.netloc if parsed is None else (raw or ""), "it is not a valid host[:port]")
        return None
    host, port = parsed
    if not host_allowed(host, port, scheme=public.scheme, allowed=_allowed_rules(options)):
        _refuse(public.netloc, "it is not in allowed_hosts (or authorized_parties)")
        return None
    netloc = host if port is None else f"{host}:{port}"
    return public._replace(netloc=netloc)


def public_origin(request: RequestView, options: ClerkOptions) -> str | None:
    """``scheme://host[:port]`` of :func:`trusted_public_url`, or ``None``."""
    public = trusted_public_url(request, options)
    return None if public is None else f"{public.scheme}://{public.netloc}"
