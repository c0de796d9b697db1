"""``/sessions``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from ...resources import Session, Token
from .._call import Call, body, one

__all__ = ["create_session_token", "get_session", "revoke_session"]


def get_session(session_id: str) -> Call[Session]:
    return Call("GET", "/sessions/{session_id}", one(Session), ids={"session_id": session_id})


def revoke_session(session_id: str) -> Call[Session]:
    return Call(
        "POST", "/sessions/{session_id}/revoke", one(Session), ids={"session_id": session_id}
    )


def create_session_token(
    session_id: str, *, expires_in_seconds: int | None = None, template: str | None = None
) -> Call[Token]:
    """``POST /sessions/{session_id}/tokens[/{template}]``: a fresh session token, or one made
    from a JWT template (``""`` or ``None``: the default token)."""
    ids = {"session_id": session_id}
    path = "/sessions/{session_id}/tokens"
    if template:
        ids["template"] = template
        path += "/{template}"
    return Call("POST", path, one(Token), body=body(expires_in_seconds=expires_in_seconds), ids=ids)
