"""``current_auth``: the Clerk auth object of the current request, as a proxy."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from werkzeug.local import LocalProxy

from .extension import get_auth

if TYPE_CHECKING:
    from clerk_core import AuthObject

__all__ = ["current_auth"]

current_auth: AuthObject = cast("AuthObject", LocalProxy(get_auth))
