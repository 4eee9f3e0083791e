"""Values at the edges a JSON schema documents for one field: the most decimal places and the
largest magnitudes it allows, its length limits, non-ASCII text, its range bounds, leap days
and far-off timezones. Every value is checked against the schema's own rules before use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from typing import Any

from signoff.openapi import _schema as resolve

# how a value written is compared with the value read back (`signoff.probes.readback.same`)
DECIMAL, DATE, INSTANT, TEXT = "decimal", "date", "instant", "text"
DIGITS = "123456789123456789123456789"
SIGNIFICANT = 15  # digits a JSON number keeps through a binary float in any client
UNBOUNDED_LENGTH = 300  # a string without maxLength: longer than the usual VARCHAR(255)
SEARCHED_LENGTH = 4096  # a pattern that takes this many characters is taken as unbounded
DATES = (
    ("leap day", "2024-02-29"),
    ("century leap day", "2000-02-29"),
    ("earliest date", "0001-01-01"),
    ("latest date", "9999-12-31"),
)
INSTANTS = (
    ("leap day, +14:00, microseconds", "2024-02-29T23:59:59.999999+14:00"),
    ("leap day, -12:00", "2024-02-29T00:30:00-12:00"),
    ("leap day, UTC", "2024-02-29T12:00:00Z"),
)
UNICODE = (
    ("non-ASCII letters", "Zoë Ångström Ελλάδα Москва 日本"),
    ("emoji", "🧾 💶 ✅ 👩🏽‍💻"),
    ("combining marks", "e\u0301 a\u0308 n\u0303 Å\u0323"),
)
INTEGER_FORMATS = {"int32": 2**31 - 1, "int64": 2**63 - 1}
# formats with a grammar of their own: free text (unicode, padding) is not a documented value
GRAMMARS: dict[str, tuple[tuple[str, str], ...]] = {
    "email": (("an address with a tag and a subdomain", "first.last+tag@mail.example.com"),),
    **dict.fromkeys(
        ("idn-email", "uri", "uri-reference", "iri", "uuid", "hostname", "idn-hostname"), ()
    ),
    **dict.fromkeys(("ipv4", "ipv6", "byte", "binary", "time", "duration", "regex"), ()),
}


@dataclass(frozen=True)
class Edge:
    """One value for a field, what edge it stands at, and how its read-back is compared."""

    value: Any
    why: str
    kind: str


def branches(document: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a field's schema (anyOf/oneOf flattened)."""
    schema = resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return [b for o in options for b in branches(document, o)]
    return [] if schema.get("type") == "null" else [schema]


def edges(document: dict[str, Any], schema: dict[str, Any], base: Any) -> list[Edge]:
    """Every edge value of a field (its schema, a valid value `base` of it), without repeats."""
    found: list[Edge] = []
    for branch in branches(document, schema):
        if "enum" in branch or "const" in branch or branch.get("readOnly"):
            continue
        kind = branch.get("type")
        if kind in ("integer", "number"):
            found += _numbers(branch, kind == "integer")
        elif kind == "string" or (kind is None and "pattern" in branch):
            found += _strings(branch, base if isinstance(base, str) else "")
    unique: dict[str, Edge] = {}
    for edge in found:
        unique.setdefault(f"{type(edge.value).__name__}:{edge.value!r}", edge)
    return list(unique.values())


def accepts(schema: dict[str, Any], text: str) -> bool:
    """Whether a string meets the schema's length limits and pattern (searched, as JSON Schema
    does)."""
    if len(text) < int(schema.get("minLength") or 0):
        return False
    if schema.get("maxLength") is not None and len(text) > int(schema["maxLength"]):
        return False
    pattern = schema.get("pattern")
    if not isinstance(pattern, str):
        return True
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _strings(schema: dict[str, Any], base: str) -> list[Edge]:
    fmt = str(schema.get("format", ""))
    if fmt == "date":
        return _fixed(schema, DATES, DATE)
    if fmt == "date-time":
        return _fixed(schema, INSTANTS, INSTANT)
    if fmt == "decimal" or _numeric_pattern(schema):
        return _decimal_strings(schema)
    if fmt in GRAMMARS:
        return _fixed(schema, GRAMMARS[fmt], TEXT)
    found = []
    if "pattern" in schema and not accepts(schema, "a") and not accepts(schema, "A"):
        # a pattern that takes no lone letter may spell a date or an instant
        found = _fixed(schema, DATES, DATE) + _fixed(schema, INSTANTS, INSTANT)
    return found + _texts(schema, base)


def _fixed(schema: dict[str, Any], values: tuple[tuple[str, str], ...], kind: str) -> list[Edge]:
    return [Edge(text, why, kind) for why, text in values if accepts(schema, text)]


def _numeric_pattern(schema: dict[str, Any]) -> bool:
    """A pattern for decimal numbers: it takes "1" or "1.5" and no letter."""
    if not isinstance(schema.get("pattern"), str):
        return False
    numeric = accepts(schema, "1") or accepts(schema, "1.5") or accepts(schema, "1.50")
    return numeric and not (accepts(schema, "a") or accepts(schema, "1a"))


def _decimal_strings(schema: dict[str, Any]) -> list[Edge]:
    """Decimal strings: the most places the pattern takes (3 when only `format: decimal` says
    it is a decimal), the smallest step, and the most whole digits with every place."""
    if "pattern" in schema:
        places = max(
            (p for p in range(13) if accepts(schema, "1." + DIGITS[:p] if p else "1")),
            default=None,
        )
        if places is None:
            return []
    else:
        places = 3
    tail = "." + "9" * places if places else ""
    whole = max((w for w in range(1, 31) if accepts(schema, "9" * w + tail)), default=1)
    found = [
        ("most decimal places", "1." + DIGITS[:places] if places else "1"),
        ("smallest step", "0." + "0" * (places - 1) + "1" if places else "0"),
        ("largest magnitude, every place", "9" * whole + tail),
    ]
    found += [(f"negative, {why}", "-" + text) for why, text in found if text != "0"]
    where = f" ({places} places)"
    return [Edge(text, why + where, DECIMAL) for why, text in found if accepts(schema, text)]


def _bounds(schema: dict[str, Any]) -> tuple[Decimal | None, bool, Decimal | None, bool]:
    """(lowest, whether it is excluded, highest, whether it is excluded): both JSON Schema
    spellings of exclusive bounds (a number, or OpenAPI 3.0's boolean beside min/max)."""

    def bound(plain: str, exclusive: str) -> tuple[Decimal | None, bool]:
        given = schema.get(exclusive)
        if isinstance(given, int | float) and not isinstance(given, bool):
            return _dec(given), True
        value = schema.get(plain)
        found = _dec(value) if isinstance(value, int | float) else None
        return found, given is True and found is not None

    low, low_out = bound("minimum", "exclusiveMinimum")
    high, high_out = bound("maximum", "exclusiveMaximum")
    return low, low_out, high, high_out


def _dec(value: int | float) -> Decimal:
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _numbers(schema: dict[str, Any], integer: bool) -> list[Edge]:
    """Range bounds (the nearest allowed value to an exclusive one), and for decimals the
    most places `multipleOf` allows and the largest magnitude a JSON number keeps exactly."""
    step_given = schema.get("multipleOf")
    step = _dec(step_given) if isinstance(step_given, int | float) else None
    places = max(0, -int(step.as_tuple().exponent)) if step is not None else 0
    if step is None:
        step = Decimal(1) if integer else Decimal("0.001")
        places = 0 if integer else 3
    low, low_out, high, high_out = _bounds(schema)
    limit = INTEGER_FORMATS.get(str(schema.get("format", "")))
    if integer and limit is not None:
        low = low if low is not None else Decimal(-limit - 1)
        high = high if high is not None else Decimal(limit)
    found: list[tuple[str, Decimal]] = []
    if low is not None:
        found.append(
            ("just above exclusiveMinimum" if low_out else "minimum", low + step * low_out)
        )
    if high is not None:
        found.append(
            ("just below exclusiveMaximum" if high_out else "maximum", high - step * high_out)
        )
    if places:
        cap = Decimal(10) ** (SIGNIFICANT - places) - step
        top = min(cap, found[-1][1]) if high is not None else cap
        found += [
            ("most decimal places", Decimal("1." + DIGITS[:places])),
            ("smallest step", step),
            ("largest magnitude, every place", top.quantize(step, rounding=ROUND_FLOOR)),
        ]
        found += [(f"negative, {why}", -v) for why, v in found[-3:]]
    where = f" ({places} places)" if places else ""
    kept = [(why, v if integer else _float_exact(v)) for why, v in found]
    return [
        Edge(int(v) if integer else float(v), why + where, DECIMAL)
        for why, v in kept
        if _within(v, schema, step)
    ]


def _float_exact(value: Decimal) -> Decimal:
    """The value cut toward zero to the digits a binary float keeps (toward zero: inside a
    range whose bound it was)."""
    digits = len(value.as_tuple().digits)
    if digits <= SIGNIFICANT or value == 0:
        return value
    return value.quantize(Decimal(10) ** (value.adjusted() - SIGNIFICANT + 1), rounding=ROUND_DOWN)


def _within(value: Decimal, schema: dict[str, Any], step: Decimal) -> bool:
    low, low_out, high, high_out = _bounds(schema)
    if low is not None and (value < low or (low_out and value == low)):
        return False
    if high is not None and (value > high or (high_out and value == high)):
        return False
    return "multipleOf" not in schema or value % step == 0


def _texts(schema: dict[str, Any], base: str) -> list[Edge]:
    """Non-ASCII letters, emoji and combining marks, and strings at the length limits: each
    as it is, then after the field's valid value (a URL, a prefix a pattern wants)."""
    longest = _longest(schema, base)
    found = [(why, text[:longest]) for why, text in UNICODE]
    found += [
        (f"{longest} characters", _pad(base, longest, "x")),
        (f"{longest} characters, non-ASCII", _pad(base, longest, "é")),
    ]
    edges = []
    for why, text in found:
        options = [text, (base + text)[:longest], (base + text.replace(" ", ""))[:longest]]
        chosen = next((o for o in options if accepts(schema, o)), None)
        if chosen is not None:
            edges.append(Edge(chosen, why, TEXT))
    low = int(schema.get("minLength") or 0)
    shortest = _pad(base, low, "x")
    if low and accepts(schema, shortest):
        edges.append(Edge(shortest, f"minLength {low}", TEXT))
    return edges


def _pad(base: str, length: int, fill: str) -> str:
    return (base + fill * length)[:length] if len(base) < length else base[:length]


def _longest(schema: dict[str, Any], base: str) -> int:
    """maxLength; else the longest string a pattern takes (a bounded repeat), searched by
    halving; else UNBOUNDED_LENGTH."""
    if schema.get("maxLength") is not None:
        return int(schema["maxLength"])
    if "pattern" not in schema or accepts(schema, _pad(base, SEARCHED_LENGTH, "x")):
        return UNBOUNDED_LENGTH
    good = len(base) if base and accepts(schema, base) else 1
    if not accepts(schema, _pad(base, good, "x")):
        return UNBOUNDED_LENGTH  # no padded string fits: the edges below are all refused
    bad = SEARCHED_LENGTH
    while bad - good > 1:
        middle = (good + bad) // 2
        good, bad = (middle, bad) if accepts(schema, _pad(base, middle, "x")) else (good, middle)
    return good
