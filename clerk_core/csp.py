"""Content Security Policy for pages that load ClerkJS, like Clerk's ``contentSecurityPolicy`` option.

``ClerkOptions(content_security_policy=ContentSecurityPolicy(...))`` (or ``True`` for the defaults)
makes every adapter generate a nonce per request, hand it to the template helpers
(:mod:`clerk_core.ui`), and add to each HTML response the directives ClerkJS needs: its Frontend
API (or proxy), ``img.clerk.com``, ``worker-src blob:``, the bot-protection frame
``challenges.cloudflare.com``, Clerk's telemetry and Stripe, exactly Clerk's own list
(``@clerk/nextjs`` ``content-security-policy.ts``).

The work is one pure function, :func:`merge_content_security_policy`: the response's existing
header (if any), the policy options, the Frontend API host and the nonce in, the header value out.
A response that already carries a policy keeps it: Clerk's sources are added to its fetch
directives (a directive the policy leaves to ``default-src`` starts from the sources it falls back
to), its ``default-src`` and ``form-action`` are left as they are, and nothing of the app's is
removed except a ``'none'`` that Clerk's sources replace.

Strict mode (``strict=True``) is Clerk's: ``script-src`` gets ``'strict-dynamic'`` and the
request's ``'nonce-…'`` instead of ``http:`` / ``https:``, so only scripts carrying the nonce (the
helpers' tags) and the scripts they load run. Without strict mode the nonce is still put on the
helpers' tags. With no policy of the app's, ``script-src`` is Clerk's (``'unsafe-inline'``,
``http:``, ``https:``); merged into an app's own policy, those are never added (they would let an
injected script run where the app's policy stopped it): the Frontend API hosts and the request's
nonce are added instead (no nonce when the app's ``script-src`` relies on ``'unsafe-inline'``,
which a nonce would switch off).
"""

from __future__ import annotations

import base64
import dataclasses
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import ClerkConfigurationError

if TYPE_CHECKING:
    from .options import ClerkOptions

__all__ = [
    "CSP_HEADER",
    "CSP_REPORT_ONLY_HEADER",
    "DEFAULT_DIRECTIVES",
    "ContentSecurityPolicy",
    "content_security_policy_headers",
    "generate_nonce",
    "is_html",
    "merge_content_security_policy",
    "normalise_content_security_policy",
    "policy_header_name",
    "with_content_security_policy",
]

CSP_HEADER = "Content-Security-Policy"
CSP_REPORT_ONLY_HEADER = "Content-Security-Policy-Report-Only"

_PROTECT = "https://*.protect.clerk.com"

DEFAULT_DIRECTIVES: Mapping[str, tuple[str, ...]] = {
    "connect-src": (
        "'self'",
        "https://clerk-telemetry.com",
        "https://*.clerk-telemetry.com",
        "https://api.stripe.com",
        "https://maps.googleapis.com",
        "https://img.clerk.com",
        "https://images.clerkstage.dev",
        f"{_PROTECT}:*",
    ),
    "default-src": ("'self'",),
    "form-action": ("'self'",),
    "frame-src": (
        "'self'",
        "https://challenges.cloudflare.com",
        "https://*.js.stripe.com",
        "https://js.stripe.com",
        "https://hooks.stripe.com",
        _PROTECT,
    ),
    "img-src": ("'self'", "https://img.clerk.com"),
    "script-src": (
        "'self'",
        "'unsafe-inline'",
        "https:",
        "http:",
        "https://*.js.stripe.com",
        "https://js.stripe.com",
        "https://maps.googleapis.com",
        _PROTECT,
    ),
    "style-src": ("'self'", "'unsafe-inline'"),
    "worker-src": ("'self'", "blob:"),
}
"""Clerk's directives (``@clerk/nextjs``), before the Frontend API host and the strict-mode
changes are applied. Clerk also adds ``'unsafe-eval'`` outside production; this library never does."""

_KEYWORDS = frozenset(
    ("none", "self", "strict-dynamic", "unsafe-eval", "unsafe-hashes", "unsafe-inline")
)
_DIRECTIVE_RE = re.compile(r"[a-z][a-z-]*")  # fullmatch: "$" would let a trailing newline in
_SOURCE_RE = re.compile(r"[\x21-\x7e]+")
# Directives of an app's policy Clerk adds nothing to (ClerkJS needs the specific ones).
_APP_OWNED = ("default-src", "form-action")
# Where a fetch directive falls back when a policy does not name it (CSP Level 3).
_FALLBACK: Mapping[str, tuple[str, ...]] = {
    "connect-src": ("default-src",),
    "font-src": ("default-src",),
    "frame-src": ("child-src", "default-src"),
    "img-src": ("default-src",),
    "media-src": ("default-src",),
    "object-src": ("default-src",),
    "script-src": ("default-src",),
    "style-src": ("default-src",),
    "worker-src": ("child-src", "script-src", "default-src"),
}


@dataclasses.dataclass(frozen=True)
class ContentSecurityPolicy:
    """Clerk's ``contentSecurityPolicy`` options.

    * ``strict``: ``'strict-dynamic'`` and the per-request nonce in ``script-src`` (Clerk's strict
      mode): only the scripts the template helpers emit (and what they load) run;
    * ``directives``: more sources per directive, merged into Clerk's (``{"img-src":
      ["https://cdn.example"]}``); ``'none'`` in a list makes that directive ``'none'``;
    * ``report_only``: send ``Content-Security-Policy-Report-Only`` instead (nothing is blocked);
    * ``report_to``: a reporting endpoint URL, sent as ``Reporting-Endpoints`` and named by a
      ``report-to`` directive.
    """

    strict: bool = False
    directives: Mapping[str, Sequence[str]] = dataclasses.field(default_factory=dict)
    report_only: bool = False
    report_to: str | None = None

    def __hash__(self) -> int:
        directives = tuple(sorted(self.directives.items()))
        return hash((self.strict, directives, self.report_only, self.report_to))

    def __post_init__(self) -> None:
        for name in ("strict", "report_only"):
            if not isinstance(getattr(self, name), bool):
                raise ClerkConfigurationError(
                    f"content_security_policy.{name} must be True or False."
                )
        if not isinstance(self.directives, Mapping):
            raise ClerkConfigurationError(
                "content_security_policy.directives must be a mapping of directive name to a "
                "list of sources, e.g. {'img-src': ['https://cdn.example']}."
            )
        checked: dict[str, tuple[str, ...]] = {}
        for name, values in self.directives.items():
            if not isinstance(name, str) or not _DIRECTIVE_RE.fullmatch(name):
                raise ClerkConfigurationError(
                    f"content_security_policy.directives: {name!r} is not a directive name "
                    "(lower-case letters and '-', e.g. 'img-src')."
                )
            items = (values,) if isinstance(values, str) else values
            if not isinstance(items, Sequence) or not all(
                isinstance(v, str) and _SOURCE_RE.fullmatch(v) and ";" not in v and "," not in v
                for v in items
            ):
                raise ClerkConfigurationError(
                    f"content_security_policy.directives[{name!r}] must be a list of sources, "
                    "each printable ASCII without spaces, ';' or ',' "
                    "(e.g. ['self', 'https://cdn.example'])."
                )
            checked[name] = tuple(items)
        object.__setattr__(self, "directives", checked)
        if self.report_to is not None and (
            not isinstance(self.report_to, str)
            or not _SOURCE_RE.fullmatch(self.report_to)
            or any(c in self.report_to for c in ';,"')
        ):
            raise ClerkConfigurationError(
                "content_security_policy.report_to must be a URL (no spaces, quotes, ';' or ',')."
            )


def normalise_content_security_policy(value: Any) -> ContentSecurityPolicy | None:
    """The option's value as a :class:`ContentSecurityPolicy`: ``None``/``False`` off, ``True``
    the defaults, a mapping of its fields (Django settings, Flask config), or one as is."""
    if value is None or value is False:
        return None
    if value is True:
        return ContentSecurityPolicy()
    if isinstance(value, ContentSecurityPolicy):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in ("", "0", "false", "no", "off"):
            return None
        if word in ("1", "true", "yes", "on"):
            return ContentSecurityPolicy()
        if word == "strict":
            return ContentSecurityPolicy(strict=True)
    if isinstance(value, Mapping):
        fields = {f.name for f in dataclasses.fields(ContentSecurityPolicy)}
        unknown = set(value) - fields
        if unknown:
            raise ClerkConfigurationError(
                f"content_security_policy: unknown key(s) {sorted(unknown)}; the keys are "
                f"{sorted(fields)}."
            )
        return ContentSecurityPolicy(**value)
    raise ClerkConfigurationError(
        "content_security_policy must be True, 'strict', a ContentSecurityPolicy(...) or a "
        "mapping of its fields, e.g. {'strict': True} (CLERK_CONTENT_SECURITY_POLICY: on, "
        "strict or off)."
    )


def generate_nonce() -> str:
    """A fresh nonce for one response: 16 random bytes, base64 (as Clerk's ``generateNonce``)."""
    return base64.b64encode(secrets.token_bytes(16)).decode("ascii")


def _format(value: str) -> str:
    bare = value.strip("'")
    return f"'{bare}'" if bare in _KEYWORDS else value


def _parse(header: str) -> dict[str, list[str]]:
    """A policy as ``{directive: [sources]}``, in order; the first of a repeated directive wins
    (as browsers apply it)."""
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        tokens = part.split()
        if not tokens:
            continue
        name = tokens[0].lower()
        if name not in parsed:
            parsed[name] = tokens[1:]
    return parsed


def _add(sources: list[str], extra: Iterable[str]) -> list[str]:
    extra = [_format(v) for v in extra]
    if "'none'" in extra:
        return ["'none'"]
    out = [s for s in sources if s != "'none'"] if extra else list(sources)
    for value in extra:
        if value not in out:
            out.append(value)
    return out


def _clerk_directives(
    policy: ContentSecurityPolicy, hosts: Sequence[str], nonce: str | None
) -> dict[str, list[str]]:
    directives = {name: list(values) for name, values in DEFAULT_DIRECTIVES.items()}
    for host in hosts:
        directives["connect-src"].append(host)
    if policy.strict:
        script = [s for s in directives["script-src"] if s not in ("http:", "https:")]
        script.append("'strict-dynamic'")
        if nonce:
            script.append(f"'nonce-{nonce}'")
        directives["script-src"] = script
    for name, values in policy.directives.items():
        directives[name] = _add(directives.get(name, []), values)
    return directives


_LOOSE_SCRIPT_SOURCES = ("'unsafe-inline'", "http:", "https:")


def _keep_app_script_policy(
    merged: dict[str, list[str]],
    original: Mapping[str, Sequence[str]],
    app_script: Sequence[str],
    hosts: Sequence[str],
    nonce: str | None,
    configured: Sequence[str],
) -> None:
    """Clerk's non-strict ``script-src`` allows ``'unsafe-inline'`` and any ``http:`` / ``https:``
    script. Merged into an app's own policy, that would undo the app's defence against injected
    scripts, so there the Frontend API hosts (what ClerkJS loads from) and the nonce (the helpers'
    inline bootstrap) are added instead: only what the app's policy already allowed stays allowed.
    An app whose ``script-src`` itself allows inline scripts (``'unsafe-inline'`` without a nonce
    or hash) gets no nonce, which would switch its ``'unsafe-inline'`` off. A policy that restricts
    no script (neither ``script-src`` nor ``default-src``) gets Clerk's list as it is."""
    if "script-src" not in original and "default-src" not in original:
        return  # the app's policy restricted no script: Clerk's list cannot loosen it
    app_own = set(original.get("script-src") or original.get("default-src") or [])
    app_own.update(_format(v) for v in configured)  # what the option's directives ask for stays
    script = [s for s in merged["script-src"] if s in app_own or s not in _LOOSE_SCRIPT_SOURCES]
    script = _add(script, [*hosts, "https://challenges.cloudflare.com"])
    keyed = any(
        s.startswith(("'nonce-", "'sha256-", "'sha384-", "'sha512-")) or s == "'strict-dynamic'"
        for s in app_script
    )
    if nonce and (keyed or "'unsafe-inline'" not in app_own):
        script = _add(script, [f"'nonce-{nonce}'"])
    merged["script-src"] = script


def merge_content_security_policy(
    existing: str | None,
    policy: ContentSecurityPolicy,
    *,
    hosts: Sequence[str] = (),
    nonce: str | None = None,
) -> str:
    """The ``Content-Security-Policy`` value for a response (a pure function).

    ``existing`` is the policy the app already set on the response (``None`` when it set none):
    it is kept, with Clerk's sources added to it. ``hosts`` are the sources of the Frontend API
    (its host, or an absolute proxy's origin), ``nonce`` the request's nonce.
    """
    ours = _clerk_directives(policy, hosts, nonce)
    if not existing or not existing.strip():
        merged = {name: _add([], values) for name, values in ours.items()}
    else:
        original = _parse(existing)
        merged = {name: list(values) for name, values in original.items()}
        app_script = original.get("script-src") or original.get("default-src") or []
        for name, values in ours.items():
            if name in _APP_OWNED and name not in policy.directives:
                continue  # the app's own default-src / form-action stay as it wrote them
            if name not in merged:
                fallback = _FALLBACK.get(name, ())
                base = next((original[f] for f in fallback if f in original), None)
                merged[name] = list(base) if base is not None else []
            merged[name] = _add(merged[name], values)
        if not policy.strict:
            _keep_app_script_policy(
                merged, original, app_script, hosts, nonce, policy.directives.get("script-src", ())
            )
    if policy.report_to and "report-to" not in merged:
        merged["report-to"] = ["csp-endpoint"]
    names = sorted(merged) if not existing or not existing.strip() else list(merged)
    return "; ".join(" ".join([name, *merged[name]]).strip() for name in names)


def _fapi_hosts(options: ClerkOptions) -> list[str]:
    hosts = []
    if options.frontend_api:
        hosts.append(options.frontend_api)
    if options.satellite_frontend_api:
        hosts.append(options.satellite_frontend_api)
    for url in (options.proxy_url or "", options.clerk_js_url or ""):
        if url.startswith(("https://", "http://")):
            scheme, _, rest = url.partition("://")
            origin = f"{scheme}://{rest.split('/', 1)[0]}"
            if origin not in hosts:
                hosts.append(origin)
    return hosts


def content_security_policy_headers(
    options: ClerkOptions, existing: Sequence[str], nonce: str | None
) -> list[tuple[str, str]]:
    """The headers to set on an HTML response, given the values of its existing
    ``Content-Security-Policy`` (or, in report-only mode, ``...-Report-Only``) headers.

    Each existing policy gets Clerk's sources (a browser enforces every policy it receives, so
    adding them to only one would not be enough). Returns ``[]`` when the option is off.
    """
    policy = options.content_security_policy
    if not isinstance(policy, ContentSecurityPolicy):
        return []
    hosts = _fapi_hosts(options)
    name = CSP_REPORT_ONLY_HEADER if policy.report_only else CSP_HEADER
    values: list[str | None] = [*existing] or [None]
    headers = [
        (name, merge_content_security_policy(v, policy, hosts=hosts, nonce=nonce)) for v in values
    ]
    if policy.report_to:
        headers.append(("Reporting-Endpoints", f'csp-endpoint="{policy.report_to}"'))
    return headers


def with_content_security_policy(
    options: ClerkOptions, headers: Sequence[tuple[str, str]], nonce: str | None
) -> list[tuple[str, str]]:
    """A response's headers with the policy applied: unchanged unless the option is on and the
    response is an HTML page; else its policy headers replaced by the merged ones (every adapter
    calls this with the response's ``(name, value)`` pairs)."""
    name = policy_header_name(options)
    if name is None:
        return list(headers)
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    if not is_html(content_type):
        return list(headers)
    lowered = name.lower()
    existing = [v for k, v in headers if k.lower() == lowered]
    kept = [
        (k, v)
        for k, v in headers
        if k.lower() != lowered and not (_report_to(options) and k.lower() == _REPORTING)
    ]
    return kept + content_security_policy_headers(options, existing, nonce)


_REPORTING = "reporting-endpoints"


def _report_to(options: ClerkOptions) -> bool:
    policy = options.content_security_policy
    return isinstance(policy, ContentSecurityPolicy) and bool(policy.report_to)


def policy_header_name(options: ClerkOptions) -> str | None:
    """The header the option writes (``None`` when it is off)."""
    policy = options.content_security_policy
    if not isinstance(policy, ContentSecurityPolicy):
        return None
    return CSP_REPORT_ONLY_HEADER if policy.report_only else CSP_HEADER


def is_html(content_type: str | None) -> bool:
    """Whether a response's ``Content-Type`` is an HTML page (the responses a policy is set on)."""
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "text/html"
