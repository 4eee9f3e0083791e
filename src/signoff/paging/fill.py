"""Items for a paged list to walk: bodies made from the JSON schema of the list's documented
POST (required fields only, each value valid by the schema's own bounds, strings unique)."""

from __future__ import annotations

import re
from typing import Any

from signoff.openapi import resolve_ref

DEPTH = 6  # nested objects followed before giving up (a schema may refer to itself)


def _choice(document: dict[str, Any], options: list[Any]) -> dict[str, Any]:
    """Of `anyOf`/`oneOf`, the first option a generated value can meet: not null, no pattern."""
    found = [resolve_ref(document, o) for o in options if isinstance(o, dict)]
    usable = [o for o in found if o.get("type") != "null"]
    plain = [o for o in usable if "pattern" not in o]
    return (plain or usable or [{}])[0]


def _number(schema: dict[str, Any], integer: bool) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    value = 1 if low is None else low + (1 if "exclusiveMinimum" in schema else 0)
    if high is not None and value > high:
        value = high
    return int(value) if integer else value


def _string(schema: dict[str, Any], index: int) -> str:
    """A string of the schema's format, else one its pattern accepts, else a plain unique one."""
    text = _formatted(schema.get("format", ""), index)
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _meets(pattern, text):
        tries = (_formatted(k, index) for k in ("", "uri", "email", "date", "uuid", "digits"))
        text = next((t for t in tries if _meets(pattern, t)), text)
    high = schema.get("maxLength")
    if isinstance(high, int) and len(text) > high:
        text = f"s{index}"[:high]
    return text.ljust(int(schema.get("minLength", 0)), "x")


def _meets(pattern: str, text: str) -> bool:
    """Whether `text` matches a schema's pattern (one Python cannot read matches nothing)."""
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _formatted(fmt: str, index: int) -> str:
    if fmt == "date":
        return f"2024-01-{1 + index % 28:02d}"
    if fmt == "date-time":
        return f"2024-01-{1 + index % 28:02d}T12:00:00Z"
    if fmt == "email":
        return f"signoff{index}@example.com"
    if fmt == "uuid":
        return f"00000000-0000-4000-8000-{index:012d}"
    if fmt in ("uri", "url"):
        return f"https://example.com/signoff/{index}"
    if fmt == "digits":
        return str(index)
    return f"signoff list {index}"


def example(document: dict[str, Any], schema: dict[str, Any], index: int, depth: int = 0) -> Any:
    """A value `schema` accepts, different for each `index` where a string allows it."""
    schema = resolve_ref(document, schema)
    if depth > DEPTH:
        return None
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return example(document, _choice(document, schema[key]), index, depth + 1)
    if isinstance(schema.get("allOf"), list):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged = {**merged, **resolve_ref(document, part)}
        return example(document, merged, index, depth + 1)
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind in ("integer", "number"):
        return _number(schema, kind == "integer")
    if kind == "boolean":
        return False
    if kind == "array":
        count = int(schema.get("minItems", 0))
        return [example(document, schema.get("items") or {}, index, depth + 1)] * count
    if kind == "object":
        props = schema.get("properties") or {}
        wanted = [k for k in schema.get("required") or [] if k in props]
        return {k: example(document, props[k], index, depth + 1) for k in wanted}
    return _string(schema, index)
