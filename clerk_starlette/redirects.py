"""``redirect_to_sign_in`` / ``redirect_to_sign_up``: Clerk's ``redirectToSignIn()`` and
``redirectToSignUp()`` for Starlette and FastAPI routes (docs/redirects.md).

    @app.get("/checkout")
    async def checkout(request: Request):
        if not get_auth(request).is_authenticated:
            return await redirect_to_sign_in(request)
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response

from clerk_core import AuthResponse, Clerk, ClerkOptions, RequestState, RequestView
from clerk_core.responses import redirect_to_sign_in as core_redirect_to_sign_in
from clerk_core.responses import redirect_to_sign_up as core_redirect_to_sign_up

from .middleware import OPTIONS_KEY, STATE_KEY, request_view

__all__ = ["redirect_to_sign_in", "redirect_to_sign_up"]

Build = Callable[..., AuthResponse]


async def redirect_to_sign_in(request: Request, *, return_back_url: str | None = None) -> Response:
    """A 307 to the sign-in page with ``redirect_url`` set to this page (or to
    ``return_back_url`` when the open-redirect rules allow it). Return it from a route."""
    return await _account_redirect(request, return_back_url, core_redirect_to_sign_in)


async def redirect_to_sign_up(request: Request, *, return_back_url: str | None = None) -> Response:
    """:func:`redirect_to_sign_in` for the sign-up page (``sign_up_url``, else
    ``<sign_in_url>/create``, else the Account Portal's ``/sign-up``)."""
    return await _account_redirect(request, return_back_url, core_redirect_to_sign_up)


async def _account_redirect(
    request: Request, return_back_url: str | None, build: Build
) -> Response:
    scope = request.scope
    view: RequestView = request_view(scope)
    if STATE_KEY in scope:  # ClerkMiddleware or a FastAPI dependency authenticated the request
        state: RequestState = scope[STATE_KEY]
        options: ClerkOptions = scope[OPTIONS_KEY]
    else:
        engine = getattr(request.app.state, "clerk", None)
        if not isinstance(engine, Clerk):
            raise RuntimeError(
                "redirect_to_sign_in() needs the request's Clerk state: add ClerkMiddleware to "
                "the app, protect the route with a clerk_starlette.fastapi dependency, or set "
                "app.state.clerk to the Clerk engine."
            )
        state = await engine.authenticate_request_async(view)
        options = engine.options
    rendered = build(view, options, state=state, return_back_url=return_back_url)
    out = Response(rendered.body, status_code=rendered.status, media_type=rendered.content_type)
    out.raw_headers.extend(
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in rendered.headers
        if name.lower() != "content-type"
    )
    return out
