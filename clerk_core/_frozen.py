"""Read-only claims: verified claims are frozen once and then shared safely.

The token memory hands the same claims to every request that repeats a token, so a view that changed
``auth.session_claims`` (or a list or object inside it) would change what later requests see. The
claims are therefore frozen once, when a token is verified: a :class:`FrozenDict` of
:class:`FrozenList` / :class:`FrozenDict` values. They stay ``dict`` and ``list`` instances, so
``isinstance`` checks, ``json.dumps`` and Django's ``JsonResponse`` keep working, and ``copy()`` or
``dict(claims)`` gives a mutable copy; every in-place change raises ``TypeError``. Freezing costs one
walk of the claims on the first verification; a repeated token costs nothing more.
See docs/security.md ("Claims shared between requests").
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["FrozenDict", "FrozenList", "freeze"]


def _refuse(*_: Any, **__: Any) -> NoReturn:
    raise TypeError("verified token claims are read-only; copy them (dict(claims)) to change them")


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses every in-place change."""

    __slots__ = ()

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __reduce__(self) -> tuple[type[FrozenDict], tuple[dict[str, Any]]]:
        return (FrozenDict, (dict(self),))


class FrozenList(list[Any]):
    """A ``list`` that refuses every in-place change."""

    __slots__ = ()

    __setitem__ = _refuse
    __delitem__ = _refuse
    __iadd__ = _refuse
    __imul__ = _refuse
    append = _refuse
    extend = _refuse
    insert = _refuse
    pop = _refuse
    remove = _refuse
    clear = _refuse
    sort = _refuse
    reverse = _refuse

    def __reduce__(self) -> tuple[type[FrozenList], tuple[list[Any]]]:
        return (FrozenList, (list(self),))


_SCALARS = frozenset({str, int, float, bool, type(None)})
"""Types JSON decodes to that hold nothing to freeze (checked first: most claims are these)."""


def freeze(value: Any) -> Any:
    """``value`` with every ``dict`` and ``list`` in it (at any depth) made read-only."""
    if type(value) is FrozenDict or type(value) is FrozenList:
        return value
    if isinstance(value, dict):
        return FrozenDict(
            {key: item if type(item) in _SCALARS else freeze(item) for key, item in value.items()}
        )
    if isinstance(value, list):
        return FrozenList([item if type(item) in _SCALARS else freeze(item) for item in value])
    return value
