"""Load plans: a profile's stage table, phases and budgets, read from `[load]` and checked.

The plan is data (a JSON file) that the locustfile's shape and users read, so a stage table in
the config is the whole description of a run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from signoff.config.schema import suggest
from signoff.errors import ConfigError

BUDGET_KEYS = ("p50_ms", "p95_ms", "p99_ms", "error_rate", "min_rps", "recover_s")
MODES = ("closed", "open", "peak", "paced")


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
class Plan:
    """Everything one Locust run of one profile needs."""

    profile: str
    mode: str
    stages: list[Stage]
    budgets: dict[str, dict[str, float]]
    stop_on_break: bool = False
    leak_check: bool = False
    min_breaking_users: int = 0
    recovery: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages)

    @property
    def phases(self) -> list[str]:
        return [stage.phase for stage in self.stages]

    def budget(self, phase: str) -> dict[str, float]:
        """The budget of a phase; numbered phases ("step-3") fall back to their base name."""
        if phase in self.budgets:
            return self.budgets[phase]
        return self.budgets.get(base_phase(phase), {})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def base_phase(phase: str) -> str:
    return re.sub(r"-\d+$", "", phase)


def profile_names(settings: dict[str, Any]) -> list[str]:
    return sorted(settings["profiles"])


def build(settings: dict[str, Any], profile: str, signoff_profile: str) -> Plan:
    """The plan of load profile `profile` for sign-off profile `signoff_profile` (pr, release)."""
    profiles: dict[str, Any] = settings["profiles"]
    if profile not in profiles:
        raise ConfigError(
            f"There is no load profile named {profile!r} (known: {', '.join(sorted(profiles))}).",
            hint="pass one of them, e.g. `nox -s load -- smoke`.",
        )
    table = profiles[profile]
    key = signoff_profile if signoff_profile in table else "pr"
    if key not in table or not isinstance(table[key], list):
        raise ConfigError(f"load.profiles.{profile} has no stage table '{key}'.")
    mode = str(table.get("mode", "closed"))
    if mode not in MODES:
        raise ConfigError(f"load.profiles.{profile}.mode must be one of {MODES}, not {mode!r}.")
    items = expand([_stage(profile, key, i, raw, mode) for i, raw in enumerate(table[key])])
    stages = to_stages(items)
    budgets = {name: _budget(profile, name, b) for name, b in table.get("budgets", {}).items()}
    plan = Plan(
        profile=profile,
        mode=mode,
        stages=stages,
        budgets=budgets,
        stop_on_break=bool(table.get("stop_on_break", False)),
        leak_check=bool(table.get("leak_check", False)),
        min_breaking_users=int(table.get("min_breaking_users", 0)),
        recovery=dict(table.get("recovery", {})),
    )
    missing = sorted({p for p in plan.phases if not plan.budget(p)})
    if missing:
        raise ConfigError(
            f"load.profiles.{profile} has no budget for phase {missing[0]!r}.",
            hint=f"add [tool.signoff.load.profiles.{profile}.budgets.{base_phase(missing[0])}].",
        )
    return plan


def _stage(profile: str, key: str, index: int, raw: Any, mode: str) -> dict[str, Any]:
    where = f"load.profiles.{profile}.{key}[{index}]"
    if not isinstance(raw, dict) or "phase" not in raw or "duration_s" not in raw:
        raise ConfigError(f"{where} must be a table with at least 'phase' and 'duration_s'.")
    known = {"phase", "duration_s", "users", "spawn_rate", "rate", "rate_end"}
    known |= {"windows", "repeat", "users_step"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ConfigError(
            f"{where} has an unknown key {unknown[0]!r}{suggest(unknown[0], sorted(known))}."
        )
    for name in sorted(set(raw) - {"phase"}):
        value = raw[name]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{where}.{name} must be a number, not {value!r}.")
    if float(raw["duration_s"]) <= 0:
        raise ConfigError(f"{where}.duration_s must be positive.")
    if mode != "open" and int(raw.get("users", 0)) <= 0:
        raise ConfigError(f"{where} needs users > 0 in the closed model.")
    if mode == "open" and float(raw.get("rate", 0)) <= 0:
        raise ConfigError(f"{where} needs rate > 0 (requests per second) in the open model.")
    return dict(raw)


def expand(raws: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Unroll `repeat` (growing steps) and `windows` (equal judged windows) into stages."""
    out: list[dict[str, Any]] = []
    for raw in raws:
        repeat = int(raw.get("repeat", 1))
        windows = int(raw.get("windows", 1))
        for step in range(repeat):
            users = int(raw.get("users", 0)) + step * int(raw.get("users_step", 0))
            for window in range(windows):
                item = {**raw, "users": users, "duration_s": float(raw["duration_s"]) / windows}
                if repeat > 1:
                    item["phase"] = f"{raw['phase']}-{step + 1}"
                elif windows > 1:
                    item["phase"] = f"{raw['phase']}-{window + 1}"
                out.append(item)
    return out


def to_stages(items: list[dict[str, Any]]) -> list[Stage]:
    names = [item["phase"] for item in items]
    if len(set(names)) != len(names):
        raise ConfigError(f"Phase names must be unique within a stage table: {names}.")
    return [
        Stage(
            phase=str(item["phase"]),
            duration_s=float(item["duration_s"]),
            users=int(item.get("users", 0)),
            spawn_rate=float(item.get("spawn_rate", max(int(item.get("users", 1)), 1))),
            rate=float(item.get("rate", 0.0)),
            rate_end=float(item.get("rate_end", item.get("rate", 0.0))),
        )
        for item in items
    ]


def _budget(profile: str, phase: str, raw: Any) -> dict[str, float]:
    if not isinstance(raw, dict):
        raise ConfigError(f"load.profiles.{profile}.budgets.{phase} must be a table.")
    unknown = sorted(set(raw) - set(BUDGET_KEYS))
    if unknown:
        raise ConfigError(
            f"load.profiles.{profile}.budgets.{phase} has an unknown budget {unknown[0]!r} "
            f"(known: {', '.join(BUDGET_KEYS)})."
        )
    wrong = [k for k, v in raw.items() if isinstance(v, bool) or not isinstance(v, int | float)]
    if wrong:
        raise ConfigError(
            f"load.profiles.{profile}.budgets.{phase}.{wrong[0]} must be a number, "
            f"not {raw[wrong[0]]!r}."
        )
    return {k: float(v) for k, v in raw.items()}


def arrivals(stages: list[dict[str, Any]], start: float, share: float) -> Iterator[float]:
    """Intended start times for this process: its `share` of each stage's (ramping) rate."""
    stage_start = start
    for stage in stages:
        duration = float(stage["duration_s"])
        first = float(stage["rate"]) * share
        last = float(stage.get("rate_end") or stage["rate"]) * share
        t = stage_start
        while t < stage_start + duration:
            rate = first + (last - first) * (t - stage_start) / duration
            if rate <= 0:
                break
            yield t
            t += 1.0 / rate
        stage_start += duration
