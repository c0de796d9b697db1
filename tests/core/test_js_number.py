"""``clerk_core._js``: JavaScript's ``Number(string)`` and ``String(number)``.

Clerk reads the redirect-loop cookie with ``Number(cookie) || 0`` and writes ``count + 1`` back; the
expected values below are what Node prints for ``Number(x)`` and ``String(Number(x) || 0) + 1``.
"""

from __future__ import annotations

import math

import pytest

from clerk_core._js import js_number, js_number_or_zero, js_number_to_string, js_url_origin


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4", 4.0),
        ("3.5", 3.5),
        ("0x3", 3.0),
        ("0X1F", 31.0),
        ("0o17", 15.0),
        ("0b11", 3.0),
        (" 3", 3.0),
        ("\t3\n", 3.0),
        ("\xa03\u3000", 3.0),  # NBSP and the ideographic space are JavaScript white space
        ("\ufeff3", 3.0),
        ("", 0.0),
        ("   ", 0.0),
        ("1e1", 10.0),
        ("+3", 3.0),
        ("3.", 3.0),
        (".3e1", 3.0),
        ("00012", 12.0),
        ("2.9999999999999999", 3.0),
        ("Infinity", math.inf),
        ("+Infinity", math.inf),
        ("-Infinity", -math.inf),
        ("1e400", math.inf),
        ("-1", -1.0),
    ],
)
def test_js_number_reads_what_javascript_reads(text: str, expected: float) -> None:
    assert js_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "3abc",
        "1_0",
        "-0x3",  # a sign is not allowed before a non-decimal literal
        "0x",
        "0b2",
        "inf",  # Python spellings JavaScript does not know
        "nan",
        "infinity",
        "+",
        "-",
        ".",
        "e5",
        "1e",
        "3 4",
        "٣",  # Arabic-Indic digit: Python's float() reads it, JavaScript does not
        "\uff13",  # full-width digit 3, likewise
    ],
)
def test_js_number_is_nan_for_what_javascript_does_not_read(text: str) -> None:
    assert math.isnan(js_number(text))


def test_js_number_of_undefined_is_nan() -> None:
    assert math.isnan(js_number(None))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3abc", 0.0), ("-0", 0.0), (None, 0.0), ("", 0.0), ("0x3", 3.0), ("1e1", 10.0)],
)
def test_js_number_or_zero_maps_nan_and_negative_zero_to_zero(
    text: str | None, expected: float
) -> None:
    value = js_number_or_zero(text)
    assert value == expected
    assert math.copysign(1.0, value) == 1.0


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (5.0, "5"),
        (4.5, "4.5"),
        (11.0, "11"),
        (0.0, "0"),
        (-0.0, "0"),
        (-4.5, "-4.5"),
        (math.inf, "Infinity"),
        (-math.inf, "-Infinity"),
        (math.nan, "NaN"),
        (1e20, "100000000000000000000"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (1e-6, "0.000001"),
        (0.1, "0.1"),
        (1 / 3, "0.3333333333333333"),
        (2.0**53, "9007199254740992"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
    ],
)
def test_js_number_to_string_writes_what_javascript_writes(number: float, expected: str) -> None:
    assert js_number_to_string(number) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # (text, (new URL(text).origin or None for "null", .hostname)) as Node prints them
        ("https://app.example.com:443/", ("https://app.example.com", "app.example.com")),
        ("https://APP.EXAMPLE.com:443", ("https://app.example.com", "app.example.com")),
        ("https://user:pw@app.example.com/", ("https://app.example.com", "app.example.com")),
        (" https://app.example.com/\t", ("https://app.example.com", "app.example.com")),
        ("https:///no-host", ("https://no-host", "no-host")),
        ("https:\\\\evil.example", ("https://evil.example", "evil.example")),
        ("http:foo", ("http://foo", "foo")),
        ("https://a.example:0443/", ("https://a.example", "a.example")),
        ("https://a.example:/", ("https://a.example", "a.example")),
        ("https://a.example:8443/x", ("https://a.example:8443", "a.example")),
        ("https://[::1]:8443/", ("https://[::1]:8443", "[::1]")),
        ("ws://a.example:80/", ("ws://a.example", "a.example")),
        ("https://app.example.com.:443/", ("https://app.example.com.", "app.example.com.")),
        ("https://a.example?x", ("https://a.example", "a.example")),
        ("mailto:x", (None, "")),
        ("file:///etc/passwd", (None, "")),
        ("android-app://com.x/", (None, "com.x")),
        ("localhost:3000", (None, "")),
    ],
)
def test_js_url_origin_reads_what_the_url_standard_reads(
    text: str, expected: tuple[str | None, str]
) -> None:
    assert js_url_origin(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://",
        "invalid-url-format",
        "//app.example.com/",
        "https://a.example:99999/",
        "https://a b/",
    ],
)
def test_js_url_origin_is_none_where_new_url_throws(text: str) -> None:
    assert js_url_origin(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # What Node prints for parseInt(x) || 0 (how Clerk reads __client_uat).
        ("0", 0),
        ("1700000000", 1700000000),
        (" 5", 5),
        (" \t\n42", 42),
        ("\xa07", 7),  # NBSP, U+FEFF and U+2028 are JavaScript white space
        ("\ufeff8", 8),
        ("\u20289", 9),
        ("\x851", 0),  # NEL and the C0 separators are not (Python's \s takes them)
        ("\x1c1", 0),
        ("\u180e5", 0),
        ("\u200b5", 0),
        ("\u0661", 0),  # an Arabic-Indic digit is no digit to parseInt (Python's \d takes it)
        ("-0", 0),
        ("+3", 3),
        ("12abc", 12),
        ("1e3", 1),
        ("abc", 0),
        ("0x10", 16),  # parseInt without a radix reads a hexadecimal prefix
        ("-0x10", -16),
        ("0X1f", 31),
        (" 0x10z", 16),
        ("0x", 0),
        ("0xg", 0),
        ("00x5", 0),
        ('"5"', 0),
        (None, 0),
        ("", 0),
    ],
)
def test_parse_int_reads_what_javascript_parse_int_reads(text: str | None, expected: int) -> None:
    from clerk_core._context import parse_int

    assert parse_int(text) == expected
