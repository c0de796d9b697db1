"""Links to Clerk's dashboard (the Django admin's "Open in Clerk").

``CLERK["dashboard_url"]`` is a template with ``{path}`` (``users/user_123``,
``organizations/org_123``). Clerk's keys do not say which application and instance they belong to,
so the default goes through the dashboard's last active instance::

    https://dashboard.clerk.com/last-active?path={path}

and a link straight to your instance is
``https://dashboard.clerk.com/apps/app_.../instances/ins_.../{path}``.
"""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote

from .conf import clerk_settings

__all__ = ["DEFAULT_DASHBOARD_URL", "dashboard_url", "dashboard_url_problem"]

DEFAULT_DASHBOARD_URL = "https://dashboard.clerk.com/last-active?path={path}"


def dashboard_url_problem(template: Any) -> str | None:
    """Why ``template`` is not a usable dashboard URL template (``None`` when it is, or unset)."""
    if template is None:
        return None
    where = "settings.CLERK['dashboard_url']"
    if not isinstance(template, str) or not template.startswith("https://"):
        return f"{where} must be an https:// URL template."
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        return f"{where} is not a valid template: {exc}."
    if names != {"path"}:
        return f"{where} must contain {{path}} and no other placeholder."
    return None


def dashboard_url(kind: str, clerk_id: str) -> str:
    """The dashboard page of a Clerk user (``kind="users"``) or organization (``"organizations"``)."""
    template = clerk_settings().get("dashboard_url")
    if dashboard_url_problem(template) is not None or template is None:
        template = DEFAULT_DASHBOARD_URL
    return str(template).format(path=f"{kind}/{quote(clerk_id, safe='')}")
