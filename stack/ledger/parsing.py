"""Pure parsing and validation of uploaded record sets (CSV or JSON).

Every problem is reported with its 1-based data row and field, so a client can fix its file in
one pass; a set with any problem is rejected as a whole. A CSV upload is also held to the layout
its documented pattern spells (`ledger.upload_schema`), so what the API promises is what it takes.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.decimals import number_text

__all__ = [
    "AMOUNT_PATTERN",
    "CURRENCY_PATTERN",
    "FIELDS",
    "MAX_ERRORS",
    "MEDIA_TYPES",
    "REQUIRED_FIELDS",
    "FieldError",
    "ParseError",
    "Record",
    "parse_csv",
    "parse_json",
    "parse_records",
]

FIELDS = ("reference", "date", "amount", "currency", "description")
REQUIRED_FIELDS = ("reference", "date", "amount", "currency")
MEDIA_TYPES = {"csv": "text/csv", "json": "application/json"}
MAX_ERRORS = 100  # enough to fix a file; bounded so a garbage upload cannot bloat the response
MAX_REFERENCE = 128
MAX_DESCRIPTION = 500
# ASCII digits only: Python's \d and Decimal would also take other scripts' digits.
# Used with fullmatch, since Python's `$` also matches before a trailing newline.
CURRENCY_PATTERN = r"[A-Z]{3}"
AMOUNT_PATTERN = r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?"
_CURRENCY = re.compile(CURRENCY_PATTERN)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_AMOUNT = re.compile(AMOUNT_PATTERN)


@dataclass(frozen=True, slots=True)
class Record:
    reference: str
    date: date
    amount: Decimal
    currency: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class FieldError:
    row: int  # 1-based data row; 0 means the file as a whole (header, encoding, shape)
    field: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class ParseError(Exception):
    """The upload was rejected; `errors` says where and why."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(f"{len(errors)} problem(s) in the uploaded records")
        self.errors = errors


def _check_row(row: int, raw: Mapping[str, Any], errors: list[FieldError]) -> Record | None:
    before = len(errors)

    def text(name: str) -> str:
        value = raw.get(name)
        if value is None:
            return ""
        if isinstance(value, str):
            text = value.strip()
        elif name == "amount" and isinstance(value, int | float) and not isinstance(value, bool):
            text = number_text(value)  # fixed-point: str(1e-05) would be "1e-05"
        else:
            kind = "a string or a number" if name == "amount" else "a string"
            errors.append(FieldError(row, name, f"{name} must be {kind}."))
            return ""
        if "\x00" in text:  # PostgreSQL text cannot store NUL
            errors.append(FieldError(row, name, f"{name} contains a NUL character."))
            return ""
        return text

    reference = text("reference")
    if not reference:
        errors.append(FieldError(row, "reference", "reference is required."))
    elif len(reference) > MAX_REFERENCE:
        errors.append(FieldError(row, "reference", f"reference exceeds {MAX_REFERENCE} chars."))

    day: date | None = None
    raw_date = text("date")
    if not _DATE.fullmatch(raw_date):
        errors.append(FieldError(row, "date", f"date {raw_date!r} is not YYYY-MM-DD."))
    else:
        try:
            day = date.fromisoformat(raw_date)
        except ValueError:
            errors.append(FieldError(row, "date", f"date {raw_date!r} is not a calendar date."))

    amount: Decimal | None = None
    raw_amount = text("amount")
    if not _AMOUNT.fullmatch(raw_amount):
        errors.append(
            FieldError(row, "amount", f"amount {raw_amount!r} is not a decimal number like 12.34.")
        )
    else:
        try:
            amount = Decimal(raw_amount)
        except InvalidOperation:  # pragma: no cover - the pattern already excludes this
            errors.append(FieldError(row, "amount", f"amount {raw_amount!r} is not a number."))

    currency = text("currency")
    if not _CURRENCY.fullmatch(currency):
        errors.append(
            FieldError(row, "currency", f"currency {currency!r} is not a 3-letter ISO code.")
        )

    description = text("description")
    if len(description) > MAX_DESCRIPTION:
        errors.append(
            FieldError(row, "description", f"description exceeds {MAX_DESCRIPTION} chars.")
        )

    if len(errors) > before or day is None or amount is None:
        return None
    return Record(reference, day, amount, currency, description)


def _collect(rows: Iterable[tuple[int, Mapping[str, Any]]]) -> list[Record]:
    errors: list[FieldError] = []
    records: list[Record] = []
    for row, raw in rows:
        record = _check_row(row, raw, errors)
        if record is not None:
            records.append(record)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ParseError(errors[:MAX_ERRORS])
    if not records:
        raise ParseError([FieldError(0, "file", "The upload contains no records.")])
    return records


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ParseError([FieldError(0, "file", "The upload is not UTF-8 text.")]) from None


def _check_header(header: list[str]) -> None:
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    unknown = [h for h in header if h not in FIELDS]
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column(s) {', '.join(unknown)}")
    if not parts and tuple(header) not in (FIELDS, REQUIRED_FIELDS):
        parts.append("the columns are out of order or padded")
    if parts:
        message = (
            f"The header must be {','.join(FIELDS)} (the description column may be left out):"
            f" {'; '.join(parts)}."
        )
        raise ParseError([FieldError(0, "header", message)])


def parse_csv(data: bytes) -> list[Record]:
    text = _decode(data)
    if not text.strip():
        raise ParseError([FieldError(0, "file", "The upload is empty.")])
    # strict: a stray character after a closing quote, or a quote never closed, is an error,
    # not silently folded into the cell
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        header = list(reader.fieldnames or [])
    except csv.Error as exc:
        raise ParseError([FieldError(0, "header", f"Malformed CSV: {exc}.")]) from None
    _check_header(header)
    rows: list[tuple[int, Mapping[str, Any]]] = []
    extra: list[FieldError] = []
    try:
        for number, raw in enumerate(reader, start=1):
            if None in raw:  # DictReader files surplus cells under the key None
                extra.append(FieldError(number, "row", "The row has more cells than the header."))
            rows.append((number, raw))
    except csv.Error as exc:
        raise ParseError([FieldError(len(rows) + 1, "row", f"Malformed CSV: {exc}.")]) from None
    if extra:
        raise ParseError(extra[:MAX_ERRORS])
    records = _collect(rows)
    _check_layout(data)
    return records


def _check_layout(data: bytes) -> None:
    """What the row checks let through but the documented pattern does not: quoted cells other
    than the description, blank lines, a lone CR as a line break."""
    # The pattern is built from this module's constants, so it is imported where it is used.
    from ledger.upload_schema import csv_layout_matches

    if not csv_layout_matches(data.decode("utf-8")):
        message = (
            "The file is off the documented CSV layout: quote only the description, end rows"
            " with LF or CRLF, and leave no blank lines."
        )
        raise ParseError([FieldError(0, "file", message)])


def parse_json(data: bytes) -> list[Record]:
    try:
        payload = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        message = f"The upload is not valid JSON: {exc.msg}."
        raise ParseError([FieldError(0, "file", message)]) from None
    if not isinstance(payload, list):
        raise ParseError([FieldError(0, "file", "The upload must be a JSON array of objects.")])
    errors = [
        FieldError(n, "row", "Each item must be an object.")
        for n, item in enumerate(payload, start=1)
        if not isinstance(item, dict)
    ]
    if errors:
        raise ParseError(errors[:MAX_ERRORS])
    for n, item in enumerate(payload, start=1):
        unknown = sorted(set(item) - set(FIELDS))
        if unknown:
            errors.append(FieldError(n, unknown[0], f"Unknown field {unknown[0]!r}."))
    if errors:
        raise ParseError(errors[:MAX_ERRORS])
    return _collect(enumerate(payload, start=1))


def parse_records(media_type: str, data: bytes) -> list[Record]:
    """Dispatch on the media type; raises ValueError for one that is not supported."""
    if media_type == MEDIA_TYPES["csv"]:
        return parse_csv(data)
    if media_type == MEDIA_TYPES["json"]:
        return parse_json(data)
    raise ValueError(f"unsupported media type {media_type!r}")
