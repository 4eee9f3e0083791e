"""Gates: every judged figure of a run, required or advisory, and the run's verdict from them.

Each layer gives one gate for its own verdict (which also covers incomplete evidence) and one
gate per check. A gate is required when its layer is required by the profile; a required
layer that did not run still has its gate, INCONCLUSIVE, so it cannot drop out of sight.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from signoff.records import Status
from signoff.report import links, wording
from signoff.report.model import LayerResult

PASSING = (Status.PASS, Status.WAIVED)


@dataclass(frozen=True)
class Gate:
    """One verdict in the report: the figure against its threshold, with its evidence."""

    name: str
    layer: str
    status: Status
    required: bool
    figure: float | int | str | None = None
    threshold: float | int | str | None = None
    comparator: str = ""
    unit: str = ""
    message: str = ""
    evidence: list[str] = field(default_factory=list)
    low: float | None = None  # the figure's confidence interval, when it was judged on one
    high: float | None = None

    @property
    def ok(self) -> bool:
        return self.status in PASSING

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "status": self.status.value}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Gate:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(
            **{
                **fields,
                "status": Status(data["status"]),
                "evidence": list(data.get("evidence", [])),
            }
        )


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
    gates = [
        Gate(
            name=f"{record.layer}",
            layer=record.layer,
            status=record.status,
            required=item.required,
            figure=f"{evaluated} of {declared} evaluated" if declared else record.summary or None,
            threshold="all declared evaluated, no check failing",
            message="" if record.status in PASSING else why,
            evidence=sorted(where(path) for path in record.artifacts.values()),
        )
    ]
    for check in record.checks:
        gates.append(
            Gate(
                name=f"{record.layer} / {check.name}",
                layer=record.layer,
                status=check.status,
                required=item.required,
                figure=check.figure,
                threshold=check.threshold,
                comparator=check.comparator,
                unit=check.unit,
                message=check.message,
                evidence=[where(check.evidence)] if check.evidence else [],
                low=check.low,
                high=check.high,
            )
        )
    return gates


def run_gates(layers: Iterable[LayerResult], run_dir: Path | None = None) -> list[Gate]:
    return [gate for item in layers for gate in layer_gates(item, run_dir)]


def verdict(gates: Iterable[Gate]) -> Status:
    """FAIL if a required gate failed; PASS only if every required gate passed or was waived."""
    required = [gate for gate in gates if gate.required]
    if not required:
        return Status.INCONCLUSIVE
    if any(gate.status is Status.FAIL for gate in required):
        return Status.FAIL
    if all(gate.ok for gate in required):
        return Status.PASS
    return Status.INCONCLUSIVE
