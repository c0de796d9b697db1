"""JavaScript's ``Number(string)``, ``String(number)`` and ``new URL(text).origin``, for values
Clerk's JS SDK reads that way.

Clerk reads the ``__clerk_redirect_count`` cookie with ``Number(value) || 0`` and writes back
``value + 1``; the engine must read and write it identically, or the same browser would be sent to a
handshake by one SDK and signed out by the other (``"0x3"`` is 3, ``"3abc"`` is 0, ``"1e1"`` is 10).
Likewise Clerk compares a ``Referer`` with the app's origin through ``new URL(referer).origin``
(``https://app.example.com:443/`` is same-origin).
"""

from __future__ import annotations

import math
import re

__all__ = ["js_number", "js_number_or_zero", "js_number_to_string", "js_url_origin"]

# StrWhiteSpaceChar (ECMA-262 7.1.4.1.1): WhiteSpace (TAB, VT, FF, ZWNBSP and every Zs character)
# and LineTerminator (LF, CR, LS, PS).
_JS_SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)", re.ASCII)
_NON_DECIMAL = {
    "0x": re.compile(r"[0-9a-fA-F]+", re.ASCII),
    "0o": re.compile(r"[0-7]+", re.ASCII),
    "0b": re.compile(r"[01]+", re.ASCII),
}
_BASES = {"0x": 16, "0o": 8, "0b": 2}


def js_number(value: str | None) -> float:
    """``Number(value)`` as JavaScript computes it for a string (``None`` is ``undefined``: NaN).

    Surrounding JavaScript white space is ignored; an empty string is 0; ``Infinity`` may carry a
    sign; ``0x``/``0o``/``0b`` literals are read (without a sign); anything else (``"3abc"``,
    ``"1_0"``, ``"inf"``, ``"nan"``) is NaN.
    """
    if value is None:
        return math.nan
    text = value.strip(_JS_SPACE)
    if not text:
        return 0.0
    if text in ("Infinity", "+Infinity"):
        return math.inf
    if text == "-Infinity":
        return -math.inf
    prefix = text[:2].lower()
    if prefix in _NON_DECIMAL:
        digits = text[2:]
        if not _NON_DECIMAL[prefix].fullmatch(digits):
            return math.nan
        try:
            return float(int(digits, _BASES[prefix]))
        except OverflowError:
            return math.inf
    if not _DECIMAL.fullmatch(text):
        return math.nan
    return float(text)


def js_number_or_zero(value: str | None) -> float:
    """``Number(value) || 0``: NaN and -0 become 0."""
    number = js_number(value)
    return 0.0 if math.isnan(number) or number == 0 else number


def js_number_to_string(number: float) -> str:
    """``String(number)`` (ECMA-262 Number::toString, radix 10): ``5``, ``4.5``, ``Infinity``,
    ``1e+21``, ``1.5e-7``."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "Infinity" if number > 0 else "-Infinity"
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    # repr() gives the shortest round-tripping digits, as JavaScript does; reformat them.
    mantissa, _, exp_text = repr(abs(number)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    # The decimal point sits after `point` digits of `whole + fraction`; shift by the exponent.
    point = len(whole) + (int(exp_text) if exp_text else 0)
    point -= len(whole + fraction) - len((whole + fraction).lstrip("0"))
    digits = digits.rstrip("0")
    k, n = len(digits), point
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    exponent = n - 1
    exp_sign = "+" if exponent >= 0 else "-"
    head = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{sign}{head}e{exp_sign}{abs(exponent)}"


# ------------------------------------------------------------------ new URL(text).origin / .hostname
# The URL standard's special schemes and their default ports.
_SPECIAL_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
_SPECIAL_END = re.compile(r"[/\\?#]")
_OPAQUE_END = re.compile(r"[/?#]")


def js_url_origin(text: str) -> tuple[str | None, str] | None:
    """``(new URL(text).origin, new URL(text).hostname)`` for an absolute URL, ``None`` where
    ``new URL(text)`` throws (a relative reference, an empty or malformed host, a bad port).

    The origin is ``None`` where JavaScript prints ``"null"`` (any scheme but http(s), ws(s), ftp).
    This follows the URL standard's parser for what a ``Referer`` can hold: surrounding C0 controls
    and spaces and every tab or newline are dropped; after a special scheme any run of ``/`` and
    ``\\`` is skipped, the host ends at ``/``, ``\\``, ``?`` or ``#``, user info is dropped, the
    host is lower-cased and a default port is omitted. Host percent-decoding, IDNA and numeric
    IPv4 forms are not rewritten (such hosts simply compare unequal).
    """
    text = text.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _SCHEME.match(text)
    if match is None:
        return None
    scheme = match.group()[:-1].lower()
    rest = text[match.end() :]
    default = _SPECIAL_PORTS.get(scheme)
    if default is None:
        if not rest.startswith("//"):
            return None, ""
        authority = _OPAQUE_END.split(rest[2:], maxsplit=1)[0].rpartition("@")[2]
        host = authority.rpartition(":")[0] if authority.rpartition(":")[2].isdigit() else authority
        return None, host
    authority = _SPECIAL_END.split(rest.lstrip("/\\"), maxsplit=1)[0].rpartition("@")[2]
    if authority.startswith("["):
        host, bracket, port = authority.partition("]")
        if not bracket or (port and not port.startswith(":")):
            return None
        host += "]"
        port = port[1:]
    else:
        host, _, port = authority.partition(":")
    host = host.lower()
    if not host or any(ch in host for ch in ' <>^|"'):
        return None
    if port:
        if not port.isascii() or not port.isdigit() or int(port) > 65535:
            return None
        if int(port) != default:
            return f"{scheme}://{host}:{int(port)}", host
    return f"{scheme}://{host}", host
