"""Clerk ``Set-Cookie`` lines that a cookie parser may not round-trip: every adapter must send them
verbatim (``Partitioned``, ``SameSite=None``, suffixed names, a repeated name, several per response)."""

from __future__ import annotations

from clerk_core.testing import LocalClerkInstance

PAGE = {"sec-fetch-dest": "document", "accept": "text/html"}
APP_COOKIES = ["theme=dark; Path=/; SameSite=Lax", "__session=app-owned; Path=/app"]
"""What the test apps' own cookie view sets: one cookie of its own, one sharing a Clerk name."""


def signed_in_lines(instance: LocalClerkInstance, user_id: str = "user_cookie") -> list[str]:
    """A handshake payload that signs ``user_id`` in (the last ``__session*`` line holds the token)."""
    s = instance.cookie_suffix
    token = instance.session_token(user_id, lifetime=600)
    uat = int(instance.clock()) - 5
    return [
        "__session=; Path=/; Domain=.app.example; Max-Age=0; Secure; SameSite=None; Partitioned",
        f"__client_uat_{s}={uat}; Path=/; Max-Age=31536000; Secure; SameSite=None; Partitioned",
        f"__client_uat={uat}; Path=/; Expires=Fri, 01 Jan 2100 00:00:00 GMT; SameSite=Lax",
        f"__session={token}; Path=/; Secure; HttpOnly; SameSite=Lax",
        f"__session_{s}={token}; Path=/; Secure; HttpOnly; SameSite=None; Partitioned",
    ]


def signed_out_lines(instance: LocalClerkInstance) -> list[str]:
    """A handshake payload that clears the session (signed out: ``session-token-missing``)."""
    s = instance.cookie_suffix
    return [
        f"__session_{s}=; Path=/; Max-Age=0; Secure; SameSite=None; Partitioned",
        f"__client_uat_{s}=0; Path=/; Max-Age=31536000; Secure; SameSite=None; Partitioned",
        "__client_uat=0; Path=/; SameSite=Lax",
    ]


def nonce_path(instance: LocalClerkInstance, path: str, lines: list[str]) -> str:
    return f"{path}?__clerk_handshake_nonce={instance.backend.handshake_nonce(lines)}"


def production() -> LocalClerkInstance:
    return LocalClerkInstance(instance_type="production", frontend_api="clerk.cookies.test")


def set_cookies(headers: list[tuple[str, str]]) -> list[str]:
    """The ``Set-Cookie`` values of a raw header list, in order (leading space trimmed)."""
    return [value.strip() for name, value in headers if name.lower() == "set-cookie"]


def handshake_set_cookies(emitted: list[str], lines: list[str]) -> bool:
    """A development handshake answer: Clerk's lines, verbatim and in order, then at most the
    engine's own redirect counter."""
    rest = emitted[len(lines) :]
    return emitted[: len(lines)] == lines and all(
        line.startswith("__clerk_redirect_count=") for line in rest
    )
