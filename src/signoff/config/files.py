"""Configuration files: the built-in defaults, the project's file, and how the two merge.

A user key that has no default, or whose type differs from the default's, is an error: a typo
in a budget must never silently fall back to the default.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from signoff.config.schema import suggest
from signoff.errors import ConfigError

Table = dict[str, Any]

# Tables merged as a whole and checked by their dataclasses (`profiles` and `layers` are open
# maps of the user's names; in them a user's entry replaces the default's).
WHOLE = ("target", "profiles", "layers")
# Tables whose keys are the user's names (a `*` stands for any one name).
OPEN = ("load.profiles", "load.profiles.*.budgets", "load.suites")
# Tables where a list under a name of the user's is a stage table, named after a sign-off
# profile (checked against the profiles by `signoff.config.stages.check_tables`).
STAGE_TABLES = ("load.profiles.*",)


def defaults() -> Table:
    """Every section's defaults, merged."""
    merged: Table = {}
    folder = resources.files("signoff") / "defaults"
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            merged.update(tomllib.loads(item.read_text(encoding="utf-8")))
    return merged


def find_config_file(start: Path) -> tuple[Path, Table] | None:
    """The nearest signoff.toml, or pyproject.toml with a [tool.signoff] table, from `start` up."""
    for folder in [start, *start.parents]:
        standalone = folder / "signoff.toml"
        if standalone.is_file():
            return standalone, _read(standalone)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            data = _read(pyproject)
            section = data.get("tool", {}).get("signoff")
            if section is not None:
                return pyproject, section
    return None


def _read(path: Path) -> Table:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path} is not valid TOML: {exc}.", hint="fix the file, then run `signoff config`."
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}.") from exc


def _is_open(prefix: str, patterns: tuple[str, ...] = OPEN) -> bool:
    parts = prefix.rstrip(".").split(".")
    return any(
        len(parts) == len(pattern.split("."))
        and all(p == "*" or p == part for p, part in zip(pattern.split("."), parts, strict=True))
        for pattern in patterns
    )


def merge(base: Table, override: Mapping[str, Any], source: Path, prefix: str = "") -> Table:
    """`override` (read from `source`) laid over the defaults `base`, every key checked."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if not prefix and key in WHOLE:
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{dotted}' must be a table.")
            # target merges key by key; in the open maps a user's entry replaces the default's
            merged = (
                deep_merge(base.get(key, {}), value) if key == "target" else {**base.get(key, {})}
            )
            if key != "target":
                merged.update(value)
            result[key] = merged
            continue
        if key not in base:
            stages = isinstance(value, list) and _is_open(prefix, STAGE_TABLES)
            if prefix and (_is_open(prefix) or stages):
                result[key] = value  # an open table: its keys are the user's names
                continue
            raise ConfigError(
                f"{source}: unknown setting '{dotted}'{suggest(key, list(base))}.",
                hint="run `signoff config` to see every setting and its default.",
            )
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{dotted}' must be a table.")
            result[key] = merge(default, value, source, f"{dotted}.")
        elif not _same_type(default, value):
            raise ConfigError(
                f"{source}: '{dotted}' must be {type(default).__name__}, "
                f"not {type(value).__name__} ({value!r})."
            )
        else:
            result[key] = value
    return result


def deep_merge(base: Table, override: Mapping[str, Any]) -> Table:
    """`base` with `override` laid over it, tables merged key by key (a copy)."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    return isinstance(value, type(default))
