"""``Retry-After``, read once for every caller (the JWKS cache and the Backend API clients).

RFC 9110 section 10.2.3 allows two forms: ``delta-seconds`` (ASCII digits only) and an HTTP-date. Anything
else (a negative number, a fraction, non-ASCII digits, junk) is ignored, as if the header were absent.
The answer is clamped to ``[0, MAX_RETRY_AFTER]`` so that a hostile or broken server cannot make a caller
wait for years, or overflow a conversion with a thousand-digit number.
"""

from __future__ import annotations

import datetime
import email.utils
import math
import re
import time

__all__ = ["MAX_RETRY_AFTER", "retry_after_seconds", "retry_after_whole_seconds"]

MAX_RETRY_AFTER = 86_400.0
"""One day: the longest wait any ``Retry-After`` is read as."""

_DELTA_SECONDS = re.compile(r"[0-9]+")


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` header value, or ``None`` when it says nothing.

    ``now`` (seconds since the epoch; ``time.time()`` by default) is the moment an HTTP-date is
    measured from; a date in the past means ``0``.
    """
    if not value:
        return None
    text = value.strip()
    if _DELTA_SECONDS.fullmatch(text):
        # Past 9 digits (over 31 years) the number can only be clamped; never convert a huge one.
        return MAX_RETRY_AFTER if len(text) > 9 else min(float(int(text)), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP-dates are always GMT
        when = when.replace(tzinfo=datetime.timezone.utc)
    try:
        stamp = when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    current = time.time() if now is None else now
    return min(max(stamp - current, 0.0), MAX_RETRY_AFTER)


def retry_after_whole_seconds(value: str | None, *, now: float | None = None) -> int | None:
    """:func:`retry_after_seconds` rounded up to whole seconds (``ClerkAPIError.retry_after``)."""
    seconds = retry_after_seconds(value, now=now)
    return None if seconds is None else math.ceil(seconds)
