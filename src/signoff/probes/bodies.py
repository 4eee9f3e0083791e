"""One valid value for a JSON schema: the document's own examples first, else the least value
the schema allows, with every free string set to a marker that later shows whose data it is."""

from __future__ import annotations

import re
import warnings
from typing import Any

from signoff.openapi import _schema as resolve

FORMATS = {
    "date": "2024-03-01",
    "date-time": "2024-03-01T00:00:00Z",
    "time": "12:00:00",
    "email": "owner@example.com",
    "uri": "https://example.com/signoff",
    "url": "https://example.com/signoff",
    "uuid": "5f1c2b8e-0d7a-4f4e-9a55-3c2d1e0f9a11",
    "ipv4": "192.0.2.1",
}
JSON = "application/json"


def request_body(document: dict[str, Any], operation: dict[str, Any], marker: str) -> Any:
    """(media type, value) of an operation's request body; None when it has none signoff can
    make (a media type other than JSON without an example)."""
    body = resolve(document, operation.get("requestBody") or {})
    content = body.get("content") or {}
    if not content:
        return None
    kinds = sorted(content, key=lambda kind: (kind != JSON, not kind.endswith("+json")))
    for kind in kinds:
        media = content[kind] if isinstance(content[kind], dict) else {}
        given = _example(document, media)
        if given is not _NONE:
            return kind, given
        if kind == JSON or kind.endswith("+json"):
            return kind, value(document, media.get("schema") or {}, marker)
    return None


class _Missing:
    pass


_NONE: Any = _Missing()


def _example(document: dict[str, Any], holder: dict[str, Any]) -> Any:
    """The example a media type or schema gives itself, or _NONE."""
    if "example" in holder:
        return holder["example"]
    examples = holder.get("examples")
    if isinstance(examples, dict) and examples:
        first = resolve(document, next(iter(examples.values())) or {})
        if "value" in first:
            return first["value"]
    if isinstance(examples, list) and examples:
        return examples[0]
    return _NONE


def value(document: dict[str, Any], schema: dict[str, Any], marker: str, depth: int = 0) -> Any:
    """A value the schema accepts: required properties only, least sizes, `marker` in strings."""
    schema = resolve(document, schema)
    if depth > 8:
        return None
    given = _example(document, schema)
    if given is not _NONE:
        return given
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    for key in ("allOf", "anyOf", "oneOf"):
        options = [resolve(document, o) for o in schema.get(key) or []]
        # a choice prefers an option without a pattern: its least value needs no search
        options = sorted(
            (o for o in options if o.get("type") != "null"), key=lambda o: "pattern" in o
        )
        if options:
            merged: dict[str, Any] = {}
            for option in options if key == "allOf" else options[:1]:
                merged = _merge(merged, option)
            return value(document, merged, marker, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {
            name: value(document, properties.get(name) or {}, marker, depth + 1)
            for name in schema.get("required") or []
        }
    if kind == "array":
        item = value(document, schema.get("items") or {}, marker, depth + 1)
        return [item] * int(schema.get("minItems") or 0)
    if kind in ("integer", "number"):
        return _number(schema, kind)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return _string(schema, marker)


def _merge(into: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    merged = {**into, **schema}
    for key, empty in (("properties", {}), ("required", [])):
        if key in into and key in schema:
            both = into[key], schema[key]
            merged[key] = {**both[0], **both[1]} if empty == {} else [*both[0], *both[1]]
    return merged


def _number(schema: dict[str, Any], kind: str) -> int | float:
    low = schema.get("minimum", schema.get("exclusiveMinimum", 1))
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = schema["exclusiveMinimum"] + 1
    found = max(1, low) if "maximum" not in schema else min(max(1, low), schema["maximum"])
    return int(found) if kind == "integer" else float(found)


def _string(schema: dict[str, Any], marker: str) -> str:
    fixed = FORMATS.get(str(schema.get("format", "")))
    low, high = int(schema.get("minLength") or 0), schema.get("maxLength")
    text = fixed or (marker + "-" * max(0, low - len(marker)))
    if high is not None:
        text = text[: int(high)]
    pattern = schema.get("pattern")
    if isinstance(pattern, str) and not _matches(pattern, text):
        return _from_pattern(schema)
    return text


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False


def _from_pattern(schema: dict[str, Any]) -> str:
    """The simplest string the schema's pattern and lengths allow (Hypothesis shrinks to it;
    it comes with Schemathesis, so it is imported only when a pattern needs it)."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st

    low, high = int(schema.get("minLength") or 0), schema.get("maxLength")
    quiet = settings(database=None, suppress_health_check=list(HealthCheck), max_examples=500)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = find(
            st.from_regex(str(schema["pattern"])),
            lambda text: low <= len(text) <= (high if high is not None else len(text)),
            settings=quiet,
        )
    return str(found)
