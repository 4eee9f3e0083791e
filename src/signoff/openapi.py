"""The target's OpenAPI document: read once from the service (or a file), walked into operations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from signoff.errors import EvidenceError
from signoff.stack.interface import StackHandle, absolute

METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
READS = ("get",)


def fetch(handle: StackHandle, root: Path, save: Path | None = None) -> dict[str, Any]:
    """The document at the handle's `openapi` location: a path on the service, a URL, or a file
    of the project; saved to `save` as evidence when given."""
    location = handle.openapi or "/openapi.json"
    try:
        if location.startswith(("http://", "https://", "/")):
            where = absolute(handle.base_url, location)
            response = httpx.get(where, headers=handle.headers, timeout=10.0)
            response.raise_for_status()
            document = response.json()
        else:
            where = str(root / location)
            document = json.loads((root / location).read_text(encoding="utf-8"))
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise EvidenceError(
            f"The OpenAPI document {location} could not be read: {exc}.",
            hint="set [tool.signoff.target] openapi to its path on the service (/openapi.json), "
            "a URL or a file of the project.",
        ) from exc
    if not isinstance(document, dict) or not document.get("paths"):
        raise EvidenceError(f"The OpenAPI document at {where} lists no paths.")
    if save is not None:
        save.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return document


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    has_body: bool
    params: dict[str, dict[str, Any]]  # path parameter -> its schema
    html: bool = False  # a page: one of its responses is text/html
    required_query: list[str] = field(default_factory=list)
    body_required: bool = False

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"

    def url(self, base: str, bad_types: bool = False) -> str:
        path = self.path
        for param, schema in self.params.items():
            path = path.replace("{" + param + "}", _sample(schema, bad_types))
        return base + path


def _sample(schema: dict[str, Any], bad_types: bool) -> str:
    """A path value: valid in type but naming nothing that exists, or of the wrong type.

    A far-off id means a route that wrongly answers without a key reports 404 instead of
    deleting or changing a real object on a shared deployment.
    """
    if bad_types:
        return "not-a-number"
    if schema.get("type") in ("integer", "number"):
        return "987654321"
    choices = schema.get("enum")
    if isinstance(choices, list) and choices:
        return str(choices[0])
    return "signoff-audit-absent"


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation of an OpenAPI 3 document."""
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            params = {
                str(p["name"]): _schema(document, p.get("schema") or {})
                for p in [*(item.get("parameters") or []), *(op.get("parameters") or [])]
                if p.get("in") == "path"
            }
            html = any(
                "text/html" in (r.get("content") or {})
                for r in (op.get("responses") or {}).values()
                if isinstance(r, dict)
            )
            every = [*(item.get("parameters") or []), *(op.get("parameters") or [])]
            query = [str(p["name"]) for p in every if p.get("in") == "query" and p.get("required")]
            body = op.get("requestBody") or {}
            found.append(
                Operation(
                    method,
                    str(path),
                    "requestBody" in op,
                    params,
                    html,
                    query,
                    bool(isinstance(body, dict) and body.get("required")),
                )
            )
    return found


def _schema(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A parameter's schema with one local `$ref` (FastAPI puts enums in components) resolved."""
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else {}
    return schema


# any node of the document (a parameter, a body, a schema) with its one local `$ref` resolved
resolve_ref = _schema
