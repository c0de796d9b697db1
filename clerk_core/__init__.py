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
    MalformedURLError,
    ProtectError,
    TokenVerificationError,
    TokenVerificationErrorReason,
    Unauthenticated,
    Unauthorized,
    WebhookVerificationError,
)
from .options import ClerkOptions, cookie_suffix, parse_publishable_key
from .request import RequestView, parse_authorization, parse_cookie_header

__all__ = [
    "AuthErrorReason",
    "AuthObject",
    "AuthStatus",
    "Clerk",
    "ClerkAPIError",
    "ClerkConfigurationError",
    "ClerkError",
    "ClerkOptions",
    "MachineAuth",
    "MalformedURLError",
    "ProtectError",
    "RequestState",
    "RequestView",
    "SessionAuth",
    "SignedOutAuth",
    "TokenVerificationError",
    "TokenVerificationErrorReason",
    "Unauthenticated",
    "Unauthorized",
    "WebhookVerificationError",
    "__version__",
    "cookie_suffix",
    "has_authorization",
    "parse_authorization",
    "parse_cookie_header",
    "parse_publishable_key",
]
