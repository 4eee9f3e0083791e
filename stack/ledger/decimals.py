"""Pure decimal handling shared by the API and the upload parser: JSON numbers, limits, text.

A JSON number arrives as a float, whose shortest repr is the literal the client most likely
sent; decimal places are counted on that spelling, which is also how JSON Schema's `multipleOf`
is judged on the documented side.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

__all__ = [
    "MAX_PLACES",
    "MAX_TOLERANCE",
    "TOLERANCE_PATTERN",
    "fixed_point",
    "number_text",
    "parse_tolerance",
    "tolerance_schema",
]

MAX_PLACES = 6  # decimal places of amounts and tolerances
MAX_TOLERANCE = 10**12
# Whole digits up to 12, or the maximum itself: a string cannot carry a `maximum` in JSON Schema.
TOLERANCE_PATTERN = r"^(?:[0-9]{1,12}(?:\.[0-9]{1,6})?|1000000000000(?:\.0{1,6})?)$"
_TOLERANCE = re.compile(TOLERANCE_PATTERN.removeprefix("^").removesuffix("$"))
# Anchored by fullmatch: Python's `$` would also match before a trailing newline.


def fixed_point(value: Decimal) -> str:
    """Plain positional text, never an exponent (str(Decimal) may give "1E-7")."""
    return format(value, "f")


def number_text(value: int | float) -> str:
    """A JSON number as fixed-point text, spelled as the shortest literal of its value."""
    if isinstance(value, int):
        return str(value)
    return fixed_point(Decimal(repr(value)))


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def parse_tolerance(value: object) -> Decimal:
    """An amount tolerance from JSON: a string like "0.05" or a number, 0 to 10^12, 6 places."""
    if isinstance(value, str):
        if not _TOLERANCE.fullmatch(value):
            raise ValueError(
                f"must be a decimal string like 0.05: digits, at most {MAX_PLACES} places,"
                f" at most {MAX_TOLERANCE}"
            )
        return Decimal(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a decimal number or a decimal string")
    number = Decimal(number_text(value))
    if not number.is_finite():  # Python's json reads NaN and Infinity
        raise ValueError("must be a finite number")
    if not 0 <= number <= MAX_TOLERANCE:
        raise ValueError(f"must be between 0 and {MAX_TOLERANCE}")
    if _places(number) > MAX_PLACES:
        raise ValueError(f"must have at most {MAX_PLACES} decimal places")
    return abs(number)  # -0.0 is zero


def tolerance_schema() -> dict[str, Any]:
    """The JSON Schema of exactly what parse_tolerance accepts."""
    return {
        "anyOf": [
            {"type": "string", "pattern": TOLERANCE_PATTERN},
            {
                "type": "number",
                "minimum": 0,
                "maximum": MAX_TOLERANCE,
                "multipleOf": 10.0**-MAX_PLACES,
            },
        ],
        "description": f"0 to {MAX_TOLERANCE}, at most {MAX_PLACES} decimal places",
    }
