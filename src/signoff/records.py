"""The results record: the small JSON document each layer writes beside its raw artifacts.

A record is the only thing the report reads from a layer. Its format is documented in
`docs/records.md`; `SCHEMA` names its version. A record that is missing, unreadable or
does not follow the format is read as INCONCLUSIVE, never skipped. A layer's work gives its
`Evidence`; `LayerRecord.judged` makes the record of it by the one rule, `judge`.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from signoff.errors import EvidenceError

SCHEMA = "signoff.record/1"
RECORD_NAME = "record.json"
# the check of every test-running layer that counts its failed tests (claims name it too)
FAILED_TESTS = "failed tests"


class Status(StrEnum):
    """A verdict. WAIVED is a failed check that a valid waiver covers."""

    PASS = "PASS"
    FAIL = "FAIL"
    INCONCLUSIVE = "INCONCLUSIVE"
    WAIVED = "WAIVED"

    @property
    def passing(self) -> bool:
        """PASS, or a failure a valid waiver covers: the one home of "passing"."""
        return self in (Status.PASS, Status.WAIVED)


@dataclass(frozen=True)
class Check:
    """One judged figure inside a layer: the measured value against its threshold.

    `figure` is None when nothing was measured; such a check is INCONCLUSIVE.
    `comparator` is one of ">=", "<=", ">", "<", "==". `low` and `high` bound the figure's
    confidence interval when it was judged on one (`signoff.judge.intervals`); None: no interval, or
    an end the samples could not bound.
    """

    name: str
    status: Status
    figure: float | int | str | None = None
    threshold: float | int | str | None = None
    comparator: str = ""
    unit: str = ""
    message: str = ""
    evidence: str = ""  # a path relative to the run directory
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class LayerRecord:
    """What one layer declared it would evaluate, what it did evaluate, and its verdict.

    `declared` and `evaluated` are counts by kind ("tests", "dependencies", "requests", ...).
    `figures` are the layer's measured numbers; `artifacts` map names to paths relative to
    the run directory; `tools` map tool names to versions; `reasons` say why the status is
    not PASS, one sentence each.
    """

    layer: str
    status: Status
    summary: str = ""
    declared: dict[str, int] = field(default_factory=dict)
    evaluated: dict[str, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    artifacts: dict[str, str] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""
    duration_s: float = 0.0
    schema: str = SCHEMA

    def __post_init__(self) -> None:
        # No builder may call a record passing that the rule does not pass.
        ruled, _ = judge(self.checks, self.declared, self.evaluated)
        if self.status.passing and ruled is not Status.PASS:
            raise ValueError(f"the record of {self.layer!r} says {self.status}, the rule {ruled}")

    @classmethod
    def judged(
        cls, layer: str, evidence: Evidence, times: Mapping[str, Any] | None = None
    ) -> LayerRecord:
        """The record of a layer's evidence: its status and reasons by the one rule."""
        status, reasons = judge(evidence.checks, evidence.declared, evidence.evaluated)
        return cls(layer, status, reasons=reasons, **vars(evidence), **(times or {}))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LayerRecord:
        if data.get("schema") != SCHEMA:
            raise ValueError(f"schema is {data.get('schema')!r}, expected {SCHEMA!r}")
        checks = [Check(**{**c, "status": Status(c["status"])}) for c in data.get("checks", [])]
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**{**fields, "status": Status(data["status"]), "checks": checks})


@dataclass(frozen=True)
class Evidence:
    """What a layer's work found, for the one rule to judge: its checks, what it declared it
    would evaluate and what it did (counts by kind), and what the record shows beside the
    verdict (figures, artifacts relative to the run directory, tool versions, a summary)."""

    checks: list[Check] = field(default_factory=list)
    declared: dict[str, int] = field(default_factory=dict)
    evaluated: dict[str, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, str] = field(default_factory=dict)
    tools: dict[str, str] = field(default_factory=dict)
    summary: str = ""

    @classmethod
    def of(cls, record: LayerRecord) -> Evidence:
        """A record's evidence, to be judged again (a child's record, with checks added)."""
        return cls(**{name: getattr(record, name) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Clock:
    """When a layer started; `times()` gives the record's started/finished/duration fields."""

    began: float  # time.perf_counter() at the start
    started_at: str

    @classmethod
    def start(cls) -> Clock:
        return cls(time.perf_counter(), datetime.now(UTC).isoformat())

    def times(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "finished_at": datetime.now(UTC).isoformat(),
            "duration_s": round(time.perf_counter() - self.began, 3),
        }


def judge(
    checks: list[Check], declared: Mapping[str, int], evaluated: Mapping[str, int]
) -> tuple[Status, list[str]]:
    """The one rule that turns checks and counts into a layer status (fail closed).

    INCONCLUSIVE when nothing was evaluated, when less was evaluated than declared, or
    when there are no checks; FAIL when any check failed; PASS only otherwise.
    """
    reasons: list[str] = []
    if not evaluated or not any(evaluated.values()):
        reasons.append("Nothing was evaluated.")
    for kind, count in declared.items():
        done = evaluated.get(kind, 0)
        if done < count:
            reasons.append(f"Evaluated {done} of {count} declared {kind}.")
    if not checks:
        reasons.append("The layer produced no checks.")
    failed = [c for c in checks if c.status is Status.FAIL]
    unknown = [c for c in checks if c.status is Status.INCONCLUSIVE]
    reasons.extend(c.message or f"{c.name} failed." for c in failed)
    reasons.extend(c.message or f"{c.name} could not be judged." for c in unknown)
    if failed:
        return Status.FAIL, reasons
    if reasons:
        return Status.INCONCLUSIVE, reasons
    return Status.PASS, reasons


def compare(figure: float, comparator: str, threshold: float) -> bool:
    """Whether `figure comparator threshold` holds."""
    match comparator:
        case ">=":
            return figure >= threshold
        case "<=":
            return figure <= threshold
        case ">":
            return figure > threshold
        case "<":
            return figure < threshold
        case "==":
            return figure == threshold
    raise ValueError(f"unknown comparator {comparator!r}")


def flaky_check(name: str, count: int, message: str, fail_on_flaky: bool, evidence: str) -> Check:
    """Outcomes that passed only on a retry or replay: shown always, gating only on request."""
    failed = fail_on_flaky and count > 0
    return Check(
        name,
        Status.FAIL if failed else Status.PASS,
        count,
        0 if fail_on_flaky else "reported",
        "==" if fail_on_flaky else "",
        message=message if count else "",
        evidence=evidence,
    )


def threshold_check(
    name: str,
    figure: float | None,
    comparator: str,
    threshold: float,
    unit: str = "",
    evidence: str = "",
) -> Check:
    """A check of a measured figure against a threshold; no figure is INCONCLUSIVE."""
    if figure is None:
        return Check(
            name,
            Status.INCONCLUSIVE,
            None,
            threshold,
            comparator,
            unit,
            f"{name}: nothing was measured.",
            evidence,
        )
    ok = compare(figure, comparator, threshold)
    message = "" if ok else f"{name} is {figure:g}{unit}, needs {comparator} {threshold:g}{unit}."
    return Check(
        name,
        Status.PASS if ok else Status.FAIL,
        figure,
        threshold,
        comparator,
        unit,
        message,
        evidence,
    )


def write_record(layer_dir: Path, record: LayerRecord) -> Path:
    """Write `record.json` atomically into the layer's folder; returns its path."""
    layer_dir.mkdir(parents=True, exist_ok=True)
    target = layer_dir / RECORD_NAME
    fd, tmp = tempfile.mkstemp(dir=layer_dir, prefix=".record-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o644)  # mkstemp makes 0600; a record is for every reader
            json.dump(record.to_json(), handle, indent=2, sort_keys=True, default=str)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def load_record(layer_dir: Path, layer: str) -> LayerRecord:
    """Read a layer's record; EvidenceError says why when it is missing or malformed."""
    path = layer_dir / RECORD_NAME
    try:
        record = LayerRecord.from_json(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise EvidenceError(f"The layer wrote no record ({path} is missing).") from None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise EvidenceError(f"The record {path} is unreadable: {exc}.") from None
    if record.layer != layer:
        raise EvidenceError(f"The record {path} names layer {record.layer!r}.")
    return record


def read_record(layer_dir: Path, layer: str) -> LayerRecord:
    """Read a layer's record; a missing or malformed one becomes an INCONCLUSIVE record."""
    try:
        return load_record(layer_dir, layer)
    except EvidenceError as exc:
        return inconclusive(layer, exc.message)


def inconclusive(layer: str, reason: str, **fields: Any) -> LayerRecord:
    """The record of a layer that left nothing to judge: why, in one sentence."""
    return LayerRecord(layer, Status.INCONCLUSIVE, reason, reasons=[reason], **fields)
