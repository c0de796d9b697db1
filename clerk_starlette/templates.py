"""Clerk's UI in Jinja2 templates of Starlette and FastAPI apps (``Jinja2Templates``).

::

    templates = Jinja2Templates(directory="templates")
    install_clerk_templates(templates)

    # in a template rendered with TemplateResponse(request, "page.html"):
    <head>{{ clerk_js() }}</head>
    {% if clerk_signed_in() %}{{ clerk_user_button(after_sign_out_url="/") }}{% endif %}
    {{ clerk_sign_in(redirect_url="/dashboard") }}

The globals read the request the template is rendered with (``context["request"]``): its auth
object and options (set by ``ClerkMiddleware``) and its Content Security Policy nonce
(``request.state.clerk_nonce``). The HTML comes from :mod:`clerk_core.ui`, so it is the same as the
Django tags and the Flask globals emit. ``clerk_signed_in()`` / ``clerk_signed_out()`` return a
bool, or, used as ``{% call clerk_signed_in() %}...{% endcall %}``, render their block or nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    import jinja2
    from markupsafe import Markup
except ImportError as exc:  # pragma: no cover - exercised only without Jinja2
    raise ImportError(
        "clerk_starlette.templates needs Jinja2 (as Starlette's Jinja2Templates does): "
        "pip install jinja2"
    ) from exc
from starlette.templating import Jinja2Templates

from clerk_core.ui import COMPONENTS, ClerkUI, mount_point, sign_out_button

from .middleware import AUTH_KEY, NONCE_KEY, OPTIONS_KEY

__all__ = ["clerk_template_globals", "install_clerk_templates"]


def _ui(context: Any) -> ClerkUI:
    request = context.get("request")
    scope = getattr(request, "scope", None)
    if scope is None or OPTIONS_KEY not in scope:
        raise RuntimeError(
            "The Clerk template globals need the request: render with "
            "templates.TemplateResponse(request, 'page.html', ...) in an app that has "
            "ClerkMiddleware."
        )
    return ClerkUI(scope[OPTIONS_KEY], auth=scope.get(AUTH_KEY), nonce=scope.get(NONCE_KEY))


def _component(name: str) -> Callable[..., Markup]:
    @jinja2.pass_context
    def mount(context: Any, **props: Any) -> Markup:
        return Markup(mount_point(name, props))  # noqa: S704 (clerk_core.ui escapes every value)

    mount.__name__ = f"clerk_{name}"
    return mount


@jinja2.pass_context
def clerk_js(context: Any, **load_options: Any) -> Markup:
    """The ClerkJS script tags (once per page)."""
    return Markup(_ui(context).clerk_js(**load_options))  # noqa: S704


@jinja2.pass_context
def clerk_signed_in(context: Any, caller: Callable[[], str] | None = None) -> Any:
    signed_in = _ui(context).signed_in
    if caller is None:
        return signed_in
    return Markup(caller()) if signed_in else Markup("")  # noqa: S704 (the template's own block)


@jinja2.pass_context
def clerk_signed_out(context: Any, caller: Callable[[], str] | None = None) -> Any:
    signed_out = not _ui(context).signed_in
    if caller is None:
        return signed_out
    return Markup(caller()) if signed_out else Markup("")  # noqa: S704


@jinja2.pass_context
def clerk_nonce(context: Any) -> str:
    """This request's Content Security Policy nonce ('' when the option is off)."""
    return _ui(context).nonce or ""


def clerk_sign_out_button(label: str = "Sign out", **options: Any) -> Markup:
    return Markup(sign_out_button(label, **options))  # noqa: S704


def clerk_template_globals() -> dict[str, Any]:
    """The globals, by name: ``clerk_js``, ``clerk_sign_in``, ``clerk_sign_up``,
    ``clerk_user_button``, ``clerk_user_profile``, ``clerk_organization_switcher``,
    ``clerk_organization_profile``, ``clerk_create_organization``, ``clerk_sign_out_button``,
    ``clerk_signed_in``, ``clerk_signed_out``, ``clerk_nonce``."""
    names: dict[str, Any] = {f"clerk_{name}": _component(name) for name in COMPONENTS}
    names.update(
        clerk_js=clerk_js,
        clerk_signed_in=clerk_signed_in,
        clerk_signed_out=clerk_signed_out,
        clerk_nonce=clerk_nonce,
        clerk_sign_out_button=clerk_sign_out_button,
    )
    return names


def install_clerk_templates(templates: Jinja2Templates | jinja2.Environment) -> None:
    """Add the Clerk globals to a ``Jinja2Templates`` (or a Jinja2 ``Environment``)."""
    env = templates.env if isinstance(templates, Jinja2Templates) else templates
    env.globals.update(clerk_template_globals())
