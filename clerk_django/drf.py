"""Django REST framework: ``ClerkAuthentication`` and permissions.

    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["clerk_django.drf.ClerkAuthentication"]}

    class Orders(APIView):
        permission_classes = [HasPermission("org:orders:read")]

``request.auth`` is the Clerk auth object and ``request.user`` a :class:`ClerkDRFUser` (or the Django
user, with ``CLERK["django_users"]``). A missing token leaves the request anonymous; an invalid one
is refused. A request signed in by the session cookie must pass Django's CSRF check (DRF's 403
otherwise), as with ``SessionAuthentication``. Permission *instances* such as
``HasRole("org:admin")`` can be listed directly in ``permission_classes``.

Refusals have the body every Clerk adapter sends (``clerk_core.responses``): 401
``{"error": "unauthenticated", "reason": "<Clerk reason>"}`` with ``WWW-Authenticate: Bearer``, 403
``{"error": "forbidden"}`` (404 ``{"error": "not_found"}`` with ``unauthenticated_status`` /
``unauthorized_status=404``), and Clerk's headers (``x-clerk-auth-*``, ``Cache-Control:
no-store``). They are raised as DRF exceptions (:class:`ClerkNotAuthenticated`,
:class:`ClerkAuthenticationFailed`, :class:`ClerkPermissionDenied`, :class:`ClerkNotFound`), whose
``detail`` is that body and ``response`` the core response, so DRF's exception handler, or your own
``EXCEPTION_HANDLER``, renders them. An API never gets a sign-in redirect here. Permissions composed
with ``|``, ``&`` or ``~`` answer DRF's own bodies (a composition decides as a whole).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import (
    APIException,
    AuthenticationFailed,
    ErrorDetail,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
)
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clerk_core import (
    AuthObject,
    AuthResponse,
    AuthStatus,
    ProtectError,
    RequestState,
    TokenTypeMismatch,
    Unauthenticated,
    auth_response,
    parse_authorization,
)
from clerk_core.auth import route_token_types
from clerk_core.options import AcceptsToken
from clerk_core.protect import route_accepts_token, sent_machine_type, validate_protect_params
from clerk_core.routes import routed_path

from ._http import authenticate, request_state, request_view, store
from .conf import clerk_settings, get_clerk

__all__ = [
    "ClerkAuthentication",
    "ClerkAuthenticationFailed",
    "ClerkDRFUser",
    "ClerkNotAuthenticated",
    "ClerkNotFound",
    "ClerkPermissionDenied",
    "Has",
    "HasFeature",
    "HasPermission",
    "HasPlan",
    "HasRole",
    "IsSignedIn",
]


@routed_path.register
def _routed_path(request: Request) -> str:
    return request._request.path_info


REFUSAL_ATTR = "_clerk_drf_refusal"
# Headers DRF sets itself (the challenge, from ClerkAuthentication.authenticate_header), renders
# (the content type), or cannot hold in a dict (Set-Cookie: ClerkMiddleware adds those lines).
_DRF_OWN = frozenset({"content-type", "www-authenticate", "set-cookie"})


class _ClerkRefusal(APIException):
    """A Clerk refusal as a DRF exception: ``detail`` is the core body, ``response`` the core
    response (status and headers included)."""

    response: AuthResponse

    def __init__(self, response: AuthResponse) -> None:
        super().__init__()
        self.response = response
        self.status_code = response.status
        body = response.json() or {}
        # ErrorDetail keeps DRF's get_codes()/get_full_details() working for custom handlers; it
        # is a str, so the JSON body is the core's.
        self.detail = {
            key: ErrorDetail(value, code=self.default_code) if isinstance(value, str) else value
            for key, value in body.items()
        }
        challenge = response.header("www-authenticate")
        if challenge is not None:
            self.auth_header = challenge


class ClerkNotAuthenticated(_ClerkRefusal, NotAuthenticated):
    """401: nobody is signed in (a Clerk permission refused a signed-out request)."""


class ClerkAuthenticationFailed(_ClerkRefusal, AuthenticationFailed):
    """401: the request sent a token Clerk refused (expired, invalid, not an accepted type)."""


class ClerkPermissionDenied(_ClerkRefusal, PermissionDenied):
    """403: signed in, but not allowed."""


class ClerkNotFound(_ClerkRefusal, NotFound):
    """404: ``unauthenticated_status=404`` / ``unauthorized_status=404`` hide the route."""


def _refusal(
    request: Request, view: Any, outcome: ProtectError | RequestState, *, failed: bool = False
) -> _ClerkRefusal:
    """The DRF exception for a refusal, rendered by the core as an API response. Its headers but
    the challenge go to the view's response headers (DRF's exception handler copies only
    ``WWW-Authenticate``), so they reach the client with or without ``ClerkMiddleware``."""
    django_request = request._request
    state = request_state(django_request)
    rendered = auth_response(
        outcome, request_view(django_request), get_clerk().options, state=state, page=False
    )
    setattr(django_request, REFUSAL_ATTR, rendered)
    headers = getattr(view, "headers", None)
    if isinstance(headers, dict):
        for name, value in rendered.headers:
            if name.lower() not in _DRF_OWN:
                headers[name] = value
    kind: type[_ClerkRefusal]
    if rendered.status == 401:
        kind = ClerkAuthenticationFailed if failed else ClerkNotAuthenticated
    elif rendered.status == 404:
        kind = ClerkNotFound
    else:
        kind = ClerkPermissionDenied
    return kind(rendered)


class ClerkDRFUser:
    """``request.user`` for DRF when Django users are not mapped."""

    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False

    def __init__(self, auth: AuthObject) -> None:
        self.auth = auth
        self.pk = self.id = auth.user_id or auth.subject or auth.id

    def __repr__(self) -> str:
        return f"ClerkDRFUser({self.pk!r})"

    @property
    def is_authenticated(self) -> bool:
        return self.auth.is_authenticated

    def __str__(self) -> str:
        return str(self.pk or "")


class ClerkAuthentication(BaseAuthentication):
    """Clerk sessions and machine tokens for DRF.

    DRF views are exempt from Django's ``CsrfViewMiddleware``, so, like ``SessionAuthentication``,
    this class runs Django's CSRF check itself on a request signed in by the session cookie: an
    unsafe request needs the CSRF token (``csrftoken`` cookie and ``X-CSRFToken`` header or
    ``csrfmiddlewaretoken`` field) and, over HTTPS, a trusted ``Origin``/``Referer``; a failure is
    DRF's 403 ``PermissionDenied``. Bearer requests are exempt; ``csrf_origin_check=False`` turns
    the check off.
    """

    accepts_token: AcceptsToken | None = None
    """The token types this view takes (``"api_key"``, a list, ``"any"``), on top of the app-wide
    ``accepts_token``: another type sent is refused with a 401 ``token-type-mismatch``; a type the
    app-wide setting excludes is verified again with these types. ``None``: the app's setting.
    Set it on a subclass, or use :meth:`accepting`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.accepts_token is not None:
            validate_protect_params({"token": cls.accepts_token})

    @classmethod
    def accepting(cls, token: AcceptsToken) -> type[ClerkAuthentication]:
        """This class taking only ``token`` (``authentication_classes =
        [ClerkAuthentication.accepting(["api_key", "m2m_token"])]``)."""
        return type(f"{cls.__name__}Accepting", (cls,), {"accepts_token": token})

    def authenticate(self, request: Request) -> tuple[Any, AuthObject] | None:
        django_request = request._request
        auth = authenticate(django_request)
        state = request_state(django_request)
        if self.accepts_token is not None:
            params = {"token": self.accepts_token}
            wider = route_accepts_token(
                state, auth, params, get_clerk().options, lambda: request_view(django_request)
            )
            if wider is not None:
                state = get_clerk().authenticate_request(
                    request_view(django_request), accepts_token=wider
                )
                auth = store(django_request, state)
            sent = parse_authorization(django_request.headers.get("authorization"))
            types = route_token_types(self.accepts_token)
            machine = sent_machine_type(request_view(django_request)) if sent else None
            if ((sent is not None or auth.is_authenticated) and auth.token_type not in types) or (
                machine is not None and machine not in types
            ):
                view = (request.parser_context or {}).get("view")
                raise _refusal(request, view, TokenTypeMismatch(), failed=True)
        if state is not None and state.location:
            # A handshake or the development return trip: a redirect DRF cannot send here (the
            # middleware does), so the request is anonymous rather than half signed in.
            return None
        if auth.is_authenticated:
            self.enforce_csrf(django_request)
            if clerk_settings().get("django_users") and auth.token_type == "session_token":
                from .users import user_or_anonymous

                # Deleted in Clerk or deactivated: an anonymous Django user, as the middleware.
                claims = getattr(auth, "session_claims", None)
                return user_or_anonymous(auth.user_id or "", claims), auth
            return ClerkDRFUser(auth), auth
        token_sent = parse_authorization(django_request.headers.get("authorization"))
        if (
            token_sent is not None
            and state is not None
            and state.status is not AuthStatus.SIGNED_IN
        ):
            view = (request.parser_context or {}).get("view")
            raise _refusal(request, view, state, failed=True)
        return None

    def enforce_csrf(self, request: HttpRequest) -> None:
        """Django's CSRF check for a request signed in by the session cookie (DRF's
        ``SessionAuthentication.enforce_csrf``); raises ``PermissionDenied`` when it fails."""
        state = request_state(request)
        if (
            state is None
            or state.token_source != "cookie"
            or not get_clerk().options.csrf_origin_check
        ):
            return

        def dummy_get_response(request: HttpRequest) -> None:  # pragma: no cover - never called
            return None

        check = CSRFCheck(dummy_get_response)
        check.process_request(request)  # reads the CSRF cookie into request.META["CSRF_COOKIE"]
        reason = check.process_view(request, None, (), {})
        if reason:
            raise PermissionDenied(f"CSRF Failed: {reason}")

    def authenticate_header(self, request: Request) -> str:
        """The core's challenge: ``Bearer``, or ``Bearer error="invalid_token"`` when the
        request sent a token that was refused."""
        rendered: AuthResponse | None = getattr(request._request, REFUSAL_ATTR, None)
        challenge = rendered.header("www-authenticate") if rendered is not None else None
        return challenge or "Bearer"


# The refusal of the permission that failed last in this context, and that permission: DRF reads
# the failed permission's ``message`` right after ``has_permission`` returned False.
_denied: ContextVar[tuple[BasePermission, Callable[[], _ClerkRefusal]] | None] = ContextVar(
    "clerk_drf_denied", default=None
)


class _Instance(BasePermission):
    """A permission configured at construction that DRF can still "instantiate".

    On a refusal it answers the core response: ``has_permission`` returns ``False`` (so ``|``,
    ``&`` and ``~`` compose as usual) and keeps the refusal; DRF then reads the failed
    permission's ``message``, which raises it (a composition's own ``message`` is DRF's)."""

    def __call__(self) -> _Instance:
        return self

    def _auth(self, request: Request) -> AuthObject | None:
        auth = request.auth
        return auth if auth is not None and hasattr(auth, "has") else None

    token: AcceptsToken | None = None

    def _refuse(
        self,
        request: Request,
        view: Any,
        auth: AuthObject | None,
        *,
        condition: Any = None,
        **params: Any,
    ) -> bool:
        """``True`` when ``auth.protect(token=self.token, **params)`` allows the request, else
        ``False`` with the refusal kept (reverification hint and token-type mismatch included)."""
        if auth is None:
            outcome: ProtectError = Unauthenticated("Sign-in required.")
        else:
            try:
                auth.protect(token=self.token, condition=condition, **params)
                return True
            except ProtectError as exc:
                outcome = exc
        # Rendered only when DRF reads ``message``, i.e. refuses: inside a composition that lets
        # the request in, nothing of the refusal (headers included) reaches the response.
        _denied.set((self, lambda: _refusal(request, view, outcome)))
        return False

    @property
    def message(self) -> str:
        denied = _denied.get()
        if denied is None or denied[0] is not self:
            return str(PermissionDenied.default_detail)
        _denied.set(None)
        raise denied[1]()


class IsSignedIn(_Instance):
    """A Clerk session or an accepted machine token. List the class in ``permission_classes``, or
    an instance ``IsSignedIn(token="api_key")`` for the token types the view takes (another type
    sent: 401 ``token-type-mismatch``)."""

    def __init__(self, *, token: AcceptsToken | None = None) -> None:
        if token is not None:
            validate_protect_params({"token": token})
        self.token = token

    def __repr__(self) -> str:
        return "IsSignedIn()" if self.token is None else f"IsSignedIn(token={self.token!r})"

    def has_permission(self, request: Request, view: Any) -> bool:
        return self._refuse(request, view, self._auth(request))


class Has(_Instance):
    """Any ``has()`` check: ``Has(role=..., permission=..., feature=..., plan=...,
    reverification=...)`` or ``Has(condition=lambda has: ...)``; ``token=`` names the token types
    the view takes. A failed ``reverification`` answers Clerk's 403 reverification hint."""

    def __init__(
        self,
        *,
        condition: Callable[[Callable[..., bool]], bool] | None = None,
        token: AcceptsToken | None = None,
        **params: Any,
    ) -> None:
        validate_protect_params({**params, "token": token})
        self.condition = condition
        self.token = token
        self.params: Mapping[str, Any] = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.params)})"

    def has_permission(self, request: Request, view: Any) -> bool:
        auth = self._auth(request)
        return self._refuse(request, view, auth, condition=self.condition, **self.params)


class HasRole(Has):
    def __init__(self, role: str) -> None:
        super().__init__(role=role)


class HasPermission(Has):
    def __init__(self, permission: str) -> None:
        super().__init__(permission=permission)


class HasFeature(Has):
    def __init__(self, feature: str) -> None:
        super().__init__(feature=feature)


class HasPlan(Has):
    def __init__(self, plan: str) -> None:
        super().__init__(plan=plan)
