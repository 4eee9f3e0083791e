"""Operations as the configuration names them: `[load.mix] operations`, `[compare] seed`.

An operation is "METHOD /route" with a weight, path parameters, query, headers, a JSON body and
values saved from its answer for later routes. They are read and checked here, at load; the
load engine plays them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from signoff.config.schema import suggest
from signoff.errors import ConfigError

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

    @classmethod
    def from_table(cls, item: Any, here: str) -> MixOperation:
        """One operation table, checked (`here`: its place, e.g. "load.mix.operations[0]")."""
        if not isinstance(item, dict) or "name" not in item:
            raise ConfigError(f"{here} must be a table with at least 'name' (\"METHOD /path\").")
        unknown = sorted(set(item) - set(KEYS))
        if unknown:
            hint = suggest(unknown[0], list(KEYS))
            raise ConfigError(f"{here} has an unknown key {unknown[0]!r}{hint}.")
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise ConfigError(f"{here}.weight must be a positive number, not {weight!r}.")
        return cls(
            name=parse_name(item["name"], f"{here}.name"),
            weight=float(weight),
            params=_text_table(item.get("params", {}), f"{here}.params"),
            query=_text_table(item.get("query", {}), f"{here}.query"),
            headers=_text_table(item.get("headers", {}), f"{here}.headers"),
            json=item.get("json"),
            save=_text_table(item.get("save", {}), f"{here}.save"),
        )

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

    def to_table(self) -> dict[str, Any]:
        return self.to_json()


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


def check_values(found: Sequence[MixOperation], where: str) -> None:
    """Every placeholder must get a value: its own `params`, or what an operation saves."""
    saved = {name for op in found for name in op.save}
    for index, op in enumerate(found):
        for name in op.placeholders:
            if name not in op.params and name not in saved:
                raise ConfigError(
                    f"{where}[{index}] ({op.name}) has no value for {{{name}}}.",
                    hint=f'give it `params = {{ {name} = "..." }}`, or save it from an earlier '
                    f'operation\'s answer with `save = {{ {name} = "id" }}`.',
                )


def parse(raw: Any, where: str = "load.mix.operations") -> list[MixOperation]:
    """`[load.mix] operations` as operations; every placeholder must get a value somewhere."""
    if not isinstance(raw, list | tuple):
        raise ConfigError(f"{where} must be a list of tables.")
    found = [MixOperation.from_table(item, f"{where}[{i}]") for i, item in enumerate(raw)]
    check_values(found, where)
    return found
