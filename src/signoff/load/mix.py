"""The built-in workload: which operations the package's users send, how often, with what.

`[load.mix] operations` names them (method and route template, weight, path parameters, query,
headers, a JSON body, values saved from an answer for later paths); without any, every read of
the OpenAPI document that needs no parameter, in equal shares. Against a read-only deployment
only what the handle's `may_send` allows is kept, and what was left out is said.

Pure data and functions: the configuration reads and checks the operations
(`signoff.config.operations`), the engine chooses the mix, the Locust processes play it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from signoff import openapi
from signoff.config import LoadSettings
from signoff.config.operations import METHODS, MixOperation, parse, parse_name
from signoff.errors import EvidenceError

__all__ = [
    "METHODS",
    "Answer",
    "MixOperation",
    "Workload",
    "answered",
    "extract",
    "from_json",
    "openapi_reads",
    "parse",
    "parse_name",
    "pick",
    "remember",
    "seed",
]
# SystemRandom: nothing here needs a reproducible sequence, and it is no key material.
RNG = random.SystemRandom()


def from_json(data: Mapping[str, Any]) -> MixOperation:
    return MixOperation(**data)


def extract(document: Any, path: str) -> str | None:
    """The scalar at a dotted path of a JSON answer ("id", "items.0.id"), as text."""
    value = document
    for part in path.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    if value is None or isinstance(value, dict | list):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def remember(op: MixOperation, answer: Callable[[], Any], saved: dict[str, str]) -> None:
    """After a successful answer to `op`: forget what a DELETE removed, keep what it saves
    (`answer` gives the answer's JSON, or raises ValueError)."""
    if op.method == "DELETE":
        # what was deleted is gone: later operations must not ask for it again
        for name in op.placeholders:
            if name not in op.params:
                saved.pop(name, None)
    if not op.save:
        return
    try:
        document = answer()
    except ValueError:
        return
    for name, path in op.save.items():
        value = extract(document, path)
        if value is not None:
            saved[name] = value


def answered(
    op: MixOperation, status: int, answer: Callable[[], Any], saved: dict[str, str]
) -> bool:
    """Whether an answer to `op` succeeded (2xx); a successful one leaves its values for later
    operations in `saved`. The one way placeholders get values from answers, whether the
    operation was sent during the load or as a seed before it."""
    if not 200 <= status < 300:
        return False
    remember(op, answer, saved)
    return True


@dataclass(frozen=True)
class Answer:
    status: int
    text: str
    json: Callable[[], Any]  # the answer's JSON, or raises ValueError


def seed(
    ops: Sequence[MixOperation],
    send: Callable[[MixOperation, str], Answer],
    saved: dict[str, str],
    target: str,
) -> None:
    """Each operation sent once to `target` by `send` (the transport's, raising EvidenceError
    when it gets no answer), in order, before the load: what each saves fills the placeholders
    of the later ones and of the measured requests."""
    for op in ops:
        url = op.url(saved)
        if url is None:
            raise EvidenceError(
                f"The seed request {op.name} has no value for {', '.join(op.placeholders)}.",
                hint="save it from an earlier seed request's answer (save = { name = path }).",
            )
        answer = send(op, url)
        if not answered(op, answer.status, answer.json, saved):
            raise EvidenceError(
                f"The seed request {op.name} to {target} answered {answer.status}: "
                f"{answer.text[:200]}",
                hint="give it the body the service expects ([load.mix] operations, json).",
            )


def pick(ops: Sequence[MixOperation], values: Mapping[str, str]) -> tuple[MixOperation, str] | None:
    """One of the operations whose placeholders have values, by weight, with its URL; None
    when none has."""
    ready = [(op, url) for op in ops if (url := op.url(values)) is not None]
    if not ready:
        return None
    return RNG.choices(ready, weights=[op.weight for op, _ in ready])[0]


def openapi_reads(document: dict[str, Any], api_prefix: str = "") -> list[MixOperation]:
    """Every GET of the document under `api_prefix` that needs no path or required query
    parameter, in equal shares."""
    prefix = api_prefix.rstrip("/")
    chosen = sorted(
        op.name
        for op in openapi.operations(document)
        if op.method == "get"
        and not op.params
        and not op.required_query
        and (not prefix or op.path == prefix or op.path.startswith(prefix + "/"))
    )
    return [MixOperation(name) for name in chosen]


def _reachable(operations: list[MixOperation], skipped: list[str]) -> list[MixOperation]:
    """The operations whose placeholders still get a value once some were left out (a GET of
    what a refused POST would have created can never be sent)."""
    kept = list(operations)
    while True:
        saved = {name for op in kept for name in op.save}
        blocked = [
            op for op in kept if any(p not in op.params and p not in saved for p in op.placeholders)
        ]
        if not blocked:
            return kept
        for op in blocked:
            kept.remove(op)
            if op.name not in skipped:
                skipped.append(op.name)


@dataclass
class Workload:
    """What the built-in users send in one layer run; the OpenAPI document is read at most once,
    and only when no operation is configured.

    `may_send` is the handle's rule ("METHOD /path" -> allowed); what it refused is `skipped`.
    """

    settings: LoadSettings
    may_send: Callable[[str], bool]
    document: Callable[[], dict[str, Any]]
    api_prefix: str = ""
    source: str = ""
    skipped: list[str] = field(default_factory=list)
    _configured: list[MixOperation] | None = field(default=None, init=False, repr=False)
    _mix: list[MixOperation] | None = field(default=None, init=False, repr=False)

    def configured(self) -> list[MixOperation]:
        if self._configured is None:
            self._configured = list(self.settings.mix.operations)
        return self._configured

    def _allowed(self, operations: list[MixOperation]) -> list[MixOperation]:
        kept = []
        for op in operations:
            if self.may_send(op.name):
                kept.append(op)
            elif op.name not in self.skipped:
                self.skipped.append(op.name)
        return kept

    def mix(self) -> list[MixOperation]:
        """The weighted mix of the closed-model users."""
        if self._mix is None:
            configured = self.configured()
            if configured:
                self.source = "config"
                chosen = configured
            else:
                self.source = "openapi"
                chosen = openapi_reads(self.document(), self.api_prefix)
            self._mix = _reachable(self._allowed(chosen), self.skipped)
            if not self._mix:
                raise EvidenceError(
                    f"The load mix has no operation to send (from the {self.source}; "
                    f"left out on this target: {', '.join(self.skipped) or 'none'}).",
                    hint="list operations in [tool.signoff.load.mix] operations, or allow "
                    "writes to the deployment ([tool.signoff.stack] url_write_operations).",
                )
        return self._mix

    def named(self, names: list[str], where: str) -> list[MixOperation]:
        """The operations of these names (a configured operation of the same name gives its
        parameters, body and what it saves), those this target may not be sent left out."""
        by_name = {op.name: op for op in self.configured()}
        chosen = [by_name.get(parse_name(n, where), MixOperation(n)) for n in names]
        kept = self._allowed(chosen)
        if not kept:
            raise EvidenceError(f"{where} leaves no operation that may be sent to this target.")
        return kept

    def open_requests(self) -> list[MixOperation]:
        """The open model's operations: `[load.open] requests`, else the mix."""
        names = list(self.settings.open.requests)
        return self.named(names, "load.open.requests") if names else self.mix()

    def bench(self) -> MixOperation:
        """The one operation of the peak and paced users: `[load.bench] endpoint`, else the
        first of the mix."""
        name = self.settings.bench.endpoint
        return self.named([name], "load.bench.endpoint")[0] if name else self.mix()[0]

    def operations(self, mode: str, builtin: bool) -> list[MixOperation]:
        """What the package's users play for a plan of `mode` (a user's own locustfile brings
        its own closed-model users)."""
        if mode == "open":
            return self.open_requests()
        if mode in ("peak", "paced"):
            return [self.bench()]
        return self.mix() if builtin else []

    def figures(self) -> dict[str, Any]:
        """For the record: where the mix came from, what it sends, what it left out."""
        out: dict[str, Any] = {}
        if self._mix is not None:
            out["source"] = self.source
            out["operations"] = {op.name: op.weight for op in self._mix}
        if self.skipped:
            out["not_sent"] = list(self.skipped)
        return out
