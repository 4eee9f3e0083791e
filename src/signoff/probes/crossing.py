"""Broken object-level authorization, looked for on every operation of a document.

The owner creates what the document's creating requests make (POSTs and PUTs, in rounds, so a
job made in one round gets its records and a run in the next), keeping the ids the answers
give. Every operation that names an object by a path parameter is then sent by another
identity of the same role with the owner's ids, and by the owner as the control; a list is
read by the other identity. Success for the other identity, or any answer to it that shows a
value only the owner wrote (a marker in every free string the owner sent), fails the route.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from signoff.openapi import Operation
from signoff.probes.bodies import request_body, value
from signoff.probes.exchanges import Exchange, Exchanges
from signoff.probes.resources import Created, own_record
from signoff.records import Check, Status

OWNER, OTHER = "owner", "other"
ROUNDS = 3  # rounds of creating requests: one may need what an earlier one made
CREATES = ("post", "put")


@dataclass
class Outcome:
    """What the crossing found: checks, the routes judged, and those it could not judge."""

    checks: list[Check] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)
    objects: int = 0  # judged routes that name an object (a path parameter)
    excluded: list[str] = field(default_factory=list)
    created: int = 0


class Crossing:
    def __init__(
        self,
        document: dict[str, Any],
        base_url: str,
        exchanges: Exchanges,
        markers: dict[str, str],
        evidence: str,
        may_send: Callable[[str], bool],
    ) -> None:
        self.document = document
        self.base_url = base_url.rstrip("/")
        self.exchanges = exchanges
        self.markers = markers
        self.evidence = evidence
        self.may_send = may_send
        self.created = Created()
        self.outcome = Outcome()
        self.reads: dict[str, Operation] = {}
        self.carriers: dict[str, str] = {}  # operation -> where its recorded credential rode

    def _raw(self, op: Operation) -> dict[str, Any]:
        found = ((self.document.get("paths") or {}).get(op.path) or {}).get(op.method)
        return found if isinstance(found, dict) else {}

    def send(self, identity: str, op: Operation, path: str) -> Exchange:
        raw = self._raw(op)
        marker = self.markers[identity]
        query = {
            str(p["name"]): value(self.document, p.get("schema") or {}, marker)
            for p in raw.get("parameters") or []
            if isinstance(p, dict) and p.get("in") == "query" and p.get("required")
        }
        url = self.base_url + path + (f"?{urlencode(query, doseq=True)}" if query else "")
        body = request_body(self.document, raw, marker) if op.has_body else None
        carrier = self.carriers.get(op.name, "")
        return self.exchanges.send(identity, op.method.upper(), url, body, carrier)

    def create(self, operations: list[Operation]) -> None:
        """The owner's resources, made by every creating request the document lists, and the
        owner's own record, read where a route names it (`GET /users/me` fills `{user_id}`)."""
        for op in operations:
            collection = own_record(op)
            answer = self.send(OWNER, op, op.path) if collection else None
            if answer is not None and answer.succeeded:
                self.created.learn(collection, answer.json())
        pending = sorted(
            (op for op in operations if op.method in CREATES and self.may_send(op.name)),
            key=lambda op: (len(op.params), op.path),
        )
        for _ in range(ROUNDS):
            progress = False
            for op in list(pending):
                paths, _missing = self.created.fill(op)
                answers = [self.send(OWNER, op, path) for path in paths]
                made = [a for a in answers if a.succeeded]
                for answer in made:
                    self.created.learn(op.path, answer.json())
                self.outcome.created += len(made)
                if answers and len(made) == len(answers):
                    pending.remove(op)
                progress = progress or bool(made)
            if not progress:
                return

    def cross(self, operations: list[Operation]) -> Outcome:
        """Every operation sent by the other identity: reads first, deletions last, deepest
        first, so that no route loses the object it names before it is tried. It may be called
        in parts (the deletions last); the outcome adds up."""
        order = {"get": 0, "head": 0, "delete": 2}
        self.reads.update({op.path: op for op in operations if op.method == "get"})
        for op in sorted(
            operations, key=lambda o: (order.get(o.method, 1), -o.path.count("/"), o.path)
        ):
            if not op.params:
                if op.method == "get":
                    self._list(op)
                continue
            if not self.may_send(op.name):
                self.outcome.excluded.append(f"{op.name}: a write this deployment may not get")
                continue
            paths, missing = self.created.fill(op)
            if not paths:
                self.outcome.excluded.append(
                    f"{op.name}: no resource of the owner names {{{missing}}}"
                )
                continue
            self._object(op, paths[0])
        return self.outcome

    def _list(self, op: Operation) -> None:
        theirs = self.send(OTHER, op, op.path)
        if theirs.status is None:
            self.outcome.excluded.append(f"{op.name}: no answer ({theirs.error}, #{theirs.number})")
            return
        leaked = self.markers[OWNER] in theirs.body
        self.outcome.judged.append(op.name)
        message = (
            f"{op.name} showed identity '{OTHER}' data that identity '{OWNER}' wrote "
            f"(exchange #{theirs.number} in {self.evidence})."
        )
        self.outcome.checks.append(
            _check(
                f"{op.name}: shows '{OTHER}' nothing of '{OWNER}'",
                not leaked,
                theirs,
                message,
                self.evidence,
            )
        )

    def _object(self, op: Operation, path: str) -> None:
        deleted_nothing = False
        if op.method in ("get", "head"):
            mine = self.send(OWNER, op, path)
            theirs = self.send(OTHER, op, path)
        else:  # the other identity first: the owner's own write may change or remove it
            theirs = self.send(OTHER, op, path)
            if op.method == "delete" and theirs.succeeded:
                deleted_nothing = self._survived(op, path)
            mine = self.send(OWNER, op, path)
        if theirs.status is None:
            self.outcome.excluded.append(f"{op.name}: no answer ({theirs.error}, #{theirs.number})")
            return
        leaked = self.markers[OWNER] in theirs.body
        succeeded = theirs.succeeded and not deleted_nothing
        if not (succeeded or leaked) and not mine.succeeded:
            self.outcome.excluded.append(
                f"{op.name}: the owner's own request answered {mine.status} (#{mine.number})"
            )
            return
        self.outcome.judged.append(op.name)
        self.outcome.objects += 1
        what = "succeeded" if succeeded else "answered with the owner's data"
        message = (
            f"{op.name} {what} ({theirs.status}) for identity '{OTHER}' on {path}, an object "
            f"of identity '{OWNER}': broken object-level authorization; exchanges "
            f"#{mine.number} ({OWNER}) and #{theirs.number} ({OTHER}) in {self.evidence}."
        )
        ok = not succeeded and not leaked
        self.outcome.checks.append(
            _check(f"{op.name}: refuses identity '{OTHER}'", ok, theirs, message, self.evidence)
        )

    def _survived(self, op: Operation, path: str) -> bool:
        """Whether the owner still reads the object that the other identity's deletion was
        answered 2xx for: an idempotent DELETE answers 2xx and deletes nothing of another's."""
        read = self.reads.get(op.path)
        return read is not None and self.send(OWNER, read, path).succeeded


def _check(name: str, ok: bool, theirs: Exchange, message: str, evidence: str) -> Check:
    return Check(
        name,
        Status.PASS if ok else Status.FAIL,
        theirs.status,
        "refused, nothing shown",
        "==",
        "",
        "" if ok else message,
        evidence,
    )
