"""The built-in workload: which operations the package's users send, how often, with what.

`[load.mix] operations` names them (method and route template, weight, path parameters, query,
headers, a JSON body, values saved from an answer for later paths); without any, every read of
the OpenAPI document that needs no parameter, in equal shares. Against a read-only deployment
only what the handle's `may_send` allows is kept, and what was left out is said.

Pure data and functions: the engine chooses the mix, the Locust processes play it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from signoff import openapi
from signoff.config.schema import suggest
from signoff.errors import ConfigError, EvidenceError

METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
KEYS = ("name", "weight", "params", "query", "headers", "json", "save")
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


@dataclass(frozen=True)
class MixOperation:
    """One operation of the mix. Requests are named `name` ("GET /api/notes/{note_id}").

    `params` fill the route's placeholders; a placeholder without one takes a value that an
    earlier operation of the same user saved (`save`: variable -> dotted path into its JSON
    answer, e.g. `{ note_id = "id" }`), or one the locustfile offers in `VALUES`.
    """

    name: str
    weight: float = 1.0
    params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    save: dict[str, str] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.name.partition(" ")[0]

    @property
    def route(self) -> str:
        return self.name.partition(" ")[2]

    @property
    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.route)

    def url(self, values: Mapping[str, str]) -> str | None:
        """The path (and query) to send, or None while a placeholder has no value."""
        known = {**values, **self.params}
        if any(name not in known for name in self.placeholders):
            return None
        path = _PLACEHOLDER.sub(lambda m: quote(str(known[m.group(1)]), safe=""), self.route)
        return f"{path}?{urlencode(self.query)}" if self.query else path

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


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


def _text_table(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table, not {raw!r}.")
    for key, value in raw.items():
        if isinstance(value, dict | list) or value is None:
            raise ConfigError(f"{where}.{key} must be a string or a number, not {value!r}.")
    return {str(k): str(v).lower() if isinstance(v, bool) else str(v) for k, v in raw.items()}


def parse_name(name: Any, where: str) -> str:
    """A "METHOD /path" operation name, checked."""
    method, _, route = str(name).partition(" ")
    if not isinstance(name, str) or method not in METHODS or not route.startswith("/"):
        raise ConfigError(
            f'{where} must be an operation "METHOD /path" (e.g. "GET /api/notes/{{id}}"), '
            f"not {name!r}."
        )
    return name


def parse(raw: Any, where: str = "load.mix.operations") -> list[MixOperation]:
    """`[load.mix] operations` as operations; every placeholder must get a value somewhere."""
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list of tables.")
    found: list[MixOperation] = []
    for index, item in enumerate(raw):
        here = f"{where}[{index}]"
        if not isinstance(item, dict) or "name" not in item:
            raise ConfigError(f"{here} must be a table with at least 'name' (\"METHOD /path\").")
        unknown = sorted(set(item) - set(KEYS))
        if unknown:
            hint = suggest(unknown[0], list(KEYS))
            raise ConfigError(f"{here} has an unknown key {unknown[0]!r}{hint}.")
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise ConfigError(f"{here}.weight must be a positive number, not {weight!r}.")
        found.append(
            MixOperation(
                name=parse_name(item["name"], f"{here}.name"),
                weight=float(weight),
                params=_text_table(item.get("params", {}), f"{here}.params"),
                query=_text_table(item.get("query", {}), f"{here}.query"),
                headers=_text_table(item.get("headers", {}), f"{here}.headers"),
                json=item.get("json"),
                save=_text_table(item.get("save", {}), f"{here}.save"),
            )
        )
    saved = {name for op in found for name in op.save}
    for index, op in enumerate(found):
        for name in op.placeholders:
            if name not in op.params and name not in saved:
                raise ConfigError(
                    f"{where}[{index}] ({op.name}) has no value for {{{name}}}.",
                    hint=f'give it `params = {{ {name} = "..." }}`, or save it from an earlier '
                    f'operation\'s answer with `save = {{ {name} = "id" }}`.',
                )
    return found


def think_time(settings: Mapping[str, Any]) -> tuple[float, float]:
    """`[load.mix] think_s`: the pause of a built-in user between two operations (seconds)."""
    raw = settings.get("mix", {}).get("think_s", [0.5, 1.5])
    ok = isinstance(raw, list) and len(raw) == 2
    ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)
    if not ok or raw[0] < 0 or raw[0] > raw[1]:
        raise ConfigError(f"load.mix.think_s must be [low, high] seconds, not {raw!r}.")
    return float(raw[0]), float(raw[1])


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

    settings: Mapping[str, Any]
    may_send: Callable[[str], bool]
    document: Callable[[], dict[str, Any]]
    api_prefix: str = ""
    source: str = ""
    skipped: list[str] = field(default_factory=list)
    _configured: list[MixOperation] | None = field(default=None, init=False, repr=False)
    _mix: list[MixOperation] | None = field(default=None, init=False, repr=False)

    def configured(self) -> list[MixOperation]:
        if self._configured is None:
            self._configured = parse(self.settings.get("mix", {}).get("operations", []))
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
        names = [str(n) for n in self.settings.get("open", {}).get("requests", [])]
        return self.named(names, "load.open.requests") if names else self.mix()

    def bench(self) -> MixOperation:
        """The one operation of the peak and paced users: `[load.bench] endpoint`, else the
        first of the mix."""
        name = str(self.settings.get("bench", {}).get("endpoint", ""))
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
