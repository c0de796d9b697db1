"""Template context: the Clerk auth object and the local-instance banner."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.safestring import mark_safe

from clerk_core.testing.frontend import PAGE_STYLE, banner_html


def clerk(request: HttpRequest) -> dict[str, Any]:
    local = settings.CLERK.get("local_frontend") is not None
    options = settings.CLERK.get("options")
    return {
        "auth": getattr(request, "auth", None),
        "clerk_banner": mark_safe(banner_html()) if local else "",  # noqa: S308 (our own escaped HTML)
        "page_style": mark_safe(PAGE_STYLE),  # noqa: S308
        "clerk_local": local,
        "clerk_frontend_api": getattr(options, "frontend_api", None) or "",
    }
