"""Round trips of one documented write: its JSON body sent once as the document makes it (the
control), then once per edge value of each writable field, each value read back from the
write's answer and from a GET of the object; a value that comes back different, or that the
service refuses although the document allows it, fails the field."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from signoff.openapi import Operation
from signoff.openapi import _schema as resolve
from signoff.probes.bodies import request_body
from signoff.probes.edges import Edge, edges
from signoff.probes.exchanges import Exchange, Exchanges
from signoff.probes.readback import locate, same
from signoff.probes.resources import ID_FIELDS, Created
from signoff.records import Check, Status

WRITES = ("post", "put", "patch")
SHOWN = 3  # differences a failure's message spells out


@dataclass
class Field:
    """What one field's edge values showed: differences, refusals, read-backs compared."""

    operation: str
    name: str
    differences: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    compared: int = 0
    sent: int = 0
    hidden: bool = False  # `writeOnly`: written, never shown again (a password)


@dataclass(frozen=True)
class Write:
    """A write's JSON body: the base object, whether it is sent as the one item of an array,
    and the writable fields' schemas."""

    kind: str
    base: dict[str, Any]
    listed: bool
    fields: dict[str, dict[str, Any]]

    def body(self, name: str | None, value: Any, tag: str, marker: str) -> tuple[str, Any]:
        item = _retag(copy.deepcopy(self.base), marker, tag)
        if name is not None:
            item[name] = value
        return self.kind, [item] if self.listed else item


def _retag(value: Any, marker: str, tag: str) -> Any:
    """The body with the marker in its strings replaced by one write's own tag."""
    if isinstance(value, str):
        return value.replace(marker, tag)
    if isinstance(value, dict):
        return {k: _retag(v, marker, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [_retag(v, marker, tag) for v in value]
    return value


def shape(document: dict[str, Any], raw: dict[str, Any], marker: str) -> Write | None:
    """The write's JSON object body (or array of objects), None when it has none."""
    made = request_body(document, raw, marker)
    if made is None or not (made[0] == "application/json" or made[0].endswith("+json")):
        return None
    kind, base = made
    content = resolve(document, raw.get("requestBody") or {}).get("content") or {}
    schema = resolve(document, (content.get(kind) or {}).get("schema") or {})
    listed = schema.get("type") == "array" or isinstance(base, list)
    if listed:
        schema = resolve(document, schema.get("items") or {})
        base = base[0] if isinstance(base, list) and base else None
    if not isinstance(base, dict):
        return None
    properties = _properties(document, schema)
    fields = {k: v for k, v in properties.items() if not v.get("readOnly")}
    return Write(kind, base, listed, fields)


def _properties(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for part in [schema, *(resolve(document, s) for s in schema.get("allOf") or [])]:
        for name, sub in (part.get("properties") or {}).items():
            found[str(name)] = resolve(document, sub)
    return found


class Trips:
    """The round trips of every write, sent with one identity's credential."""

    def __init__(
        self,
        document: dict[str, Any],
        base_url: str,
        exchanges: Exchanges,
        identity: str,
        created: Created,
        marker: str,
    ) -> None:
        self.document = document
        self.base_url = base_url.rstrip("/")
        self.exchanges = exchanges
        self.identity = identity
        self.created = created
        self.marker = marker
        self.fields: list[Field] = []
        self.excluded: list[str] = []
        self.reads: dict[str, Operation] = {}
        self.count = 0

    def run(self, op: Operation, operations: list[Operation]) -> None:
        """Every edge value of every writable field of `op` written and read back."""
        self.reads = {o.path: o for o in operations if o.method == "get"}
        raw = ((self.document.get("paths") or {}).get(op.path) or {}).get(op.method) or {}
        write = shape(self.document, raw, self.marker)
        if write is None or not write.fields:
            self.excluded.append(f"{op.name}: no JSON object body with fields to write")
            return
        paths, missing = self.created.fill(op)
        if not paths:
            self.excluded.append(f"{op.name}: nothing created names {{{missing}}}")
            return
        control = self._send(op, paths[0], write, None, None)[0]
        if not control.succeeded:
            self.excluded.append(
                f"{op.name}: the document's own body was refused ({control.status}, "
                f"#{control.number})"
            )
            return
        for name, schema in write.fields.items():
            found = Field(op.name, name, hidden=bool(schema.get("writeOnly")))
            for edge in edges(self.document, schema, write.base.get(name)):
                self._trip(op, paths[0], write, found, edge)
            if found.sent:
                self.fields.append(found)

    def _send(
        self, op: Operation, path: str, write: Write, name: str | None, value: Any
    ) -> tuple[Exchange, str]:
        self.count += 1
        tag = f"{self.marker}{self.count:05d}"
        body = write.body(name, value, tag, self.marker)
        return self.exchanges.send(
            self.identity, op.method.upper(), self.base_url + path, body
        ), tag

    def _trip(self, op: Operation, path: str, write: Write, found: Field, edge: Edge) -> None:
        answer, tag = self._send(op, path, write, found.name, edge.value)
        found.sent += 1
        if answer.succeeded:
            if not found.hidden:
                self._compare(op, path, answer, tag, found, edge)
            return
        shown = json.dumps(edge.value, ensure_ascii=False)
        again = self._send(op, path, write, None, None)[0]
        if again.succeeded:  # the body without the edge value passes: the value was refused
            found.refusals.append(
                f"{shown} ({edge.why}) answered {answer.status} (#{answer.number})"
            )
        else:
            self.excluded.append(
                f"{op.name} field '{found.name}': {shown} answered {answer.status} "
                f"(#{answer.number}), and so did the body without it (#{again.number})"
            )

    def _compare(
        self, op: Operation, path: str, answer: Exchange, tag: str, found: Field, edge: Edge
    ) -> None:
        """The value looked for in the write's answer and in a GET of the object."""
        ident = _ident(answer.json())
        reads = [(f"the answer of {op.method.upper()} {path}", answer)]
        get = self._get(op, path, ident)
        if get is not None:
            reads.append(
                (f"GET {get}", self.exchanges.send(self.identity, "GET", self.base_url + get))
            )
        for where, read in reads:
            hit, value = (
                locate(read.json(), found.name, ident, tag) if read.succeeded else (False, None)
            )
            if not hit:
                continue
            found.compared += 1
            if not same(edge.kind, edge.value, value):
                written, seen = (json.dumps(v, ensure_ascii=False) for v in (edge.value, value))
                found.differences.append(
                    f"wrote {written} ({edge.why}), read {seen} in {where} (#{read.number})"
                )

    def _get(self, op: Operation, path: str, ident: str) -> str | None:
        """The concrete path of the GET that shows the written object, if the document has one."""
        child = next(
            (
                o
                for o in self.reads.values()
                if o.path.startswith(op.path + "/{") and o.path.count("/") == op.path.count("/") + 1
            ),
            None,
        )
        if op.method == "post" and child is not None and ident:
            return path + "/" + ident
        return path if op.path in self.reads else None

    def checks(self, evidence: str) -> list[Check]:
        """Two checks per field written: its values read back as written, and accepted."""
        found: list[Check] = []
        for item in self.fields:
            where = f"{item.operation} field '{item.name}'"
            if item.compared:
                message = (
                    f"{where} came back different: {'; '.join(item.differences[:SHOWN])} "
                    f"(evidence: {evidence})."
                )
                found.append(
                    _check(f"{where}: read back as written", item.differences, message, evidence)
                )
            message = (
                f"{where}: documented value refused: {'; '.join(item.refusals[:SHOWN])} "
                f"(evidence: {evidence})."
            )
            found.append(
                _check(f"{where}: documented values accepted", item.refusals, message, evidence)
            )
        return found


def _ident(answer: Any) -> str:
    if isinstance(answer, dict):
        for key in ID_FIELDS:
            value = answer.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                return str(value)
    return ""


def _check(name: str, problems: list[str], message: str, evidence: str) -> Check:
    return Check(
        name,
        Status.FAIL if problems else Status.PASS,
        len(problems),
        0,
        "==",
        "",
        message if problems else "",
        evidence,
    )
