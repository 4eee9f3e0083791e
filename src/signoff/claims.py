"""Claims in measurable form (`claims.toml`), judged against a run's records.

Each claim names a layer, a figure (a dotted path into the layer's `figures`, or the name of
one of its checks), a comparator and a threshold. A claim is VERIFIED or REFUTED only on
complete evidence; a missing layer, an incomplete record or an absent figure leaves it
UNVERIFIABLE, which is never read as true.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from signoff.errors import ConfigError
from signoff.records import LayerRecord, Status, compare

COMPARATORS = (">=", "<=", ">", "<", "==")
_FIELDS = ("id", "text", "layer", "figure", "comparator", "threshold")


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

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self.claim),
            "outcome": self.outcome.value,
            "measured": self.measured,
            "reason": self.reason,
        }


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


def _lookup(record: LayerRecord, figure: str) -> tuple[bool, Any]:
    """(found, value): a check by name (its figure, or its status for a text threshold)."""
    for check in record.checks:
        if check.name == figure:
            return True, check
    value: Any = record.figures
    for part in figure.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


def judge_claim(claim: Claim, records: Mapping[str, LayerRecord]) -> ClaimResult:
    record = records.get(claim.layer)
    if record is None:
        return ClaimResult(
            claim, Outcome.UNVERIFIABLE, None, f"The {claim.layer} layer did not run in this run."
        )
    if record.status not in (Status.PASS, Status.FAIL, Status.WAIVED):
        return ClaimResult(
            claim,
            Outcome.UNVERIFIABLE,
            None,
            f"The {claim.layer} layer's evidence is incomplete ({record.status.value}).",
        )
    found, value = _lookup(record, claim.figure)
    if not found:
        return ClaimResult(
            claim,
            Outcome.UNVERIFIABLE,
            None,
            f"The {claim.layer} record has no figure or check {claim.figure!r}.",
        )
    if hasattr(value, "status"):  # a Check
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
        return ClaimResult(
            claim,
            Outcome.UNVERIFIABLE,
            None,
            f"{claim.layer}.{claim.figure} is not a number ({value!r}).",
        )
    holds = compare(float(value), claim.comparator, float(claim.threshold))
    return ClaimResult(
        claim,
        Outcome.VERIFIED if holds else Outcome.REFUTED,
        value,
        f"measured {value:g}, claimed {claim.comparator} {claim.threshold:g}.",
    )


def judge_all(claims: Iterable[Claim], records: Iterable[LayerRecord]) -> list[ClaimResult]:
    by_layer = {record.layer: record for record in records}
    return [judge_claim(claim, by_layer) for claim in claims]
