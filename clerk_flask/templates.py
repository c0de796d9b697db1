"""Clerk's UI in Flask's Jinja2 templates: globals the extension registers (``Clerk(app)``).

::

    <head>{{ clerk_js() }}</head>
    {% if clerk_signed_in() %}{{ clerk_user_button(after_sign_out_url="/") }}{% endif %}
    {{ clerk_sign_in(redirect_url="/dashboard") }}

They read the current request: its auth object (``current_auth``), the app's Clerk options and
the Content Security Policy nonce (``g.clerk_nonce``). The HTML comes from :mod:`clerk_core.ui`, the
same as the Django tags and the Starlette globals emit. ``clerk_signed_in()`` /
``clerk_signed_out()`` return a bool, or, used as ``{% call clerk_signed_in() %}...{% endcall %}``,
render their block or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import g
from markupsafe import Markup

from clerk_core.ui import COMPONENTS, ClerkUI, mount_point, sign_out_button

__all__ = ["clerk_template_globals"]


def _ui() -> ClerkUI:
    from .extension import _state, get_auth

    return ClerkUI(_state().engine.options, auth=get_auth(), nonce=g.get("clerk_nonce"))


def _component(name: str) -> Callable[..., Markup]:
    def mount(**props: Any) -> Markup:
        return Markup(mount_point(name, props))  # noqa: S704 (clerk_core.ui escapes every value)

    mount.__name__ = f"clerk_{name}"
    return mount


def clerk_js(**load_options: Any) -> Markup:
    """The ClerkJS script tags (once per page)."""
    return Markup(_ui().clerk_js(**load_options))  # noqa: S704


def clerk_signed_in(caller: Callable[[], str] | None = None) -> Any:
    signed_in = _ui().signed_in
    if caller is None:
        return signed_in
    return Markup(caller()) if signed_in else Markup("")  # noqa: S704 (the template's own block)


def clerk_signed_out(caller: Callable[[], str] | None = None) -> Any:
    signed_out = not _ui().signed_in
    if caller is None:
        return signed_out
    return Markup(caller()) if signed_out else Markup("")  # noqa: S704


def clerk_nonce() -> str:
    """This request's Content Security Policy nonce ('' when the option is off)."""
    nonce: str | None = g.get("clerk_nonce")
    return nonce or ""


def clerk_sign_out_button(label: str = "Sign out", **options: Any) -> Markup:
    return Markup(sign_out_button(label, **options))  # noqa: S704


def clerk_template_globals() -> dict[str, Any]:
    """The globals, by name (``Clerk(app)`` adds them to ``app.jinja_env``)."""
    names: dict[str, Any] = {f"clerk_{name}": _component(name) for name in COMPONENTS}
    names.update(
        clerk_js=clerk_js,
        clerk_signed_in=clerk_signed_in,
        clerk_signed_out=clerk_signed_out,
        clerk_nonce=clerk_nonce,
        clerk_sign_out_button=clerk_sign_out_button,
    )
    return names
