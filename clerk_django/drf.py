"""Django REST framework: ``ClerkAuthentication`` and permissions.

    REST_FRAMEWORK = {"DEFAULT_AUTHENTICATION_CLASSES": ["clerk_django.drf.ClerkAuthentication"]}

    class Orders(APIView):
        permission_classes = [HasPermission("org:orders:read")]

``request.auth`` is the Clerk auth object and ``request.user`` a :class:`ClerkDRFUser` (or the Django
user, with ``CLERK["django_users"]``). A missing token leaves the request anonymous (DRF answers 401
with ``WWW-Authenticate: Bearer`` when a permission needs a user); an invalid one is a 401 carrying
Clerk's reason. A request signed in by the session cookie must pass Django's CSRF check (403
otherwise), as with ``SessionAuthentication``. Permission *instances* such as
``HasRole("org:admin")`` can be listed directly in ``permission_classes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest
from rest_framework.authentication import BaseAuthentication, CSRFCheck
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from clerk_core import AuthObject, AuthStatus, parse_authorization
from clerk_core.routes import routed_path

from ._http import authenticate, request_state
from .conf import clerk_settings, get_clerk

__all__ = [
    "ClerkAuthentication",
    "ClerkDRFUser",
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

    def authenticate(self, request: Request) -> tuple[Any, AuthObject] | None:
        django_request = request._request
        auth = authenticate(django_request)
        state = request_state(django_request)
        if state is not None and state.location:
            # A handshake or the development return trip: a redirect DRF cannot send here (the
            # middleware does), so the request is anonymous rather than half signed in.
            return None
        if auth.is_authenticated:
            self.enforce_csrf(django_request)
            if clerk_settings().get("django_users") and auth.token_type == "session_token":
                from .users import user_for

                return user_for(auth.user_id or ""), auth
            return ClerkDRFUser(auth), auth
        token_sent = parse_authorization(django_request.headers.get("authorization"))
        if (
            token_sent is not None
            and state is not None
            and state.status is not AuthStatus.SIGNED_IN
        ):
            raise AuthenticationFailed(state.reason or "invalid token", code=state.reason)
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
        return "Bearer"


class _Instance(BasePermission):
    """A permission configured at construction that DRF can still "instantiate"."""

    def __call__(self) -> _Instance:
        return self

    def _auth(self, request: Request) -> AuthObject | None:
        auth = request.auth
        return auth if auth is not None and hasattr(auth, "has") else None


class IsSignedIn(_Instance):
    """A Clerk session or an accepted machine token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        auth = self._auth(request)
        return bool(auth and auth.is_authenticated)


class Has(_Instance):
    """Any ``has()`` check: ``Has(role=..., permission=..., feature=..., plan=...,
    reverification=...)`` or ``Has(condition=lambda has: ...)``."""

    def __init__(
        self, *, condition: Callable[[Callable[..., bool]], bool] | None = None, **params: Any
    ) -> None:
        self.condition = condition
        self.params: Mapping[str, Any] = params

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict(self.params)})"

    def has_permission(self, request: Request, view: Any) -> bool:
        auth = self._auth(request)
        if auth is None or not auth.is_authenticated:
            return False
        if self.params and not auth.has(**self.params):
            return False
        if self.condition is not None:
            try:
                return bool(self.condition(auth.has))
            except Exception:
                return False
        return True


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
