"""The resources one identity created, and the concrete paths they fill.

Ids are taken from the answers of creating requests: an answer's `id` belongs to the collection
it was created in (`POST /jobs` fills `/jobs/{job_id}`; the caller's own record, read at
`GET /users/me`, fills `/users/{user_id}`) and to that collection's name wherever
else it appears (`POST /jobs/{job_id}/runs` fills `/runs/{run_id}`); a field named like a path
parameter (`job_id`) fills that parameter. An enum parameter takes each of its values.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from signoff.openapi import Operation

ENUM_VALUES = 4  # values of an enum parameter tried, at most
SELF = ("me", "self", "current", "whoami")  # a route's last segment that names the caller
ID_FIELDS = ("id", "uuid", "slug")  # not "key": an answer's key is often a secret
# a segment of a recorded path that names one object: a number, a UUID, a long hex or token
ID_LIKE = re.compile(r"^(\d+|[0-9a-fA-F-]{32,36}|[0-9a-fA-F]{16,}|[A-Za-z0-9_-]{22,})$")


@dataclass
class Created:
    """Ids one identity created, by how a path may name them."""

    by_prefix: dict[str, str] = field(default_factory=dict)  # collection template -> id
    by_segment: dict[str, str] = field(default_factory=dict)  # collection name -> id
    by_param: dict[str, str] = field(default_factory=dict)  # field named like a parameter

    def learn(self, template: str, answer: Any) -> bool:
        """Take the ids of a creating request's answer; whether it held any."""
        if not isinstance(answer, dict):
            return False
        own = next((answer[k] for k in ID_FIELDS if _scalar(answer.get(k))), None)
        if own is not None:
            self.by_prefix[template] = str(own)
            name = _last_static(template)
            if name:
                self.by_segment[name] = str(own)
        for key, value in answer.items():
            if key.endswith("_id") and _scalar(value) and value is not None:
                self.by_param.setdefault(key, str(value))
        return own is not None

    def fill(self, operation: Operation) -> tuple[list[str], str]:
        """Every concrete path of the operation (enum values expanded), or ([], the parameter
        no created resource names)."""
        choices: list[list[str]] = []
        for name, schema in operation.params.items():
            found = self._one(operation.path, name, schema)
            if not found:
                return [], name
            choices.append(found)
        paths = []
        for values in itertools.product(*choices):
            path = operation.path
            for name, given in zip(operation.params, values, strict=True):
                path = path.replace("{" + name + "}", given)
            paths.append(path)
        return paths, ""

    def _one(self, template: str, name: str, schema: dict[str, Any]) -> list[str]:
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return [str(v) for v in enum[:ENUM_VALUES]]
        prefix = template.split("{" + name + "}", 1)[0].rstrip("/")
        if prefix in self.by_prefix:
            return [self.by_prefix[prefix]]
        if name in self.by_param:
            return [self.by_param[name]]
        segment = _last_static(prefix)
        return [self.by_segment[segment]] if segment in self.by_segment else []


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int) and not isinstance(value, bool) and value != ""


def _last_static(path: str) -> str:
    """The last segment of a path that is not a parameter ("" when there is none)."""
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    return parts[-1] if parts else ""


def template_of(path: str, operations: list[Operation]) -> Operation | None:
    """The documented operation whose template the concrete GET `path` matches, if any."""
    for op in operations:
        pattern = re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(op.path))
        if op.method == "get" and re.fullmatch(pattern, path):
            return op
    return None


def seen_operation(method: str, path: str) -> Operation:
    """A route a layer's recorded request took that the document does not list: each segment
    that looks like an id becomes a parameter, filled by the collection name before it."""
    parts = path.split("/")
    params: dict[str, dict[str, Any]] = {}
    for index, part in enumerate(parts):
        if index and ID_LIKE.match(part):
            name = f"seen{len(params) + 1}"
            parts[index] = "{" + name + "}"
            params[name] = {}
    return Operation(method.lower(), "/".join(parts), False, params)


def own_record(operation: Operation) -> str:
    """The collection whose member the caller's own record is, for a read that names the caller
    (`GET /users/me` -> "/users"); "" for any other operation."""
    parts = operation.path.rstrip("/").rsplit("/", 1)
    if operation.method != "get" or operation.params or len(parts) < 2:
        return ""
    return parts[0] if parts[1].lower() in SELF and parts[0] else ""
