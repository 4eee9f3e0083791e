"""The results model of one run: each expected layer's record, required by the profile or not."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from signoff.config import Config
from signoff.errors import ConfigError, EvidenceError
from signoff.records import RECORD_NAME, LayerRecord, Status, read_record

PLAN_NAME = "run.json"
# keys of a plan beyond what every run has: the scheduler's groups, the place of a shard in its
# profile (`signoff run --shard K/N`), and the shards a merged run is made of
SCHEDULE, SHARD, MERGED = "schedule", "shard", "merged"


@dataclass(frozen=True)
class LayerResult:
    """A layer's record as judged in this run: `required` comes from the profile."""

    record: LayerRecord
    required: bool

    @property
    def ok(self) -> bool:
        return self.record.status.passing


@dataclass(frozen=True)
class RunResult:
    run_id: str
    run_dir: Path
    profile: str
    layers: list[LayerResult] = field(default_factory=list)
    plan: dict[str, Any] = field(default_factory=dict)  # run.json: the scheduler's, a shard's


def write_plan(
    run_dir: Path,
    profile: str,
    layers: list[str],
    required: list[str],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Record what a run set out to do, so a layer that never reported is noticed; `extra`
    keeps how (the scheduler's groups, a shard's place in its profile, a merge's shards)."""
    plan = {
        "run_id": run_dir.name,
        "profile": profile,
        "layers": layers,
        "required": required,
        "started_at": datetime.now(UTC).isoformat(),
        **(extra or {}),
    }
    (run_dir / PLAN_NAME).write_text(json.dumps(plan, indent=2) + "\n", encoding="utf-8")


def read_plan(run_dir: Path) -> dict[str, Any] | None:
    path = run_dir / PLAN_NAME
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"The run plan {path} is unreadable: {exc}.") from exc
    if not isinstance(data, dict):
        raise EvidenceError(f"The run plan {path} is not a JSON object.")
    return data


def profile_layers(config: Config, profile: str) -> tuple[list[str], list[str]]:
    """The layers a profile runs and the ones it requires."""
    profiles = config.profiles
    if profile not in profiles:
        known = ", ".join(profiles)
        raise ConfigError(f"There is no profile named {profile!r} (known: {known}).")
    entry = profiles[profile]
    return list(entry.layers), list(entry.required)


def collect(run_dir: Path, config: Config, profile: str | None = None) -> RunResult:
    """Read every expected layer's record in `run_dir`; missing ones are INCONCLUSIVE."""
    if not run_dir.is_dir():
        raise EvidenceError(
            f"The run directory {run_dir} does not exist.",
            hint="run `nox -s signoff` (or a layer's session) first.",
        )
    plan = read_plan(run_dir)
    if profile is None:
        profile = str(plan["profile"]) if plan else config.profile
    if plan and plan.get("profile") == profile:
        layers, required = list(plan["layers"]), list(plan["required"])
    else:
        layers, required = profile_layers(config, profile)
    # The profile is judged whole: a required layer left out of the run (`--layers`) is still
    # a gate, INCONCLUSIVE; layers that ran without being planned appear as advisory.
    present = sorted(p.parent.name for p in run_dir.glob("*/record.json"))
    names = list(dict.fromkeys([*layers, *required, *present]))
    results = [
        LayerResult(_record(run_dir, name, profile, planned=name in layers), name in required)
        for name in names
    ]
    # a run keeps its id when its folder is moved or renamed (a CI artifact downloaded)
    run_id = str((plan or {}).get("run_id") or run_dir.name)
    return RunResult(run_id, run_dir, profile, results, plan or {})


def _record(run_dir: Path, name: str, profile: str, *, planned: bool) -> LayerRecord:
    if planned or (run_dir / name / RECORD_NAME).exists():
        return read_record(run_dir / name, name)
    reason = f"Profile {profile!r} requires this layer, and this run did not include it."
    return LayerRecord(name, Status.INCONCLUSIVE, summary="not run", reasons=[reason])
