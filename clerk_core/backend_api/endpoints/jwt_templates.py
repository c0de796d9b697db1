"""``/jwt_templates``: each function builds the :class:`~clerk_core.backend_api.Call` of one
endpoint."""

from __future__ import annotations

from ...resources import JwtTemplate
from .._call import Call, ClerkList, many, one, to_query

__all__ = ["get_jwt_template", "list_jwt_templates"]


def list_jwt_templates(
    *, limit: int | None = None, offset: int | None = None
) -> Call[ClerkList[JwtTemplate]]:
    return Call(
        "GET",
        "/jwt_templates",
        many(JwtTemplate),
        to_query(limit=limit, offset=offset, paginated=True),
    )


def get_jwt_template(template_id: str) -> Call[JwtTemplate]:
    return Call(
        "GET", "/jwt_templates/{template_id}", one(JwtTemplate), ids={"template_id": template_id}
    )
