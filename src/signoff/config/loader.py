"""The effective configuration: defaults, then the project's file, then the command line, each
section read into its dataclass and checked before any command starts."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from signoff.config import schema
from signoff.config.files import Table, defaults, find_config_file, merge
from signoff.declared import LayerSpec, Profile
from signoff.errors import ConfigError
from signoff.target import Target

# Sections read into dataclasses; `profiles` and `layers` are open maps of the user's names.
TYPED: dict[str, Any] = {
    "target": Target,
    "profiles": dict[str, Profile],
    "layers": dict[str, LayerSpec],
}


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
        values = merge(values, table, source, "")
    if overrides:
        values = merge(values, overrides, Path("<command line>"), "")
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
