"""clerk_core: the framework-free Clerk engine shared by the Django, Flask and Starlette adapters.

Quick start::

    from clerk_core import Clerk, ClerkOptions, RequestView

    clerk = Clerk(ClerkOptions.from_env())          # once, at start-up
    state = clerk.authenticate_request(RequestView("GET", url, headers))
    auth = state.to_auth()
    if auth.has(role="org:admin"):
        ...
"""

from .__about__ import __version__
from .auth import AuthObject, MachineAuth, SessionAuth, SignedOutAuth
from .authorization import has_authorization
from .clerk import AuthErrorReason, AuthStatus, Clerk, RequestState
from .errors import (
    ClerkAPIError,
    ClerkConfigurationError,
    ClerkError,
    MachineUnauthenticated,
    MalformedURLError,
    ProtectError,
    ReverificationRequired,
    TokenTypeMismatch,
    TokenVerificationError,
    TokenVerificationErrorReason,
    Unauthenticated,
    Unauthorized,
    WebhookVerificationError,
)
from .options import ClerkOptions, cookie_suffix, parse_publishable_key
from .protect import ProtectParams, check_protect
from .redirects import component_redirect_options, is_allowed_redirect, safe_redirect_url
from .request import RequestView, parse_authorization, parse_cookie_header
from .responses import (
    AuthResponse,
    auth_response,
    early_response,
    is_page_request,
    redirect_to_sign_in,
    redirect_to_sign_up,
    sign_in_redirect_url,
    sign_up_redirect_url,
)
from .routes import RouteMatcher, create_route_matcher, normalize_path, routed_path
from .webhooks import (
    MemoryIdempotencyStore,
    WebhookEvent,
    WebhookRouter,
    WebhookVerifier,
    handle_webhook,
    handle_webhook_async,
    verify_webhook,
)

__all__ = [
    "AuthErrorReason",
    "AuthObject",
    "AuthResponse",
    "AuthStatus",
    "Clerk",
    "ClerkAPIError",
    "ClerkConfigurationError",
    "ClerkError",
    "ClerkOptions",
    "MachineAuth",
    "MachineUnauthenticated",
    "MalformedURLError",
    "MemoryIdempotencyStore",
    "ProtectError",
    "ProtectParams",
    "RequestState",
    "RequestView",
    "ReverificationRequired",
    "RouteMatcher",
    "SessionAuth",
    "SignedOutAuth",
    "TokenTypeMismatch",
    "TokenVerificationError",
    "TokenVerificationErrorReason",
    "Unauthenticated",
    "Unauthorized",
    "WebhookEvent",
    "WebhookRouter",
    "WebhookVerificationError",
    "WebhookVerifier",
    "__version__",
    "auth_response",
    "check_protect",
    "component_redirect_options",
    "cookie_suffix",
    "create_route_matcher",
    "early_response",
    "handle_webhook",
    "handle_webhook_async",
    "has_authorization",
    "is_allowed_redirect",
    "is_page_request",
    "normalize_path",
    "parse_authorization",
    "parse_cookie_header",
    "parse_publishable_key",
    "redirect_to_sign_in",
    "redirect_to_sign_up",
    "routed_path",
    "safe_redirect_url",
    "sign_in_redirect_url",
    "sign_up_redirect_url",
    "verify_webhook",
]
