"""Data at a chosen volume, and the reads of it: the document's creating requests sent again
and again as one identity, and every GET operation made concrete with the ids they gave, a
page size large enough to list all of it, and its required query parameters."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from signoff.openapi import Operation
from signoff.probes.bodies import request_body, value
from signoff.probes.exchanges import Exchange, Exchanges
from signoff.probes.resources import Created


@dataclass(frozen=True)
class Read:
    """A GET operation made concrete: its name ("GET /items/{id}") and the URL sent."""

    name: str
    url: str


def matches(name: str, patterns: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


def items(answer: Any) -> int | None:
    """How many items an answer lists: a JSON array, or the first array member of an object;
    None when it lists nothing (an object read)."""
    if isinstance(answer, list):
        return len(answer)
    if isinstance(answer, dict):
        for member in answer.values():
            if isinstance(member, list):
                return len(member)
    return None


class Volume:
    """One identity's data, made through the document's creating requests, and its reads."""

    def __init__(
        self,
        document: dict[str, Any],
        base_url: str,
        exchanges: Exchanges,
        identity: str,
        marker: str,
    ) -> None:
        self.document = document
        self.base_url = base_url.rstrip("/")
        self.exchanges = exchanges
        self.identity = identity
        self.marker = marker
        self.created = Created()
        self.made: dict[str, int] = {}  # creating operation -> objects it made

    def _raw(self, op: Operation) -> dict[str, Any]:
        found = ((self.document.get("paths") or {}).get(op.path) or {}).get(op.method)
        return found if isinstance(found, dict) else {}

    def _query(self, op: Operation, page: Sequence[str], size: int) -> str:
        """The required query parameters, and the page size parameter set to list `size`."""
        query: dict[str, Any] = {}
        for p in self._raw(op).get("parameters") or []:
            if not isinstance(p, dict) or p.get("in") != "query":
                continue
            schema = p.get("schema") or {}
            if str(p.get("name")) in page and schema.get("type") == "integer":
                query[str(p["name"])] = min(size, int(schema.get("maximum", size)))
            elif p.get("required"):
                query[str(p["name"])] = value(self.document, schema, self.marker)
        return f"?{urlencode(query, doseq=True)}" if query else ""

    def creators(self, operations: list[Operation], chosen: Sequence[str]) -> list[Operation]:
        """The creating requests sent: those `chosen` names, else every POST that names no
        object (a top-level collection) and is sent to a list's own path or documents a 201
        answer (a sign-in or a search creates nothing), or every such POST when none does."""
        posts = [op for op in operations if op.method == "post"]
        if chosen:
            return [op for op in posts if matches(op.name, chosen)]
        top = [op for op in posts if not op.params]
        lists = {op.path for op in operations if op.method == "get" and not op.params}
        created = [
            op
            for op in top
            if op.path in lists or "201" in map(str, self._raw(op).get("responses") or {})
        ]
        return created or top

    def grow(self, creators: list[Operation], count: int) -> list[Exchange]:
        """Each creating request sent `count` times (its path filled by ids made so far); the
        answers that did not succeed."""
        refused: list[Exchange] = []
        for op in creators:
            paths, _missing = self.created.fill(op)
            if not paths:
                continue
            url = self.base_url + paths[0] + self._query(op, (), 0)
            # one body for every request: a pattern's least string takes a search to find
            body = request_body(self.document, self._raw(op), self.marker)
            for _ in range(count):
                answer = self.exchanges.send(self.identity, "POST", url, body)
                if not answer.succeeded:
                    refused.append(answer)
                    break  # the same request will not succeed the next time either
                self.created.learn(op.path, answer.json())
                self.made[op.name] = self.made.get(op.name, 0) + 1
        return refused

    def gets(
        self, operations: list[Operation], exclude: Sequence[str]
    ) -> tuple[list[Operation], list[str]]:
        """Every GET operation, those naming fewer objects first (a list's answer may name the
        objects a later read needs), and those excluded (with why)."""
        found, left = [], []
        for op in sorted(operations, key=lambda o: (len(o.params), o.path)):
            if op.method != "get":
                continue
            if matches(op.name, exclude):
                left.append(f"{op.name}: excluded by [queries] exclude")
            else:
                found.append(op)
        return found, left

    def read(self, op: Operation, page: Sequence[str], size: int) -> Read | str:
        """A GET operation with its URL, or why it has none."""
        paths, missing = self.created.fill(op)
        if not paths:
            return f"{op.name}: no created or listed object names {{{missing}}}"
        return Read(op.name, self.base_url + paths[0] + self._query(op, page, size))

    def learn(self, op: Operation, answer: Any) -> None:
        """The ids of the first item a list answered, for the reads of one object: what no
        creating request made (runs a worker makes) may still be listed."""
        if op.path in self.created.by_prefix:
            return  # a created object's id is kept
        listed = answer if isinstance(answer, list) else None
        if isinstance(answer, dict):
            listed = next((m for m in answer.values() if isinstance(m, list)), None)
        if listed and isinstance(listed[0], dict):
            self.created.learn(op.path, listed[0])
