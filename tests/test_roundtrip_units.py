"""The roundtrip layer's parts without a service: the edge values a schema documents, and the
comparison of a value read back with the value written."""

from __future__ import annotations

from typing import Any

import pytest

from signoff.probes.edges import DATE, DECIMAL, INSTANT, TEXT, Edge, edges
from signoff.probes.readback import locate, same


def values(schema: dict[str, Any], base: Any = None) -> dict[str, Any]:
    return {edge.why: edge.value for edge in edges({}, schema, base)}


def test_a_decimal_pattern_gives_its_most_places_and_its_largest_magnitude() -> None:
    found = values({"type": "string", "pattern": r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$"})
    assert found["most decimal places (3 places)"] == "1.123"
    assert found["smallest step (3 places)"] == "0.001"
    assert found["largest magnitude, every place (3 places)"] == "999999999999.999"
    assert found["negative, smallest step (3 places)"] == "-0.001"


def test_multiple_of_gives_places_and_magnitudes_a_json_number_keeps() -> None:
    schema = {"type": "number", "minimum": 0, "maximum": 10**12, "multipleOf": 0.000001}
    found = values(schema)
    assert found["most decimal places (6 places)"] == 1.123456
    assert found["smallest step (6 places)"] == 0.000001
    # 15 significant digits: more would not survive a binary float in the service's client
    assert found["largest magnitude, every place (6 places)"] == 999999999.999999
    assert found["maximum (6 places)"] == 10**12
    assert not any(why.startswith("negative") for why in found)  # the minimum forbids them


def test_exclusive_bounds_give_the_nearest_allowed_values() -> None:
    found = values({"type": "integer", "exclusiveMinimum": 0, "exclusiveMaximum": 100})
    assert found == {"just above exclusiveMinimum": 1, "just below exclusiveMaximum": 99}
    old_style = {"type": "integer", "minimum": 0, "exclusiveMinimum": True, "maximum": 9}
    assert values(old_style) == {"just above exclusiveMinimum": 1, "maximum": 9}


def test_strings_reach_their_length_limits_and_unicode_where_the_pattern_allows() -> None:
    found = values({"type": "string", "minLength": 2, "maxLength": 40}, "abc")
    assert len(found["40 characters"]) == 40
    assert len(found["40 characters, non-ASCII"]) == 40
    assert found["minLength 2"] == "ab"
    assert "non-ASCII letters" in found
    assert "\u0301" in found["combining marks"]
    ascii_only = values({"type": "string", "pattern": r"^[A-Za-z ]{1,60}$"}, "abc")
    assert "non-ASCII letters" not in ascii_only
    assert "emoji" not in ascii_only
    assert len(ascii_only["60 characters"]) == 60  # the longest the pattern takes, found


def test_a_structured_pattern_gets_its_text_edges_after_its_valid_value() -> None:
    url = {
        "type": "string",
        "minLength": 8,
        "maxLength": 60,
        "pattern": r"^https?://[a-z.]+(/\S*)?$",
    }
    found = values(url, "https://example.com/a")
    assert found["non-ASCII letters"].startswith("https://example.com/aZoë")
    assert len(found["60 characters"]) == 60
    assert "minLength 8" not in found  # no 8-character string is a URL here


def test_dates_and_datetimes_give_leap_days_and_far_offsets() -> None:
    dates = edges({}, {"type": "string", "format": "date"}, None)
    assert Edge("2024-02-29", "leap day", DATE) in dates
    instants = edges({}, {"type": "string", "format": "date-time"}, None)
    assert {e.kind for e in instants} == {INSTANT}
    assert any("+14:00" in e.value for e in instants)


def test_a_format_with_a_grammar_gets_no_free_text() -> None:
    email = values({"type": "string", "format": "email", "maxLength": 255})
    assert email == {"an address with a tag and a subdomain": "first.last+tag@mail.example.com"}
    assert edges({}, {"type": "string", "format": "uuid"}, "") == []
    assert edges({}, {"type": "string", "format": "email", "maxLength": 10}, "") == []


def test_enums_booleans_and_read_only_fields_have_no_edges() -> None:
    assert edges({}, {"type": "string", "enum": ["a", "b"]}, "a") == []
    assert edges({}, {"type": "boolean"}, True) == []
    assert edges({}, {"type": "string", "readOnly": True}, "a") == []


@pytest.mark.parametrize(
    ("kind", "written", "read", "equal"),
    [
        (DECIMAL, "1.23", "1.230", True),
        (DECIMAL, 1.5, "1.50", True),
        (DECIMAL, "1.123", "1.12", False),
        (DECIMAL, "999999999999.999", 1e12, False),
        (INSTANT, "2024-02-29T23:59:59+14:00", "2024-02-29T09:59:59Z", True),
        (INSTANT, "2024-02-29T23:59:59+14:00", "2024-02-29T23:59:59", False),
        (INSTANT, "2024-02-29T12:00:00.123456Z", "2024-02-29T12:00:00.123Z", False),
        (DATE, "2024-02-29", "2024-02-29", True),
        (DATE, "2024-02-29", "2024-03-01", False),
        (TEXT, "e\u0301", "\u00e9", True),  # canonically equivalent
        (TEXT, "x" * 200, "x" * 100, False),
        (TEXT, "Zoë", "Zoe", False),
    ],
)
def test_values_are_compared_by_meaning(kind: str, written: Any, read: Any, equal: bool) -> None:
    assert same(kind, written, read) is equal


def test_the_written_object_is_found_by_its_id_or_its_tag() -> None:
    page = {"items": [{"id": 1, "amount": "2"}, {"id": 7, "amount": "3"}], "total": 2}
    assert locate(page, "amount", "7", "") == (True, "3")
    tagged = [{"note": "old", "amount": "1"}, {"note": "tag00002", "amount": "5"}]
    assert locate(tagged, "amount", "", "tag00002") == (True, "5")
    assert locate(tagged, "amount", "", "") == (False, None)  # two could be it: not judged
    assert locate({"id": 3, "other": 1}, "amount", "3", "") == (False, None)
