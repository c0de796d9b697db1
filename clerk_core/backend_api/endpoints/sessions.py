"""``/sessions``: each function builds the :class:`~clerk_core.backend_api.Call` of one endpoint."""

from __future__ import annotations

from ...resources import Session, Token
from .._call import Call, ClerkList, body, many, one, to_query

__all__ = [
    "create_session",
    "create_session_token",
    "get_session",
    "list_sessions",
    "revoke_session",
]


def list_sessions(
    *,
    user_id: str | None = None,
    client_id: str | None = None,
    status: str | None = None,
    limit: int | None = None,
    offset: int | None = None,
) -> Call[ClerkList[Session]]:
    """``GET /sessions?paginated=true``: a user's or a client's sessions; ``status`` is
    ``active``, ``revoked``, ``ended``, ``expired``, ``removed``, ``replaced`` or ``abandoned``."""
    return Call(
        "GET",
        "/sessions",
        many(Session),
        to_query(
            user_id=user_id,
            client_id=client_id,
            status=status,
            limit=limit,
            offset=offset,
            paginated=True,
        ),
    )


def get_session(session_id: str) -> Call[Session]:
    return Call("GET", "/sessions/{session_id}", one(Session), ids={"session_id": session_id})


def create_session(user_id: str) -> Call[Session]:
    """``POST /sessions``: a session for ``user_id`` without a sign-in (development instances,
    tests)."""
    return Call("POST", "/sessions", one(Session), body=body(user_id=user_id))


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
