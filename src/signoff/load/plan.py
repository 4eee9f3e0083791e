"""Load plans: what one Locust run of one load profile plays, built from `[load]`.

The plan is data (a JSON file) that the locustfile's shape and users read, so a stage table in
the config is the whole description of a run. The stage tables and budgets themselves are read
and checked with the configuration (`signoff.config.stages`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from signoff.config import LoadSettings, Recovery, Stage, defaults, from_table
from signoff.config.stages import budget_of
from signoff.errors import ConfigError

__all__ = ["Plan", "Stage", "build", "settings_of"]


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
    recovery: Recovery | None = None
    # the stage table played, and the sign-off profile it was played for
    stage_table: str = ""
    signoff_profile: str = ""

    @property
    def duration_s(self) -> float:
        return sum(stage.duration_s for stage in self.stages)

    @property
    def phases(self) -> list[str]:
        return [stage.phase for stage in self.stages]

    def budget(self, phase: str) -> dict[str, float]:
        """The budget of a phase; numbered phases ("step-3") fall back to their base name."""
        return budget_of(self.budgets, phase)

    def stages_note(self) -> str:
        """Which stage table the plan plays and why, e.g. "stages 'pr' (profile 'nightly' has
        none of its own)"."""
        if self.stage_table == self.signoff_profile:
            return f"stages '{self.stage_table}' (the profile's own)"
        return f"stages '{self.stage_table}' (profile '{self.signoff_profile}' has none of its own)"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build(settings: LoadSettings, profile: str, signoff_profile: str) -> Plan:
    """The plan of load profile `profile` for sign-off profile `signoff_profile` (pr, release)."""
    profiles = settings.profiles
    if profile not in profiles:
        raise ConfigError(
            f"There is no load profile named {profile!r} (known: {', '.join(sorted(profiles))}).",
            hint="pass one of them, e.g. `nox -s load -- smoke`.",
        )
    table = profiles[profile]
    return Plan(
        profile=profile,
        mode=table.mode,
        stages=table.stages(profile, signoff_profile),
        budgets=table.limits(),
        stop_on_break=table.stop_on_break,
        leak_check=table.leak_check,
        min_breaking_users=table.min_breaking_users,
        recovery=table.recovery,
        stage_table=table.table_for(signoff_profile),
        signoff_profile=signoff_profile,
    )


def settings_of(plan: Mapping[str, Any]) -> LoadSettings:
    """The `[load]` settings a plan file carries (the engine writes them with `to_table`); a
    plan without them gets the defaults."""
    return from_table(LoadSettings, plan.get("settings") or defaults()["load"], "load")
