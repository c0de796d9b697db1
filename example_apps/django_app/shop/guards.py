"""Route rules checked by ClerkMiddleware before any view runs (settings.CLERK["guard"])."""

from __future__ import annotations

from django.http import HttpRequest

from clerk_core import AuthObject, create_route_matcher

is_admin_area = create_route_matcher(["/admin-area(.*)"])


def guard(auth: AuthObject, request: HttpRequest) -> None:
    if is_admin_area(request):
        auth.protect(role="org:admin", unauthorized_url="/no-access")
