"""Clerk's UI in Django templates: ``{% load clerk %}``.

::

    {% load clerk %}
    <head>{% clerk_js %}</head>
    {% signed_in %}{% clerk_user_button after_sign_out_url="/" %}{% end_signed_in %}
    {% signed_out %}<a href="/sign-in">Sign in</a>{% end_signed_out %}
    {% clerk_sign_in redirect_url="/dashboard" %}

Tags: ``clerk_js`` (the ClerkJS script tags, once per page; keyword arguments go to
``Clerk.load()``), one per component (``clerk_sign_in``, ``clerk_sign_up``, ``clerk_user_button``,
``clerk_user_profile``, ``clerk_organization_switcher``, ``clerk_organization_profile``,
``clerk_create_organization``; keyword arguments are Clerk's options), ``clerk_sign_out_button``,
``clerk_nonce``, and the blocks ``signed_in`` / ``signed_out`` (closed by ``end_signed_in`` /
``end_signed_out``; ``endsigned_in`` works too), driven by ``request.auth``.

They need the request in the template context (``django.template.context_processors.request``,
on in Django's default settings). The HTML comes from :mod:`clerk_core.ui`; every value is escaped
there, so the tags are safe under autoescape.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import ImproperlyConfigured
from django.utils.safestring import SafeString, mark_safe

from clerk_core.ui import COMPONENTS, ClerkUI, mount_point, sign_out_button

register = template.Library()

__all__ = ["register"]


def _ui(context: template.Context) -> ClerkUI:
    from .._http import get_auth
    from ..conf import get_clerk

    request = context.get("request")
    if request is None:
        raise ImproperlyConfigured(
            "The Clerk template tags need the request in the template context: add "
            "'django.template.context_processors.request' to TEMPLATES[...]['OPTIONS']"
            "['context_processors'] and render with render(request, ...)."
        )
    return ClerkUI(
        get_clerk().options, auth=get_auth(request), nonce=getattr(request, "clerk_nonce", None)
    )


@register.simple_tag(takes_context=True)
def clerk_js(context: template.Context, **load_options: Any) -> SafeString:
    """The ClerkJS script tags (once per page)."""
    return mark_safe(_ui(context).clerk_js(**load_options))  # noqa: S308 (clerk_core.ui escapes)


@register.simple_tag(takes_context=True)
def clerk_nonce(context: template.Context) -> str:
    """This request's Content Security Policy nonce ('' when the option is off)."""
    return _ui(context).nonce or ""


@register.simple_tag
def clerk_sign_out_button(label: str = "Sign out", **options: Any) -> SafeString:
    return mark_safe(sign_out_button(label, **options))  # noqa: S308


def _register_component(name: str) -> None:
    def tag(**props: Any) -> SafeString:
        return mark_safe(mount_point(name, props))  # noqa: S308

    tag.__name__ = f"clerk_{name}"
    tag.__doc__ = f"Mount Clerk's {COMPONENTS[name]} here (keyword arguments: its options)."
    register.simple_tag(tag, name=f"clerk_{name}")


for _name in COMPONENTS:
    _register_component(_name)


class _AuthBlockNode(template.Node):
    def __init__(self, nodelist: template.NodeList, *, when_signed_in: bool) -> None:
        self.nodelist = nodelist
        self.when_signed_in = when_signed_in

    def render(self, context: template.Context) -> str:
        if _ui(context).signed_in is self.when_signed_in:
            return str(self.nodelist.render(context))
        return ""


def _block(parser: template.base.Parser, token: template.base.Token, *, signed_in: bool) -> Any:
    name = token.split_contents()[0]
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError(f"{{% {name} %}} takes no arguments.")
    nodelist = parser.parse((f"end_{name}", f"end{name}"))
    parser.delete_first_token()
    return _AuthBlockNode(nodelist, when_signed_in=signed_in)


@register.tag
def signed_in(parser: template.base.Parser, token: template.base.Token) -> Any:
    """``{% signed_in %}...{% end_signed_in %}``: shown to a signed-in request only."""
    return _block(parser, token, signed_in=True)


@register.tag
def signed_out(parser: template.base.Parser, token: template.base.Token) -> Any:
    """``{% signed_out %}...{% end_signed_out %}``: shown to a signed-out request only."""
    return _block(parser, token, signed_in=False)
