"""The results document (`signoff.results/1`): one versioned JSON per run, schema in
docs/results-schema.md. It holds the environment, every layer's record, every gate, the
claims, the raw samples a later comparison needs and, given a baseline, the comparison.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from signoff import claims as claims_mod
from signoff.config import Config
from signoff.environment import fingerprint
from signoff.errors import EvidenceError
from signoff.history import documents
from signoff.judge import Comparison, compare
from signoff.judge.settings import settings
from signoff.records import Status
from signoff.report import evidence
from signoff.report.gates import merge_gates, run_gates
from signoff.report.model import RunResult, collect, read_plan
from signoff.verdicts import Gate, verdict

if TYPE_CHECKING:
    from signoff.history.view import HistoryView

SCHEMA = "signoff.results/1"
DOCUMENT = "report.json"
ENVIRONMENT = "environment.json"


@dataclass(frozen=True)
class Results:
    run: RunResult
    environment: dict[str, Any]
    gates: list[Gate]
    claims: list[claims_mod.ClaimResult] = field(default_factory=list)
    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    comparison: Comparison | None = None
    generated_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())
    history: HistoryView | None = None  # the run store's trends and flaky tests

    @property
    def all_gates(self) -> list[Gate]:
        return self.gates + (comparison_gates(self.comparison) if self.comparison else [])

    @property
    def verdict(self) -> Status:
        return verdict(self.all_gates)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "run_id": self.run.run_id,
            "profile": self.run.profile,
            "generated_at": self.generated_at,
            "verdict": self.verdict.value,
            "environment": self.environment,
            "gates": [gate.to_json() for gate in self.all_gates],
            "layers": [
                {"required": item.required, "record": item.record.to_json()}
                for item in self.run.layers
            ],
            "claims": [result.to_json() for result in self.claims],
            "comparison": comparison_json(self.comparison) if self.comparison else None,
            "failures": self.failures,
            "findings": self.findings,
            "samples": self.samples,
        }


def comparison_gates(comparison: Comparison) -> list[Gate]:
    """The comparison's judgements as the report's gates, all of the layer `baseline`."""
    return [
        Gate(
            **{**vars(j.check), "name": f"baseline / {j.check.name}"},
            layer="baseline",
            required=j.required,
        )
        for j in comparison.judgements
    ]


def comparison_json(comparison: Comparison) -> dict[str, Any]:
    """The comparison in the results document, its gates included."""
    return {**comparison.to_json(), "gates": [g.to_json() for g in comparison_gates(comparison)]}


def _environment(run_dir: Path, config: Config, result: RunResult) -> dict[str, Any]:
    """The fingerprint taken when the run was first reported, so a re-report keeps it."""
    path = run_dir / ENVIRONMENT
    if path.is_file():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                return data
        except ValueError:
            pass
    records = [item.record for item in result.layers]
    data = fingerprint(config, records, read_plan(run_dir), run_dir=run_dir)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return data


def build(
    run_dir: Path, config: Config, profile: str | None = None, baseline: Path | str | None = None
) -> Results:
    """Collect a run, judge its gates and claims and, given a baseline, compare with it:
    a report.json or run directory, or `"history"` for main's runs in the run store."""
    section = config.report
    # The baseline is read first: a missing one must stop the command before it writes anything.
    base: Any = load_baseline(baseline, config) if isinstance(baseline, Path) else None
    result = collect(run_dir, config, profile)
    records = [item.record for item in result.layers]
    claims_file = section.claims
    judged: list[claims_mod.ClaimResult] = []
    if claims_file and (config.root / claims_file).is_file():
        judged = claims_mod.judge_all(claims_mod.load(config.root / claims_file), records)
    gates = run_gates(result.layers, run_dir) + merge_gates(result.plan)
    samples: dict[str, dict[str, list[float]]] = {}
    failures: list[str] = []
    try:
        samples = evidence.samples(run_dir, records, section.max_samples)
        failures = evidence.failed_tests(run_dir, records)
    except EvidenceError as exc:
        # Unreadable raw evidence must not vanish from the verdict: it fails closed.
        gates.append(
            Gate(
                "report / raw evidence",
                Status.INCONCLUSIVE,
                message=exc.message,
                layer="report",
                required=True,
            )
        )
    results = Results(
        run=result,
        environment=_environment(run_dir, config, result),
        gates=gates,
        claims=judged,
        samples=samples,
        failures=failures,
        findings=evidence.findings(records),
    )
    if baseline == documents.HISTORY:
        base = documents.baseline(config, results.environment, result.profile, result.run_id)
    if base is None:
        return results
    comparison = compare(
        base,
        results.to_json(),
        settings(config),
        required=section.baseline_required,
        max_coverage_drop=section.max_coverage_drop,
    )
    return dataclasses.replace(results, comparison=comparison)


def read_document(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"The report {path} is unreadable: {exc}.") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise EvidenceError(
            f"{path} is not a signoff report (schema {found!r}, expected {SCHEMA!r})."
        )
    return data


def load_baseline(path: Path, config: Config) -> dict[str, Any]:
    """A baseline from a report.json, or from a run directory (its report.json if it has one)."""
    if path.is_dir():
        if (path / DOCUMENT).is_file():
            return read_document(path / DOCUMENT)
        return build(path, config).to_json()
    if path.is_file():
        return read_document(path)
    raise EvidenceError(
        f"The baseline {path} does not exist.",
        hint="pass a report.json or a run directory (reports/<run-id>).",
    )
