"""JSON Schemas of the uploads that ledger.parsing accepts, for the OpenAPI document.

Both are exact: a body is schema-valid if and only if the parser takes it. The CSV body is one
string, so its pattern is the whole layout (an optional BOM, the header with or without the
description column, unquoted cells, an optional quoted description), and the parser holds every
upload to that same pattern (`csv_layout_matches`) after its row-by-row checks.
"""

from __future__ import annotations

import re
from typing import Any

from ledger.decimals import MAX_PLACES
from ledger.parsing import (
    AMOUNT_PATTERN,
    CURRENCY_PATTERN,
    FIELDS,
    MAX_DESCRIPTION,
    MAX_REFERENCE,
    REQUIRED_FIELDS,
)

__all__ = [
    "CSV_EXAMPLE",
    "CSV_PATTERN",
    "DATE_PATTERN",
    "JSON_EXAMPLE",
    "csv_body_schema",
    "csv_layout_matches",
    "json_body_schema",
]

# Exactly the characters str.strip() removes, so "stripped" can be spelled as a pattern.
_WS = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_CELL_WS = _WS.replace(r"\n", "").replace(r"\r", "")  # CSV line breaks end the row
_YEAR = r"(?:[1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
_LEAP_YEAR = r"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
# A calendar date YYYY-MM-DD, year 1 to 9999: exactly what date.fromisoformat takes in that shape.
DATE_PATTERN = (
    rf"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)|(?:0[13578]|1[02])-31)"
    rf"|{_LEAP_YEAR}-02-29)"
)
_AMOUNT_LIMIT = 10**15  # AMOUNT_PATTERN allows 15 whole digits
# Examples in the document also give generators a valid body where a pattern is hard to draw from.
CSV_EXAMPLE = (
    "reference,date,amount,currency,description\n"
    "INV-1001,2024-03-01,107.01,EUR,Invoice INV-1001\n"
    'INV-1002,2024-03-02,-14.50,USD,"Refund, partial"\n'
)
JSON_EXAMPLE = [
    {"reference": "INV-1001", "date": "2024-03-01", "amount": "107.01", "currency": "EUR"},
    {"reference": "INV-1002", "date": "2024-03-02", "amount": -14.5, "currency": "USD"},
]


def _text(max_length: int, *, ws: str, banned: str = "", optional: bool = False) -> str:
    """A value that, stripped, has 1..max_length characters (0.. if optional) and no NUL."""
    edge = rf"[^\x00{ws}{banned}]"
    core = rf"{edge}(?:[^\x00{banned}]{{0,{max_length - 2}}}{edge})?"
    if optional:
        core = f"(?:{core})?"
    return f"[{ws}]*{core}[{ws}]*"


def _padded(pattern: str, ws: str) -> str:
    return f"[{ws}]*(?:{pattern})[{ws}]*"


def _anchored(pattern: str) -> str:
    return f"^{pattern}$"


def json_body_schema() -> dict[str, Any]:
    """An array of record objects; amounts may be JSON numbers."""
    item = {
        "type": "object",
        "additionalProperties": False,
        "required": list(REQUIRED_FIELDS),
        "properties": {
            "reference": {
                "type": "string",
                "pattern": _anchored(_text(MAX_REFERENCE, ws=_WS)),
            },
            "date": {"type": "string", "pattern": _anchored(_padded(DATE_PATTERN, _WS))},
            "amount": {
                "anyOf": [
                    {"type": "string", "pattern": _anchored(_padded(AMOUNT_PATTERN, _WS))},
                    {
                        "type": "number",
                        "exclusiveMinimum": -_AMOUNT_LIMIT,
                        "exclusiveMaximum": _AMOUNT_LIMIT,
                        "multipleOf": 10.0**-MAX_PLACES,
                    },
                ]
            },
            "currency": {"type": "string", "pattern": _anchored(_padded(CURRENCY_PATTERN, _WS))},
            "description": {
                "anyOf": [
                    {
                        "type": "string",
                        "pattern": _anchored(_text(MAX_DESCRIPTION, ws=_WS, optional=True)),
                    },
                    {"type": "null"},
                ]
            },
        },
    }
    return {"type": "array", "items": item, "minItems": 1}


def _csv_row(description: bool) -> str:
    unquoted = r',"\r\n'
    reference = _text(MAX_REFERENCE, ws=_CELL_WS, banned=unquoted)
    date = _padded(DATE_PATTERN, _CELL_WS)
    amount = _padded(AMOUNT_PATTERN, _CELL_WS)
    currency = _padded(CURRENCY_PATTERN, _CELL_WS)
    required = f"{reference},{date},{amount},{currency}"
    if not description:
        return required
    plain = _text(MAX_DESCRIPTION, ws=_CELL_WS, banned=unquoted, optional=True)
    quoted = rf'"(?:[^"\x00]|""){{0,{MAX_DESCRIPTION}}}"'
    return f"{required}(?:,(?:{quoted}|{plain}))?"


def _csv_layout(header: tuple[str, ...], row: str) -> str:
    return rf"{','.join(header)}\r?\n(?:{row}\r?\n)*{row}(?:\r?\n)?"


# A BOM is what a spreadsheet's "CSV UTF-8" export writes first; the description column may be left
# out, and then no row may carry a fifth cell.
CSV_PATTERN = _anchored(
    "\ufeff?(?:"
    + _csv_layout(FIELDS, _csv_row(description=True))
    + "|"
    + _csv_layout(REQUIRED_FIELDS, _csv_row(description=False))
    + ")"
)
_CSV_LAYOUT = re.compile(CSV_PATTERN)


def csv_layout_matches(text: str) -> bool:
    """Whether a decoded CSV upload (BOM kept) is on the documented pattern.

    `re.search` with the anchored pattern is how JSON Schema validators in Python, and the
    generators that draw from the pattern, read it: `$` also matches before one final newline.
    """
    return _CSV_LAYOUT.search(text) is not None


def csv_body_schema() -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": CSV_PATTERN,
        "description": (
            f"The header line {','.join(FIELDS)}, then one record per line;"
            " a quoted description may contain commas."
        ),
    }
