"""The documented upload schemas promise nothing the parser rejects, and (for JSON) nothing more."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest

from ledger.parsing import ParseError, parse_csv, parse_json
from ledger.upload_schema import (
    CSV_EXAMPLE,
    CSV_PATTERN,
    DATE_PATTERN,
    JSON_EXAMPLE,
    csv_body_schema,
    json_body_schema,
)

ROW = {"reference": "A-1", "date": "2024-01-02", "amount": "1.50", "currency": "EUR"}
FIELDS = json_body_schema()["items"]["properties"]


def _matches(schema: dict[str, Any], value: object) -> bool:
    """The subset of JSON Schema these field schemas use: type string + pattern, or anyOf."""
    if "anyOf" in schema:
        return any(_matches(option, value) for option in schema["anyOf"])
    if schema["type"] == "null":
        return value is None
    if schema["type"] == "string":
        # Not re.search: its `$` also matches before a final newline, ECMA's does not.
        return isinstance(value, str) and re.fullmatch(schema["pattern"][1:-1], value) is not None
    return isinstance(value, int | float) and not isinstance(value, bool)  # checked elsewhere


def _parses(field: str, value: object) -> bool:
    try:
        parse_json(json.dumps([{**ROW, field: value}]).encode())
    except ParseError:
        return False
    return True


def test_date_pattern_is_exactly_the_calendar() -> None:
    pattern = re.compile(DATE_PATTERN)
    day = date(1, 1, 1)
    checked = 0
    while day.year < 2101:
        assert pattern.fullmatch(day.isoformat()), day
        day += timedelta(days=1)
        checked += 1
    assert checked > 700_000
    for text in ("0000-01-01", "1900-02-29", "2023-02-29", "2024-04-31", "2024-13-01", "2024-1-01"):
        assert not pattern.fullmatch(text), text
    for text in ("2000-02-29", "2024-02-29", "0004-02-29", "0400-02-29", "9999-12-31"):
        assert pattern.fullmatch(text), text


CASES = [
    ("reference", "A"),
    ("reference", "  padded\u3000"),
    ("reference", "x" * 128),
    ("reference", " " + "x" * 128 + "\n"),
    ("reference", "x" * 129),
    ("reference", " \u2028 "),
    ("reference", "a\x00b"),
    ("reference", 1001),
    ("date", " 2024-02-29 "),
    ("date", "2023-02-29"),
    ("date", "2024-02-29\n"),
    ("date", "\uff12024-01-01"),
    ("amount", "-123456789012345.123456"),
    ("amount", "1234567890123456"),
    ("amount", "1e5"),
    ("amount", "\uff11"),
    ("amount", 12.5),
    ("amount", True),
    ("currency", "EUR "),
    ("currency", "eur"),
    ("currency", None),
    ("description", None),
    ("description", ""),
    ("description", " " * 600),
    ("description", "d" * 500),
    ("description", "d" * 501),
    ("description", 7),
]


@pytest.mark.parametrize(("field", "value"), CASES)
def test_json_field_schemas_match_the_parser(field: str, value: object) -> None:
    assert _matches(FIELDS[field], value) == _parses(field, value), (field, value)


@pytest.mark.parametrize(
    ("number", "accepted"),
    [(12.5, True), (1e-06, True), (-999999999999999, True), (1e-07, False), (10**15, False)],
)
def test_json_amount_numbers_follow_the_documented_bounds(number: float, accepted: bool) -> None:
    assert _parses("amount", number) == accepted


GOOD_CSV = [
    "reference,date,amount,currency,description\nA,2024-01-01,1,EUR",
    "reference,date,amount,currency,description\r\nA,2024-01-01,1,EUR,\r\n",
    'reference,date,amount,currency,description\n A ,2024-02-29, -0.5 ,USD,"fee, ""x"""\n',
    "reference,date,amount,currency,description\nA\u00a0b,2024-01-01,1,EUR,d\x85e\nB,0001-01-01,2,GBP,\n",
]
BAD_CSV = [
    "0",
    "reference,date,amount,currency,description\n",
    "reference,date,amount,currency,description\n\u00a0,2024-01-01,1,EUR\n",
    "reference,date,amount,currency,description\nA,2024-02-30,1,EUR\n",
    "reference,date,amount,currency,description\nA,2024-01-01,1,EUR,x,y\n",
]


@pytest.mark.parametrize("body", GOOD_CSV)
def test_csv_bodies_on_the_pattern_are_accepted(body: str) -> None:
    assert re.fullmatch(CSV_PATTERN[1:-1], body)
    assert parse_csv(body.encode())


@pytest.mark.parametrize("body", BAD_CSV)
def test_csv_bodies_the_parser_rejects_are_off_the_pattern(body: str) -> None:
    assert not re.fullmatch(CSV_PATTERN[1:-1], body)
    with pytest.raises(ParseError):
        parse_csv(body.encode())


def test_csv_schema_is_a_patterned_string() -> None:
    assert csv_body_schema()["type"] == "string"
    assert csv_body_schema()["pattern"] == CSV_PATTERN


def test_documented_examples_are_on_the_schema_and_accepted() -> None:
    assert re.fullmatch(CSV_PATTERN[1:-1], CSV_EXAMPLE)
    assert len(parse_csv(CSV_EXAMPLE.encode())) == 2
    for row in JSON_EXAMPLE:
        assert isinstance(row, dict)
        assert all(_matches(FIELDS[name], value) for name, value in row.items()), row
    assert len(parse_json(json.dumps(JSON_EXAMPLE).encode())) == 2
