from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.parsing import MAX_ERRORS, FieldError, ParseError, parse_csv, parse_json, parse_records

HEADER = "reference,date,amount,currency,description\n"
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "records"


def errors_of(data: bytes, parser: object = parse_csv) -> list[FieldError]:
    with pytest.raises(ParseError) as info:
        parser(data)  # type: ignore[operator]
    return info.value.errors


def test_valid_csv() -> None:
    records = parse_csv((HEADER + 'A-1,2024-03-01,-12.50,EUR,"fee, monthly"\n').encode())
    assert len(records) == 1
    rec = records[0]
    assert (rec.reference, rec.date, rec.amount, rec.currency, rec.description) == (
        "A-1",
        date(2024, 3, 1),
        Decimal("-12.50"),
        "EUR",
        "fee, monthly",
    )


def test_description_column_is_optional_and_bom_is_accepted() -> None:
    records = parse_csv(b"\xef\xbb\xbfreference,date,amount,currency\nA,2024-01-01,1,USD\n")
    assert records[0].description == ""


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("A,2024-13-01,1.00,EUR,", "date"),
        ("A,2024-02-30,1.00,EUR,", "date"),
        ("A,01/03/2024,1.00,EUR,", "date"),
        ("A,2024-03-01,1.0.0,EUR,", "amount"),
        ("A,2024-03-01,1e5,EUR,", "amount"),
        ("A,2024-03-01,,EUR,", "amount"),
        ("A,2024-03-01,1.00,eur,", "currency"),
        ("A,2024-03-01,1.00,EURO,", "currency"),
        (",2024-03-01,1.00,EUR,", "reference"),
    ],
)
def test_bad_field_names_row_and_field(row: str, field: str) -> None:
    data = (HEADER + "OK-1,2024-03-01,1.00,EUR,\n" + row + "\n").encode()
    assert [(e.row, e.field) for e in errors_of(data)] == [(2, field)]


def test_every_bad_field_is_reported() -> None:
    data = (HEADER + ",bad,bad,bad,\n").encode()
    assert [e.field for e in errors_of(data)] == ["reference", "date", "amount", "currency"]


def test_errors_are_capped() -> None:
    data = (HEADER + "A,x,1,EUR,\n" * (MAX_ERRORS + 50)).encode()
    assert len(errors_of(data)) == MAX_ERRORS


@pytest.mark.parametrize("data", [b"", b"   \n\n"])
def test_empty_file(data: bytes) -> None:
    [error] = errors_of(data)
    assert (error.row, error.field) == (0, "file")
    assert "empty" in error.message


def test_header_only_has_no_records() -> None:
    [error] = errors_of(HEADER.encode())
    assert "no records" in error.message


def test_missing_header_column() -> None:
    [error] = errors_of(b"reference,date,currency\nA,2024-01-01,EUR\n")
    assert (error.row, error.field) == (0, "header")
    assert "amount" in error.message


def test_data_without_header_is_rejected() -> None:
    [error] = errors_of(b"A-1,2024-03-01,1.00,EUR,x\n")
    assert error.field == "header"


def test_unknown_column_is_rejected() -> None:
    [error] = errors_of(b"reference,date,amount,currency,colour\nA,2024-01-01,1,EUR,red\n")
    assert "colour" in error.message


def test_surplus_cells() -> None:
    [error] = errors_of((HEADER + "A,2024-01-01,1,EUR,x,surplus\n").encode())
    assert (error.row, error.field) == (1, "row")


def test_not_utf8() -> None:
    [error] = errors_of((HEADER + "A,2024-01-01,1,EUR,caf\xe9\n").encode("latin-1"))
    assert "UTF-8" in error.message


def test_malformed_fixture_names_row_three() -> None:
    errors = errors_of((FIXTURES / "malformed.csv").read_bytes())
    assert [(e.row, e.field) for e in errors] == [(3, "amount")]
    assert errors[0].as_dict() == {"row": 3, "field": "amount", "message": errors[0].message}


def test_fixture_sets_parse() -> None:
    assert len(parse_csv((FIXTURES / "left.csv").read_bytes())) == 40
    assert len(parse_csv((FIXTURES / "right.csv").read_bytes())) == 40


def test_json_valid_accepts_numbers() -> None:
    payload = [{"reference": "A", "date": "2024-01-02", "amount": 12.5, "currency": "EUR"}]
    [record] = parse_json(json.dumps(payload).encode())
    assert record.amount == Decimal("12.5")


@pytest.mark.parametrize(
    ("payload", "row", "field"),
    [
        ({"a": 1}, 0, "file"),
        ([1], 1, "row"),
        ([{"reference": "A", "date": "2024-01-02", "amount": "x", "currency": "EUR"}], 1, "amount"),
        (
            [
                {
                    "reference": "A",
                    "date": "2024-01-02",
                    "amount": "1",
                    "currency": "EUR",
                    "extra": 1,
                }
            ],
            1,
            "extra",
        ),
        (
            [{"reference": ["A"], "date": "2024-01-02", "amount": "1", "currency": "EUR"}],
            1,
            "reference",
        ),
        (
            [{"reference": "A", "date": "2024-01-02", "amount": True, "currency": "EUR"}],
            1,
            "amount",
        ),
        ([], 0, "file"),
    ],
)
def test_json_errors(payload: object, row: int, field: str) -> None:
    errors = errors_of(json.dumps(payload).encode(), parse_json)
    assert (errors[0].row, errors[0].field) == (row, field)


def test_json_syntax_error() -> None:
    [error] = errors_of(b"[{", parse_json)
    assert "not valid JSON" in error.message


def test_dispatch_by_media_type() -> None:
    assert parse_records("text/csv", (HEADER + "A,2024-01-01,1,EUR,\n").encode())
    with pytest.raises(ValueError, match="unsupported"):
        parse_records("text/plain", b"")


def test_nul_characters_are_rejected() -> None:
    # PostgreSQL text cannot store NUL; letting one through would turn a 422 into a 500.
    payload = [{"reference": "A\x00", "date": "2024-01-02", "amount": "1", "currency": "EUR"}]
    errors = errors_of(json.dumps(payload).encode(), parse_json)
    assert ("reference", 1) in [(e.field, e.row) for e in errors]
    [csv_error] = errors_of((HEADER + "A,2024-01-01,1,EUR,x\x00y\n").encode())
    assert csv_error.row == 1
