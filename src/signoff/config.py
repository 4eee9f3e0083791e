"""Configuration: built-in defaults merged with `[tool.signoff]` (pyproject.toml) or signoff.toml.

Defaults live in `defaults/*.toml`, one file per section, so every threshold has a value a user
can see with `signoff config`. A user key that has no default, or whose type differs from the
default's, is an error: a typo in a budget must never silently fall back to the default.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from signoff import schema
from signoff.declared import LayerSpec, Profile
from signoff.errors import ConfigError
from signoff.target import Target

Table = dict[str, Any]

# Sections read into dataclasses; `profiles` and `layers` are open maps of the user's names.
TYPED: dict[str, Any] = {
    "target": Target,
    "profiles": dict[str, Profile],
    "layers": dict[str, LayerSpec],
}
# Tables whose keys are the user's names (a `*` stands for any one name).
OPEN = ("load.profiles", "load.profiles.*.budgets", "load.suites")


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


def _is_open(prefix: str) -> bool:
    parts = prefix.rstrip(".").split(".")
    return any(
        len(parts) == len(pattern.split("."))
        and all(p == "*" or p == part for p, part in zip(pattern.split("."), parts, strict=True))
        for pattern in OPEN
    )


def _merge(base: Table, override: Mapping[str, Any], source: Path, prefix: str) -> Table:
    result = copy.deepcopy(base)
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if not prefix and key in TYPED:
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
            if prefix and _is_open(prefix):
                result[key] = value  # an open table: its keys are the user's names
                continue
            raise ConfigError(
                f"{source}: unknown setting '{dotted}'{schema.suggest(key, list(base))}.",
                hint="run `signoff config` to see every setting and its default.",
            )
        default = base[key]
        if isinstance(default, dict):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{dotted}' must be a table.")
            result[key] = _merge(default, value, source, f"{dotted}.")
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


@dataclass(frozen=True)
class Config:
    """The effective configuration and where it came from."""

    values: Table
    source: Path | None = None
    root: Path = field(default_factory=Path.cwd)
    target: Target = field(default_factory=Target)
    layers: dict[str, LayerSpec] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)

    def section(self, name: str) -> Table:
        """One section's effective values (a copy)."""
        try:
            return copy.deepcopy(self.values[name])
        except KeyError:
            raise ConfigError(f"There is no configuration section named '{name}'.") from None

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def run_root(self) -> Path:
        """The folder that holds the run directories."""
        return (self.root / str(self.values["run_dir"])).resolve()


def load(start: Path | None = None, overrides: Mapping[str, Any] | None = None) -> Config:
    """Defaults, then the project's config file, then `overrides` (from the command line)."""
    start = (start or Path.cwd()).resolve()
    values = defaults()
    found = find_config_file(start)
    source: Path | None = None
    root = start
    if found is not None:
        source, table = found
        root = source.parent
        values = _merge(values, table, source, "")
    if overrides:
        values = _merge(values, overrides, Path("<command line>"), "")
    where = str(source or "the defaults")
    try:
        typed = {
            name: schema.parse(kind, values.get(name, {}), name) for name, kind in TYPED.items()
        }
        _check_load_profiles(values)
        _check_references(values, root)
    except ConfigError as exc:
        raise ConfigError(
            f"{where}: {exc.message}",
            hint=exc.hint or "run `signoff config --defaults` to see every setting.",
        ) from None
    return Config(values=values, source=source, root=root, **typed)


def _check_load_profiles(values: Table) -> None:
    """Every stage table and budget is checked now, not when the load layer reaches it."""
    from signoff.load.plan import build

    settings = values.get("load", {})
    for name, table in settings.get("profiles", {}).items():
        if not isinstance(table, dict):
            raise ConfigError(f"'load.profiles.{name}' must be a table.")
        tables = [key for key, stages in table.items() if isinstance(stages, list)]
        if not tables:
            raise ConfigError(
                f"'load.profiles.{name}' has no stage table.",
                hint=f'add e.g. pr = [{{ phase = "steady", duration_s = 15.0, users = 10 }}] '
                f"to [tool.signoff.load.profiles.{name}].",
            )
        for key in tables:
            build(settings, name, key)


def _check_references(values: Table, root: Path) -> None:
    """Names and files the configuration points at must exist."""
    load = values.get("load", {})
    profiles = load.get("profiles", {})
    for suite, names in load.get("suites", {}).items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"'load.suites.{suite}' must be a list of load profile names.")
        unknown = [name for name in names if name not in profiles]
        if unknown:
            raise ConfigError(
                f"'load.suites.{suite}' names the load profile {unknown[0]!r}, which is not "
                f"defined (known: {', '.join(profiles)}).",
                hint=f"add [tool.signoff.load.profiles.{unknown[0]}] or remove the name.",
            )
    claims = str(values.get("report", {}).get("claims", ""))
    if claims and not (root / claims).is_file():
        raise ConfigError(
            f"'report.claims' names {claims!r}, and there is no such file under {root}.",
            hint='write the claims file, or set claims = "" to verify no claims.',
        )


def effective(cfg: Config, defaults_only: bool = False) -> Table:
    """The configuration to print: typed sections in full, with every default filled in."""
    if defaults_only:
        base = defaults()
        typed = {name: schema.parse(kind, base.get(name, {}), name) for name, kind in TYPED.items()}
        cfg = Config(values=base, **typed)
    values = dict(cfg.values)
    values["target"] = schema.to_table(cfg.target)
    values["profiles"] = schema.to_table(cfg.profiles)
    values["layers"] = schema.to_table(cfg.layers)
    return values


def dumps(values: Table) -> str:
    """Render a configuration as TOML, for `signoff config`."""
    lines: list[str] = ["[tool.signoff]"]
    scalars = {k: v for k, v in values.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in values.items() if isinstance(v, dict)}
    lines.extend(f"{k} = {_toml_value(v)}" for k, v in scalars.items())
    for name, table in tables.items():
        _dump_table(lines, f"tool.signoff.{name}", table)
    return "\n".join(lines) + "\n"


def _dump_table(lines: list[str], name: str, table: Table) -> None:
    scalars = [(k, v) for k, v in table.items() if not isinstance(v, dict)]
    if scalars or not table:
        lines.append("")
        lines.append(f"[{name}]")
    lines.extend(f"{key} = {_toml_value(value)}" for key, value in scalars)
    for key, value in table.items():
        if isinstance(value, dict):
            _dump_table(lines, f"{name}.{key}", value)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items())
        return "{ " + inner + " }"
    return repr(value)
