"""Clerk's UI in server-rendered pages: the HTML the template helpers of every adapter emit.

ClerkJS (Clerk's browser library) draws the sign-in, sign-up, user button and organization
components. A page needs three things, built here and nowhere else:

* :func:`clerk_js_tags`: the ``<script>`` that loads ClerkJS from the instance's Frontend API (or the
  proxy, or ``clerk_js_url``), at the pinned ``clerk_js_version``, with the attributes Clerk's own
  loader sets (``data-clerk-publishable-key``, ``data-clerk-proxy-url``, ``data-clerk-domain``,
  ``nonce``); the options for ``Clerk.load()`` as a JSON data block; and one small *static*
  bootstrap script that loads Clerk and mounts the components;
* :func:`mount_point`: where a component goes, with its options (Clerk's props) as a JSON data block
  (``<script type="application/json">``, escaped so that ``</script>`` or ``<!--`` in a value cannot
  end it). No JavaScript is ever built from strings;
* :func:`is_signed_in`: what the ``signed_in`` / ``signed_out`` blocks test (the server's auth).

Option names are Python's: ``after_sign_out_url="/"`` becomes Clerk's ``afterSignOutUrl``.
``redirect_url`` is short for Clerk's ``fallbackRedirectUrl`` (where to go after signing in or up
when the page was not opened with a ``redirect_url`` query parameter). ``appearance`` takes a dict
or a JSON string.

The adapters wrap these strings as safe markup: Django's ``{% load clerk %}`` tags
(``clerk_django.templatetags.clerk``), the Jinja2 globals of ``clerk_flask`` and
``clerk_starlette.templates``. :class:`ClerkUI` binds the options, the auth and the nonce of one
request, which is what those helpers call.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from .errors import ClerkConfigurationError
from .options import ClerkOptions
from .redirects import component_redirect_options

__all__ = [
    "COMPONENTS",
    "ClerkUI",
    "bootstrap_script",
    "clerk_js_tags",
    "clerk_js_url",
    "is_signed_in",
    "json_data_block",
    "mount_point",
    "props_for_clerk",
    "sign_out_button",
]

COMPONENTS: Mapping[str, str] = {
    "sign_in": "SignIn",
    "sign_up": "SignUp",
    "user_button": "UserButton",
    "user_profile": "UserProfile",
    "organization_switcher": "OrganizationSwitcher",
    "organization_profile": "OrganizationProfile",
    "create_organization": "CreateOrganization",
}
"""The components a page can mount: helper name -> ClerkJS name (``Clerk.mount<Name>``)."""

_ALIASES = {"redirect_url": "fallbackRedirectUrl"}
_JSON_VALUED = ("appearance", "initial_values", "custom_pages", "localization")
_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_ESCAPE_RE = re.compile("[<>&\u2028\u2029]")


def _camel(name: str) -> str:
    if name in _ALIASES:
        return _ALIASES[name]
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def props_for_clerk(props: Mapping[str, Any]) -> dict[str, Any]:
    """Python-style options as ClerkJS props: ``snake_case`` names in ``camelCase``
    (``redirect_url`` as ``fallbackRedirectUrl``), ``None`` values left out, ``appearance`` (and the
    other object-valued props) accepted as a JSON string too."""
    out: dict[str, Any] = {}
    for name, value in props.items():
        if value is None:
            continue
        if name in _JSON_VALUED and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(
                    f"{name} must be a dict or a JSON object string, got invalid JSON: "
                    f"{value[:40]!r}"
                ) from None
        out[_camel(name)] = value
    return out


def json_data_block(data: Mapping[str, Any], attribute: str) -> str:
    """``<script type="application/json" ATTRIBUTE>…</script>``: data a script reads with
    ``JSON.parse``. ``<``, ``>``, ``&`` and the JS line separators are escaped as ``\\uXXXX``, so
    no value can close the tag or open a comment."""
    try:
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Clerk component options must be JSON values: {exc}") from None
    text = _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group(0)], text)
    return f'<script type="application/json" {attribute}>{text}</script>'


def clerk_js_url(options: ClerkOptions) -> str:
    """Where ClerkJS is loaded from, as Clerk's ``clerkJSScriptUrl`` builds it: ``clerk_js_url``;
    else ``<proxy_url>/npm/@clerk/clerk-js@<version>/dist/clerk.browser.js``; else the same path on
    the Frontend API (a production satellite's ``clerk.<domain>``, or the publishable key's host)."""
    if options.clerk_js_url:
        return options.clerk_js_url
    path = f"/npm/@clerk/clerk-js@{options.clerk_js_version}/dist/clerk.browser.js"
    if options.proxy_url:
        return options.proxy_url.rstrip("/") + path
    host = options.satellite_frontend_api or options.frontend_api
    if not host:
        raise ClerkConfigurationError(
            "The Clerk template helpers need publishable_key (CLERK_PUBLISHABLE_KEY) to load "
            "ClerkJS: copy it from the API keys page of the Clerk dashboard."
        )
    return f"https://{host}{path}"


@cache
def bootstrap_script() -> str:
    """The static bootstrap (the same bytes on every page): loads Clerk, mounts the components."""
    return resources.files(__package__).joinpath("_ui_bootstrap.js").read_text(encoding="utf-8")


def _nonce_attr(nonce: str | None) -> str:
    return f' nonce="{html.escape(nonce)}"' if nonce else ""


def clerk_js_tags(options: ClerkOptions, *, nonce: str | None = None, **load_options: Any) -> str:
    """The ``<script>`` tags that load ClerkJS and mount the page's components.

    ``load_options`` go to ``Clerk.load()`` (``appearance``, ``after_sign_out_url``, ...), after
    the instance's ``sign_in_url`` / ``sign_up_url`` and its fallback and force redirect URLs
    (:func:`clerk_core.redirects.component_redirect_options`). Put it once per page, in
    ``<head>`` or at the end of ``<body>``.
    """
    if not options.publishable_key:
        raise ClerkConfigurationError(
            "The Clerk template helpers need publishable_key (CLERK_PUBLISHABLE_KEY): ClerkJS "
            "reads it from the script tag. Copy it from the API keys page of the Clerk dashboard."
        )
    attrs = {"data-clerk-publishable-key": options.publishable_key}
    if options.proxy_url:
        attrs["data-clerk-proxy-url"] = options.proxy_url
    if options.domain:
        attrs["data-clerk-domain"] = options.domain
    rendered = "".join(f' {name}="{html.escape(value)}"' for name, value in attrs.items())
    loader = (
        f'<script async crossorigin="anonymous" data-clerk-js-script{rendered}'
        f'{_nonce_attr(nonce)} src="{html.escape(clerk_js_url(options))}"></script>'
    )
    # The instance's sign-in / sign-up pages and the fallback and force redirect URLs
    # (``sign_in_fallback_redirect_url``...), then what the template passes, which wins.
    load = props_for_clerk({**component_redirect_options(options), **load_options})
    return (
        loader
        + json_data_block(load, "data-clerk-load")
        + f"<script{_nonce_attr(nonce)}>{bootstrap_script()}</script>"
    )


def mount_point(component: str, props: Mapping[str, Any] | None = None) -> str:
    """Where ``component`` (a key or a value of :data:`COMPONENTS`) is mounted, with its props."""
    name = COMPONENTS.get(component, component)
    if name not in COMPONENTS.values():
        raise ValueError(
            f"unknown Clerk component {component!r}; the components are "
            f"{', '.join(sorted(COMPONENTS))}."
        )
    kebab = re.sub(r"(?<!^)([A-Z])", r"-\1", name).lower()
    return (
        json_data_block(props_for_clerk(props or {}), "data-clerk-props")
        + f'<div class="clerk-{kebab}" data-clerk-mount="{name}"></div>'
    )


def sign_out_button(label: str = "Sign out", **options: Any) -> str:
    """A button that signs out with ``Clerk.signOut(options)`` (``redirect_url="/"`` is Clerk's
    ``redirectUrl``; ``session_id`` signs out one session only), like Clerk's ``<SignOutButton>``."""
    props = {("redirectUrl" if k == "redirect_url" else _camel(k)): v for k, v in options.items()}
    props = {k: v for k, v in props.items() if v is not None}
    return (
        json_data_block(props, "data-clerk-sign-out-options")
        + f'<button type="button" data-clerk-sign-out>{html.escape(label)}</button>'
    )


def is_signed_in(auth: Any) -> bool:
    """Whether the ``signed_in`` blocks show: the request is signed in (its auth object says so)."""
    return bool(getattr(auth, "is_authenticated", False))


class ClerkUI:
    """The helpers of one request: its options, auth object and Content Security Policy nonce."""

    def __init__(
        self, options: ClerkOptions, *, auth: Any = None, nonce: str | None = None
    ) -> None:
        self.options = options
        self.auth = auth
        self.nonce = nonce

    def __repr__(self) -> str:
        return f"ClerkUI(signed_in={self.signed_in})"

    @property
    def signed_in(self) -> bool:
        return is_signed_in(self.auth)

    def clerk_js(self, **load_options: Any) -> str:
        return clerk_js_tags(self.options, nonce=self.nonce, **load_options)

    def mount(self, component: str, **props: Any) -> str:
        return mount_point(component, props)

    def sign_out_button(self, label: str = "Sign out", **options: Any) -> str:
        return sign_out_button(label, **options)
