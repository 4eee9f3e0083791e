"""Claims in measurable form (`claims.toml`), judged against a run's records.

Each claim names a layer, a figure (a dotted path into the layer's `figures`, or the name of
one of its checks), a comparator and a threshold. A claim is VERIFIED or REFUTED only on
complete evidence; a missing layer, an incomplete record or an absent figure leaves it
UNVERIFIABLE, which is never read as true.

A figure measured with a confidence interval (a check's `low`/`high`, or `<figure>_interval`
beside a figure) is judged by the rule every budget is judged by (`intervals.outcome`): the
claim holds only when the whole interval clears the threshold, fails only when the whole
interval misses it, and is otherwise UNVERIFIABLE naming the interval. A timing that misses
its claim on a busy machine (the busy rule, `machine.excused`), or a check whose layer set
its failure aside, does not refute a claim either.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from signoff import machine
from signoff.errors import ConfigError
from signoff.judge import intervals
from signoff.records import Check, LayerRecord, Status, compare

COMPARATORS = (">=", "<=", ">", "<", "==")
_FIELDS = ("id", "text", "layer", "figure", "comparator", "threshold")
# figures named by their unit, as layers name them (`p95_ms`, `median_s`), and check units
TIMING_SUFFIXES = ("_ms", "_s")
TIMING_UNITS = ("ms", "s")
DASH = "\u2013"  # an en dash between an interval's ends


class Outcome(StrEnum):
    VERIFIED = "VERIFIED"
    REFUTED = "REFUTED"
    UNVERIFIABLE = "UNVERIFIABLE"


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    layer: str
    figure: str
    comparator: str
    threshold: float | str


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    outcome: Outcome
    measured: float | str | None
    reason: str
    low: float | None = None  # the measured figure's interval, when it has one
    high: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self.claim),
            "outcome": self.outcome.value,
            "measured": self.measured,
            "reason": self.reason,
            "low": self.low,
            "high": self.high,
        }


@dataclass(frozen=True)
class _Measured:
    """A claimed figure as its record holds it: the value (or the check), its interval's ends
    (both None: no interval), whether it is a timing, and the machine's figures where it was
    measured (the nearest `machine` on its path)."""

    value: Any
    low: float | None = None
    high: float | None = None
    timing: bool = False
    machine: Mapping[str, Any] | None = None

    @property
    def interval(self) -> bool:
        return self.low is not None or self.high is not None


def _claim(path: Path, index: int, raw: Mapping[str, Any]) -> Claim:
    where = f"{path}: claim {index + 1}"
    missing = [key for key in _FIELDS if key not in raw]
    if missing:
        raise ConfigError(
            f"{where} lacks {', '.join(missing)}.",
            hint=f"each [[claim]] needs {', '.join(_FIELDS)}.",
        )
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"{where} has unknown key(s) {', '.join(unknown)}.")
    if raw["comparator"] not in COMPARATORS:
        raise ConfigError(
            f"{where}: comparator {raw['comparator']!r} is not one of {' '.join(COMPARATORS)}."
        )
    threshold = raw["threshold"]
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | str):
        raise ConfigError(f"{where}: threshold must be a number or a check status.")
    if isinstance(threshold, str) and raw["comparator"] != "==":
        raise ConfigError(f"{where}: a text threshold only works with '=='.")
    return Claim(
        str(raw["id"]),
        str(raw["text"]),
        str(raw["layer"]),
        str(raw["figure"]),
        str(raw["comparator"]),
        threshold,
    )


def load(path: Path) -> list[Claim]:
    """The claims of a claims file; an invalid file is a ConfigError naming the claim."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"The claims file {path} cannot be read: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"The claims file {path} is not valid TOML: {exc}.") from exc
    entries = data.get("claim", [])
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"The claims file {path} has no [[claim]] entries.")
    claims = [_claim(path, i, raw) for i, raw in enumerate(entries)]
    ids = [c.id for c in claims]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise ConfigError(f"The claims file {path} repeats the id {dupes[0]!r}.")
    return claims


def _machine(figures: Any, nearer: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
    found = figures.get("machine") if isinstance(figures, Mapping) else None
    return found if isinstance(found, Mapping) else nearer


def _lookup(record: LayerRecord, figure: str) -> _Measured | None:
    """A check by name, or a dotted path into the figures; None when neither exists."""
    for check in record.checks:
        if check.name == figure:
            timing = check.unit.strip() in TIMING_UNITS
            return _Measured(check, check.low, check.high, timing, _machine(record.figures, None))
    value: Any = record.figures
    parent: Mapping[str, Any] = {}
    found: Mapping[str, Any] | None = None
    parts = figure.split(".")
    for part in parts:
        if not isinstance(value, Mapping) or part not in value:
            return None
        found = _machine(value, found)
        parent, value = value, value[part]
    ends = parent.get(f"{parts[-1]}_interval")
    low, high = ends if isinstance(ends, list | tuple) and len(ends) == 2 else (None, None)
    return _Measured(value, low, high, parts[-1].endswith(TIMING_SUFFIXES), found)


def _unverifiable(claim: Claim, reason: str) -> ClaimResult:
    return ClaimResult(claim, Outcome.UNVERIFIABLE, None, reason)


def judge_claim(claim: Claim, records: Mapping[str, LayerRecord]) -> ClaimResult:
    record = records.get(claim.layer)
    if record is None:
        return _unverifiable(claim, f"The {claim.layer} layer did not run in this run.")
    if record.status not in (Status.PASS, Status.FAIL, Status.WAIVED):
        return _unverifiable(
            claim, f"The {claim.layer} layer's evidence is incomplete ({record.status.value})."
        )
    measured = _lookup(record, claim.figure)
    if measured is None:
        return _unverifiable(
            claim, f"The {claim.layer} record has no figure or check {claim.figure!r}."
        )
    value = measured.value
    if isinstance(value, Check):
        value = value.status.value if isinstance(claim.threshold, str) else value.figure
    if isinstance(claim.threshold, str):
        holds = str(value) == claim.threshold
        return ClaimResult(
            claim,
            Outcome.VERIFIED if holds else Outcome.REFUTED,
            str(value),
            f"{claim.figure} is {value}.",
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _unverifiable(claim, f"{claim.layer}.{claim.figure} is not a number ({value!r}).")
    return _judged(claim, value, float(claim.threshold), measured)


def _holds(
    value: float, low: float | None, high: float | None, comparator: str, threshold: float
) -> Status:
    """PASS, FAIL or (only on an interval that straddles the threshold) INCONCLUSIVE: the one
    rule of `intervals.outcome` for a figure with an interval; an exact figure, or `==`,
    compared as it is."""
    if (low is None and high is None) or comparator == "==":
        return Status.PASS if compare(value, comparator, threshold) else Status.FAIL
    return intervals.outcome(intervals.from_ends(value, low, high), comparator, threshold)


def _judged(claim: Claim, value: float, threshold: float, m: _Measured) -> ClaimResult:
    status = _holds(float(value), m.low, m.high, claim.comparator, threshold)
    shown = f"{value:g}"
    if m.interval:
        ends = (
            "\u2212∞" if m.low is None else f"{m.low:g}",
            "∞" if m.high is None else f"{m.high:g}",
        )
        shown += f" [{ends[0]}{DASH}{ends[1]}]"
    claimed = f"claimed {claim.comparator} {threshold:g}"
    outcome, reason = Outcome.VERIFIED, f"measured {shown}, {claimed}."
    if status is Status.INCONCLUSIVE:
        outcome = Outcome.UNVERIFIABLE
        reason = f"measured {shown}: the interval straddles the threshold ({claimed})."
    elif status is Status.FAIL:
        excuse = _excuse(claim, value, threshold, m)
        outcome = Outcome.REFUTED if excuse is None else Outcome.UNVERIFIABLE
        reason = f"measured {shown}, {claimed}" + (f", but {excuse}" if excuse else "")
        reason += "" if reason.endswith((".", ".)")) else "."
    return ClaimResult(claim, outcome, value, reason, m.low, m.high)


def _excuse(claim: Claim, value: float, threshold: float, m: _Measured) -> str | None:
    """Why a figure that misses its claim does not refute it, or None: its check's layer set
    the failure aside (INCONCLUSIVE although the figure missed its own threshold), or it is a
    timing the busy rule excuses."""
    check = m.value
    if isinstance(check, Check) and check.status is Status.INCONCLUSIVE:
        limit = check.threshold
        if isinstance(limit, int | float) and check.comparator in (">=", "<=", ">", "<"):
            own = _holds(float(value), check.low, check.high, check.comparator, float(limit))
            if own is Status.FAIL:
                return f"the {claim.layer} layer set this check aside: {check.message}"
    busy = m.machine.get("busy") if m.machine else None
    if not m.timing or not isinstance(busy, str) or claim.comparator == "==":
        return None
    assert m.machine is not None
    share = float(m.machine.get("others_share", 0.0)) + float(m.machine.get("steal_share", 0.0))
    failed = Check(
        claim.id, Status.FAIL, value, threshold, claim.comparator, low=m.low, high=m.high
    )
    return busy if machine.excused(failed, busy, share).status is Status.INCONCLUSIVE else None


def judge_all(claims: Iterable[Claim], records: Iterable[LayerRecord]) -> list[ClaimResult]:
    by_layer = {record.layer: record for record in records}
    return [judge_claim(claim, by_layer) for claim in claims]
