"""The run's verdict: every check of every layer as a gate, and the one rule over the gates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from signoff.records import Check, Status


@dataclass(frozen=True)
class Gate(Check):
    """A check as the run's verdict counts it: the layer it belongs to, whether the profile
    requires it and, for a layer's own gate, every artifact the layer kept."""

    layer: str = ""
    required: bool = False
    artifacts: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status.passing

    @property
    def paths(self) -> list[str]:
        """Every evidence path of the gate: the check's own, then the layer's artifacts."""
        return [*([self.evidence] if self.evidence else []), *self.artifacts]

    def to_json(self) -> dict[str, Any]:
        found = {k: v for k, v in asdict(self).items() if k != "artifacts"}
        return {**found, "status": self.status.value, "evidence": self.paths}


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
