"""Load profiles as the configuration names them: stage tables, budgets per phase, the mode.

A stage table is data: rows of phases (closed model `users`, open model `rate`) that unroll
into the stages a run plays (`repeat` growing steps, `windows` equal judged windows). Every
table and budget is checked when the configuration loads, not when the load layer reaches it.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from signoff.config import schema
from signoff.config.schema import bounds, suggest
from signoff.errors import ConfigError

BUDGET_KEYS = ("p50_ms", "p95_ms", "p99_ms", "error_rate", "min_rps", "recover_s")
Mode = Literal["closed", "open", "peak", "paced"]
MODES: tuple[str, ...] = typing.get_args(Mode)
# the stage table a sign-off profile plays when a load profile has none named after it
DEFAULT_TABLE = "pr"
# counts: whole numbers (10.0 is taken as 10), with the least each may be
WHOLE: dict[str, int | None] = {"users": 0, "windows": 1, "repeat": 1, "users_step": None}


@dataclass(frozen=True)
class Stage:
    """One phase of a run: closed model (`users`) or open model (`rate`, ramping to `rate_end`)."""

    phase: str
    duration_s: float
    users: int = 0
    spawn_rate: float = 1.0
    rate: float = 0.0
    rate_end: float = 0.0


@dataclass(frozen=True)
class StageRow:
    """One row of a stage table as written; `expand` unrolls it into stages."""

    phase: str
    duration_s: float
    users: int = 0
    spawn_rate: float | None = None  # None: the step's users per second (at least 1)
    rate: float = 0.0
    rate_end: float | None = None  # None: a steady `rate`
    windows: int = 1
    repeat: int = 1
    users_step: int = 0

    def to_table(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


ROW_KEYS = tuple(f.name for f in dataclasses.fields(StageRow))


def _row(raw: Any, where: str, mode: str) -> StageRow:
    if not isinstance(raw, Mapping) or "phase" not in raw or "duration_s" not in raw:
        raise ConfigError(f"{where} must be a table with at least 'phase' and 'duration_s'.")
    unknown = sorted(set(raw) - set(ROW_KEYS))
    if unknown:
        raise ConfigError(
            f"{where} has an unknown key {unknown[0]!r}{suggest(unknown[0], sorted(ROW_KEYS))}."
        )
    if not isinstance(raw["phase"], str) or not raw["phase"]:
        raise ConfigError(f"{where}.phase must be a name, not {raw['phase']!r}.")
    for name in sorted(set(raw) - {"phase"}):
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}.{name} must be a number, not {value!r}.")
        least = WHOLE.get(name)
        if name in WHOLE and (
            not float(value).is_integer() or (least is not None and value < least)
        ):
            at_least = f" of at least {least}" if least is not None else ""
            raise ConfigError(f"{where}.{name} must be a whole number{at_least}, not {value!r}.")
    args: dict[str, Any] = {
        k: v if k == "phase" else int(v) if k in WHOLE else float(v) for k, v in raw.items()
    }
    row = StageRow(**args)
    if row.duration_s <= 0:
        raise ConfigError(f"{where}.duration_s must be positive.")
    if mode != "open" and row.users <= 0:
        raise ConfigError(f"{where} needs users > 0 in the closed model.")
    if mode == "open" and row.rate <= 0:
        raise ConfigError(f"{where} needs rate > 0 (requests per second) in the open model.")
    return row


def expand(rows: Sequence[StageRow]) -> list[Stage]:
    """Unroll `repeat` (growing steps) and `windows` (equal judged windows) into stages."""
    out: list[Stage] = []
    for row in rows:
        for step in range(row.repeat):
            users = row.users + step * row.users_step
            for window in range(row.windows):
                phase = row.phase
                if row.repeat > 1:
                    phase = f"{row.phase}-{step + 1}"
                elif row.windows > 1:
                    phase = f"{row.phase}-{window + 1}"
                spawn = row.spawn_rate if row.spawn_rate is not None else float(max(users, 1))
                end = row.rate_end if row.rate_end is not None else row.rate
                out.append(Stage(phase, row.duration_s / row.windows, users, spawn, row.rate, end))
    names = [stage.phase for stage in out]
    if len(set(names)) != len(names):
        raise ConfigError(f"Phase names must be unique within a stage table: {names}.")
    return out


def base_phase(phase: str) -> str:
    """A numbered phase's name without its number ("step-3" -> "step")."""
    return re.sub(r"-\d+$", "", phase)


def budget_of(budgets: Mapping[str, dict[str, float]], phase: str) -> dict[str, float]:
    """The budget of a phase; numbered phases ("step-3") fall back to their base name."""
    if phase in budgets:
        return budgets[phase]
    return budgets.get(base_phase(phase), {})


@dataclass(frozen=True)
class Budget:
    """`[load.profiles.<name>.budgets.<phase>]`: a phase's limits; one left out is not judged."""

    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    error_rate: float | None = None
    min_rps: float | None = None
    recover_s: float | None = None

    @classmethod
    def from_table(cls, raw: Any, where: str) -> Budget:
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where} must be a table.")
        unknown = sorted(set(raw) - set(BUDGET_KEYS))
        if unknown:
            raise ConfigError(
                f"{where} has an unknown budget {unknown[0]!r} (known: {', '.join(BUDGET_KEYS)})."
            )
        wrong = [k for k, v in raw.items() if isinstance(v, bool) or not isinstance(v, int | float)]
        if wrong:
            raise ConfigError(f"{where}.{wrong[0]} must be a number, not {raw[wrong[0]]!r}.")
        return cls(**{k: float(v) for k, v in raw.items()})

    def limits(self) -> dict[str, float]:
        """The limits that are set, by budget name."""
        found = {key: getattr(self, key) for key in BUDGET_KEYS}
        return {key: float(value) for key, value in found.items() if value is not None}

    def to_table(self) -> dict[str, float]:
        return self.limits()


@dataclass(frozen=True)
class Recovery:
    """A spike's recovery: the `phase` counts as recovered once its per-second p95 is back within
    `factor` x the `reference` phase's p95 (at least `floor_ms` above it) for `hold_s` seconds."""

    phase: str
    reference: str
    factor: float = field(default=1.5, metadata=bounds(above=0))
    floor_ms: float = field(default=0.0, metadata=bounds(0))
    hold_s: float = field(default=3.0, metadata=bounds(0))


@dataclass(frozen=True)
class LoadProfile:
    """`[load.profiles.<name>]`: a stage table per sign-off profile (`pr`, `release`, ...; a
    profile without its own plays `DEFAULT_TABLE`), budgets per phase, and the run's options."""

    tables: dict[str, tuple[StageRow, ...]]
    budgets: dict[str, Budget] = field(default_factory=dict)
    mode: Mode = "closed"
    # the run stops after the first step that broke a budget (stress)
    stop_on_break: bool = False
    # the service's memory is judged for steady growth (soak)
    leak_check: bool = False
    # the stress gate: the highest step that met every budget carries at least this many users
    min_breaking_users: int = field(default=0, metadata=bounds(0))
    recovery: Recovery | None = None

    @classmethod
    def from_table(cls, value: Any, where: str) -> LoadProfile:
        """The profile's table: its lists are stage tables, the rest typed options."""
        name = where.rpartition(".")[2]
        if not isinstance(value, Mapping):
            raise ConfigError(f"'{where}' must be a table.")
        rows = {key: raw for key, raw in value.items() if isinstance(raw, list | tuple)}
        if not rows:
            raise ConfigError(
                f"'{where}' has no stage table.",
                hint=f'add e.g. pr = [{{ phase = "steady", duration_s = 15.0, users = 10 }}] '
                f"to [tool.signoff.{where}].",
            )
        hints = typing.get_type_hints(cls)
        known = [f.name for f in dataclasses.fields(cls) if f.name != "tables"]
        options: dict[str, Any] = {}
        for key, raw in value.items():
            if key in rows:
                continue
            if key not in known:
                raise ConfigError(f"unknown setting '{where}.{key}'{suggest(key, known)}.")
            options[key] = schema.parse(hints[key], raw, f"{where}.{key}")
        mode = str(options.get("mode", "closed"))
        tables = {
            key: tuple(_row(raw, f"{where}.{key}[{i}]", mode) for i, raw in enumerate(items))
            for key, items in rows.items()
        }
        profile = cls(tables=tables, **options)
        for key in tables:
            profile.stages(name, key)  # every phase of every table has a budget
        return profile

    def limits(self) -> dict[str, dict[str, float]]:
        """The budgets' limits by phase."""
        return {phase: budget.limits() for phase, budget in self.budgets.items()}

    def table_for(self, signoff_profile: str) -> str:
        """The stage table a run for `signoff_profile` plays: its own, else `DEFAULT_TABLE`."""
        return signoff_profile if signoff_profile in self.tables else DEFAULT_TABLE

    def stages(self, name: str, signoff_profile: str) -> list[Stage]:
        """What a run of this profile (`name`) for `signoff_profile` plays, every phase budgeted."""
        key = self.table_for(signoff_profile)
        if key not in self.tables:
            raise ConfigError(f"load.profiles.{name} has no stage table '{key}'.")
        stages = expand(self.tables[key])
        limits = self.limits()
        missing = sorted({s.phase for s in stages if not budget_of(limits, s.phase)})
        if missing:
            raise ConfigError(
                f"load.profiles.{name} has no budget for phase {missing[0]!r}.",
                hint=f"add [tool.signoff.load.profiles.{name}.budgets.{base_phase(missing[0])}].",
            )
        return stages

    def to_table(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode}
        out.update({key: [row.to_table() for row in rows] for key, rows in self.tables.items()})
        out["budgets"] = self.limits()
        out["stop_on_break"] = self.stop_on_break
        out["leak_check"] = self.leak_check
        out["min_breaking_users"] = self.min_breaking_users
        if self.recovery is not None:
            out["recovery"] = dataclasses.asdict(self.recovery)
        return out


def check_tables(profiles: Mapping[str, LoadProfile], signoff_profiles: Sequence[str]) -> None:
    """Every stage table is named after a sign-off profile: one named after none would never
    play (a typo, or a profile removed)."""
    for name, profile in profiles.items():
        for key in profile.tables:
            if key not in signoff_profiles:
                raise ConfigError(
                    f"'load.profiles.{name}.{key}' is a stage table for the sign-off profile "
                    f"{key!r}, which does not exist{suggest(key, list(signoff_profiles))}.",
                    hint=f"add [tool.signoff.profiles.{key}], or rename the table after a "
                    "sign-off profile.",
                )
