"""Amount tolerances: the API accepts what its schema documents; text never has an exponent."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from pydantic import ValidationError

from ledger.api.schemas import JobCreate, JobOut, JobPatch
from ledger.decimals import (
    TOLERANCE_PATTERN,
    fixed_point,
    number_text,
    parse_tolerance,
    tolerance_schema,
)

ACCEPTED = [
    ("0", Decimal(0)),
    ("0.05", Decimal("0.05")),
    ("000000000001", Decimal(1)),
    ("999999999999.999999", Decimal("999999999999.999999")),
    ("1000000000000", Decimal(10**12)),
    ("1000000000000.000000", Decimal(10**12)),
    (0, Decimal(0)),
    (10**12, Decimal(10**12)),
    (0.05, Decimal("0.05")),
    (1e-06, Decimal("0.000001")),
    (562878834961.2576, Decimal("562878834961.2576")),
    (-0.0, Decimal(0)),
]
REJECTED = [
    "-00094",
    "-1",
    "abc",
    "",
    "1e5",
    "0.0000001",
    "1000000000000.5",
    "0000004162134464464657025081",
    "010551970175603421046264",
    " 1",
    "1\n",
    "\uff11",  # a fullwidth digit: Decimal would take it, the documented pattern does not
    ".5",
    4.977325318484374e-104,
    1e308,
    1e-07,
    -1,
    10**12 + 1,
    float("nan"),
    float("inf"),
    True,
    None,
    [1],
]


@pytest.mark.parametrize(("value", "expected"), ACCEPTED)
def test_accepted_tolerances(value: object, expected: Decimal) -> None:
    assert parse_tolerance(value) == expected


@pytest.mark.parametrize("value", REJECTED)
def test_rejected_tolerances(value: object) -> None:
    with pytest.raises(ValueError, match="must"):
        parse_tolerance(value)


def _documented(value: object) -> bool:
    """The documented schema as JSON Schema reads it: multipleOf judged on the spelling."""
    string, number = tolerance_schema()["anyOf"]
    if isinstance(value, str):
        return re.search(string["pattern"], value) is not None and not value.endswith("\n")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, float) and not math.isfinite(value):  # not JSON at all
        return False
    spelled = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
    step = Fraction(repr(number["multipleOf"]))
    return number["minimum"] <= spelled <= number["maximum"] and spelled % step == 0


@pytest.mark.parametrize("value", [v for v, _ in ACCEPTED] + REJECTED)
def test_schema_and_validation_agree(value: object) -> None:
    try:
        parse_tolerance(value)
        accepted = True
    except ValueError:
        accepted = False
    assert accepted == _documented(value), value


def test_pattern_is_the_one_documented() -> None:
    assert tolerance_schema()["anyOf"][0]["pattern"] == TOLERANCE_PATTERN


def test_job_models_use_the_documented_tolerance() -> None:
    for model in (JobCreate, JobPatch):
        documented = model.model_json_schema()["properties"]["amount_tolerance"]
        options = [documented, *documented.get("anyOf", [])]
        assert tolerance_schema()["anyOf"] in [o.get("anyOf") for o in options], model
    body = {"name": "n", "amount_tolerance": 4.977325318484374e-104, "date_window_days": 1}
    with pytest.raises(ValidationError):
        JobCreate.model_validate(body)
    assert JobPatch.model_validate({"amount_tolerance": None}).amount_tolerance is None


@pytest.mark.parametrize(
    ("value", "text"),
    [(Decimal("1E-7"), "0.0000001"), (Decimal("1E+3"), "1000"), (Decimal("-0.50"), "-0.50")],
)
def test_fixed_point_never_uses_an_exponent(value: Decimal, text: str) -> None:
    assert fixed_point(value) == text


@pytest.mark.parametrize(
    ("value", "text"), [(1e-05, "0.00001"), (12.5, "12.5"), (7, "7"), (1e16, "10000000000000000")]
)
def test_number_text_is_the_shortest_fixed_point_spelling(value: float, text: str) -> None:
    assert number_text(value) == text


def test_job_out_renders_amounts_without_exponent() -> None:
    pattern = JobOut.model_json_schema(mode="serialization")["properties"]["amount_tolerance"]
    job = JobOut.model_validate(
        {
            "id": 1,
            "name": "n",
            "amount_tolerance": Decimal("1E-6"),
            "date_window_days": 0,
            "left_count": 0,
            "right_count": 0,
            "created_at": "2024-01-01T00:00:00Z",
            "updated_at": "2024-01-01T00:00:00Z",
        }
    )
    rendered = job.model_dump(mode="json")["amount_tolerance"]
    assert rendered == "0.000001"
    assert re.fullmatch(pattern["pattern"].strip("^$"), rendered)
