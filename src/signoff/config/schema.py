"""Typed configuration sections: TOML tables read into frozen dataclasses, checked at load time.

`parse(Type, table, where)` walks the dataclass's fields: an unknown key is an error that
suggests the nearest known one ("did you mean ..."), a value of the wrong type names the key and
the type it needs, a number outside its field's `bounds` names the range, and `dict[str, T]`
fields are open maps whose keys are the user's names. A class with a `from_table` classmethod
reads its table itself; `check(self, where)` checks what spans several fields.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar, get_args, get_origin

from signoff.errors import ConfigError

T = TypeVar("T")


def suggest(name: str, known: list[str]) -> str:
    """' (did you mean X?)' for a close match, else the list of known names."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (known here: {', '.join(sorted(known)) or 'none'})"


def bounds(
    low: float | None = None,
    high: float | None = None,
    *,
    above: float | None = None,
    below: float | None = None,
) -> dict[str, float]:
    """Field metadata: the range a number setting must lie in (`above` and `below` exclusive)."""
    given = {"low": low, "high": high, "above": above, "below": below}
    return {key: value for key, value in given.items() if value is not None}


_WORDS = {"low": "at least", "high": "at most", "above": "more than", "below": "less than"}


def _in_range(value: Any, limits: Mapping[str, float], where: str) -> None:
    if not limits or not isinstance(value, int | float) or isinstance(value, bool):
        return
    ok = (
        value >= limits.get("low", value)
        and value <= limits.get("high", value)
        and value > limits.get("above", value - 1)
        and value < limits.get("below", value + 1)
    )
    if not ok:
        wanted = " and ".join(f"{_WORDS[key]} {limit:g}" for key, limit in limits.items())
        if set(limits) == {"low", "high"}:
            wanted = f"between {limits['low']:g} and {limits['high']:g}"
        raise ConfigError(f"'{where}' must be {wanted}, not {value!r}.")


def parse(kind: Any, value: Any, where: str) -> Any:
    """`value` checked against the type `kind`, dataclasses built from tables."""
    origin = get_origin(kind)
    if kind is Any:
        return value
    reader = getattr(kind, "from_table", None) if isinstance(kind, type) else None
    if reader is not None:
        return reader(value, where)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return _dataclass(kind, value, where)
    if origin is typing.Literal:
        choices = get_args(kind)
        if value not in choices:
            shown = ", ".join(repr(c) for c in choices)
            raise ConfigError(f"'{where}' must be one of {shown}, not {value!r}.")
        return value
    if origin in (types.UnionType, typing.Union):
        errors: list[str] = []
        for option in get_args(kind):
            try:
                return parse(option, value, where)
            except ConfigError as exc:
                errors.append(exc.message)
        raise ConfigError(errors[-1])
    if origin is list:
        if not isinstance(value, list):
            raise ConfigError(f"'{where}' must be a list, not {_kind(value)} ({value!r}).")
        (item,) = get_args(kind)
        return [parse(item, v, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is tuple:
        return _tuple(get_args(kind), value, where)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(f"'{where}' must be a table, not {_kind(value)} ({value!r}).")
        _, item = get_args(kind)
        return {str(k): parse(item, v, f"{where}.{k}") for k, v in value.items()}
    if kind is type(None):
        if value is not None:
            raise ConfigError(f"'{where}' must be empty.")
        return None
    return _scalar(kind, value, where)


def from_table(kind: type[T], table: Any, where: str) -> T:
    """`parse` for a section class: its table read and checked, typed as the class."""
    built: T = parse(kind, table, where)
    return built


def _scalar(kind: Any, value: Any, where: str) -> Any:
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind is bool and not isinstance(value, bool):
        raise ConfigError(f"'{where}' must be true or false, not {value!r}.")
    if kind in (int, str) and (isinstance(value, bool) or not isinstance(value, kind)):
        raise ConfigError(f"'{where}' must be {kind.__name__}, not {_kind(value)} ({value!r}).")
    if kind is float and not isinstance(value, float):
        raise ConfigError(f"'{where}' must be a number, not {_kind(value)} ({value!r}).")
    return value


def _tuple(items: tuple[Any, ...], value: Any, where: str) -> tuple[Any, ...]:
    """`tuple[T, ...]` from a list of any length, `tuple[A, B]` from a list of two."""
    if not isinstance(value, list | tuple):
        raise ConfigError(f"'{where}' must be a list, not {_kind(value)} ({value!r}).")
    if len(items) == 2 and items[1] is Ellipsis:
        return tuple(parse(items[0], v, f"{where}[{i}]") for i, v in enumerate(value))
    if len(value) != len(items):
        raise ConfigError(f"'{where}' must be a list of {len(items)}, not {value!r}.")
    return tuple(
        parse(k, v, f"{where}[{i}]") for i, (k, v) in enumerate(zip(items, value, strict=True))
    )


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def _dataclass(kind: type[T], value: Any, where: str) -> T:
    if isinstance(value, kind):
        return value
    if not isinstance(value, Mapping):
        raise ConfigError(f"'{where}' must be a table, not {_kind(value)} ({value!r}).")
    hints = typing.get_type_hints(kind)
    fields = {f.name: f for f in dataclasses.fields(kind) if f.init}  # type: ignore[arg-type]
    known = [name.replace("_", "-") if name.endswith("_") else name for name in fields]
    args: dict[str, Any] = {}
    for key, item in value.items():
        name = key if key in fields else None
        dotted = f"{where}.{key}" if where else key
        if name is None:
            raise ConfigError(f"unknown setting '{dotted}'{suggest(key, known)}.")
        args[name] = parse(hints[name], item, dotted)
        _in_range(args[name], fields[name].metadata, dotted)
    missing = [
        name
        for name, f in fields.items()
        if name not in args
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"'{where}' needs '{missing[0]}'.")
    check = getattr(kind, "check", None)
    built = kind(**args)
    if callable(check):
        check(built, where)
    return built


def to_table(value: Any) -> Any:
    """A parsed value as plain TOML data again (dataclasses to tables), for `signoff config`
    and for the plan file a Locust process reads its settings from."""
    writer = getattr(value, "to_table", None)
    if writer is not None and not isinstance(value, type):
        return writer()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_table(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {k: to_table(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_table(v) for v in value]
    return value
