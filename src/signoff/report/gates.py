"""The gates of a run: every judged figure of its layers, required or advisory.

Each layer gives one gate for its own verdict (which also covers incomplete evidence) and one
gate per check. A gate is required when its layer is required by the profile; a required
layer that did not run still has its gate, INCONCLUSIVE, so it cannot drop out of sight. The
gate type and the run's verdict over the gates are `signoff.verdicts`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from signoff.records import Status
from signoff.report import links, wording
from signoff.report.model import MERGED, LayerResult
from signoff.verdicts import Gate


def layer_gates(item: LayerResult, run_dir: Path | None = None) -> list[Gate]:
    """The gates of one layer: its verdict, then each of its checks.

    Given the run directory, evidence paths are made relative to it (records may name them
    relative to the layer's folder); a path the run lacks is kept as the record gave it.
    """
    record = item.record

    def where(path: str) -> str:
        found = links.locate(run_dir, record.layer, path) if run_dir else None
        return found or path

    declared = sum(record.declared.values())
    evaluated = sum(record.evaluated.values())
    why = wording.sentences(record.reasons) if record.reasons else record.summary
    own = Gate(
        name=f"{record.layer}",
        status=record.status,
        figure=f"{evaluated} of {declared} evaluated" if declared else record.summary or None,
        threshold="all declared evaluated, no check failing",
        message="" if record.status.passing else why,
        layer=record.layer,
        required=item.required,
        artifacts=sorted(where(path) for path in record.artifacts.values()),
    )
    checks = [
        Gate(
            **{**vars(check), "name": f"{record.layer} / {check.name}"},
            layer=record.layer,
            required=item.required,
        )
        for check in record.checks
    ]
    return [own, *[replace(g, evidence=where(g.evidence)) if g.evidence else g for g in checks]]


def run_gates(layers: Iterable[LayerResult], run_dir: Path | None = None) -> list[Gate]:
    return [gate for item in layers for gate in layer_gates(item, run_dir)]


def merge_gates(plan: Mapping[str, Any]) -> list[Gate]:
    """A merged run's shards that were not given: one required INCONCLUSIVE gate each, so
    a merge that lacks a shard is never a pass, whichever of its layers the profile requires."""
    missing = (plan.get(MERGED) or {}).get("missing") or {}
    return [
        Gate(
            name=f"merge / shard {label}",
            status=Status.INCONCLUSIVE,
            message=f"Shard {label} was not merged; its layers "
            f"({', '.join(names)}) are INCONCLUSIVE.",
            layer="merge",
            required=True,
        )
        for label, names in missing.items()
    ]
