"""Claims: VERIFIED, REFUTED and UNVERIFIABLE from a run's records; bad claims files refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from signoff import claims
from signoff.errors import ConfigError
from signoff.records import Check, Evidence, LayerRecord, Status
from signoff.report.results import build
from tests.test_report_results import make_run, passing

ROOT = Path(__file__).resolve().parents[1]

CLAIMS = """
[[claim]]
id = "line"
text = "Line coverage is at least 70%."
layer = "coverage"
figure = "line_percent"
comparator = ">="
threshold = 70.0

[[claim]]
id = "p95"
text = "p95 of the summary endpoint under spike is below 200 ms."
layer = "load"
figure = "spike.p95_ms.summary"
comparator = "<"
threshold = 200.0

[[claim]]
id = "hit-ratio"
text = "Cache hit ratio is at least 0.8."
layer = "load"
figure = "cache_hit_ratio"
comparator = ">="
threshold = 0.8

[[claim]]
id = "e2e"
text = "Every journey passes."
layer = "e2e"
figure = "failed"
comparator = "=="
threshold = 0

[[claim]]
id = "unit-check"
text = "No unit test fails."
layer = "unit"
figure = "failed tests"
comparator = "=="
threshold = "PASS"
"""


def test_each_outcome_with_its_measured_figure(tmp_path: Path) -> None:
    (tmp_path / "claims.toml").write_text(CLAIMS, encoding="utf-8")
    load = LayerRecord(
        "load",
        Status.PASS,
        "ok",
        {"requests": 10},
        {"requests": 10},
        {"spike": {"p95_ms": {"summary": 240.0}}},
        [Check("error rate", Status.PASS, 0.0, 0.01, "<=")],
    )
    run, cfg = make_run(
        tmp_path,
        [passing("coverage", {"line_percent": 81.5}), load, passing("unit")],
        claims="claims.toml",
    )
    outcomes = {r.claim.id: (r.outcome.value, r.measured) for r in build(run, cfg).claims}
    assert outcomes == {
        "line": ("VERIFIED", 81.5),
        "p95": ("REFUTED", 240.0),
        "hit-ratio": ("UNVERIFIABLE", None),
        "e2e": ("UNVERIFIABLE", None),
        "unit-check": ("VERIFIED", "PASS"),
    }
    md = run / "report.md"
    assert not md.exists()  # build renders nothing by itself


def test_an_incomplete_layer_leaves_its_claims_unverifiable() -> None:
    claim = claims.Claim("c", "Coverage is 70%.", "coverage", "line_percent", ">=", 70.0)
    partial = LayerRecord(
        "coverage", Status.INCONCLUSIVE, "partial", figures={"line_percent": 90.0}
    )
    result = claims.judge_claim(claim, {"coverage": partial})
    assert result.outcome is claims.Outcome.UNVERIFIABLE
    assert "incomplete" in result.reason


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "has no [[claim]] entries"),
        ('[[claim]]\nid = "a"\n', "lacks text, layer, figure, comparator, threshold"),
        (
            '[[claim]]\nid="a"\ntext="t"\nlayer="l"\nfigure="f"\ncomparator="~"\nthreshold=1\n',
            "is not one of",
        ),
        (
            '[[claim]]\nid="a"\ntext="t"\nlayer="l"\nfigure="f"\ncomparator=">"\nthreshold="x"\n',
            "a text threshold only works with '=='",
        ),
        (
            '[[claim]]\nid="a"\ntext="t"\nlayer="l"\nfigure="f"\ncomparator=">"\nthreshold=1\nx=1\n',
            "unknown key(s) x",
        ),
        ("[[claim]\n", "is not valid TOML"),
    ],
)
def test_invalid_claims_files_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "claims.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="claims") as caught:
        claims.load(path)
    assert message in caught.value.message


def test_the_shipped_claims_file_loads_and_names_distinct_ids() -> None:
    shipped = claims.load(ROOT / "claims.toml")
    assert len(shipped) >= 10
    assert {c.layer for c in shipped} >= {"coverage", "load", "audit", "observability"}


def _record(layer: str, checks: list[Check], figures: dict[str, Any]) -> LayerRecord:
    counts = {"requests": 10}
    return LayerRecord.judged(layer, Evidence(checks, counts, counts, figures))


# another check that failed: the record is complete (FAIL) beside an undecided check
ERRORS = Check("error rate", Status.FAIL, 0.5, 0.01, "<=")
SAMPLES = Check("benchmarks with enough raw samples", Status.PASS, 1, 1, ">=")


def _load(check: Check) -> LayerRecord:
    return _record("load", [check] if check.status is Status.PASS else [check, ERRORS], {})


P95 = "spike phase 'spike', GET /summary: p95"


@pytest.mark.parametrize(
    ("low", "high", "outcome"),
    [
        (150.0, 195.0, claims.Outcome.VERIFIED),  # wholly below the claimed 200 ms
        (180.0, 230.0, claims.Outcome.UNVERIFIABLE),  # straddles it
        (205.0, 260.0, claims.Outcome.REFUTED),  # wholly above it
    ],
)
def test_a_figure_with_an_interval_is_decided_only_when_the_interval_clears(
    low: float, high: float, outcome: claims.Outcome
) -> None:
    """The estimate (190 ms) is under the claim every time: only the interval decides."""
    claim = claims.Claim("p95", "p95 under 200 ms.", "load", P95, "<", 200.0)
    check = Check(P95, Status.PASS, 190.0, 400.0, "<=", "ms", low=low, high=high)
    result = claims.judge_claim(claim, {"load": _load(check)})
    assert result.outcome is outcome, result.reason
    assert (result.measured, result.low, result.high) == (190.0, low, high)
    assert f"[{low:g}\u2013{high:g}]" in result.reason
    if outcome is claims.Outcome.UNVERIFIABLE:
        assert "the interval straddles the threshold (claimed < 200)" in result.reason


def test_an_open_end_is_unbounded_and_a_figure_carries_its_interval_beside_it() -> None:
    open_end = Check(P95, Status.INCONCLUSIVE, 90.0, 400.0, "<=", "ms", low=60.0, high=None)
    claim = claims.Claim("p95", "p95 under 200 ms.", "load", P95, "<", 200.0)
    result = claims.judge_claim(claim, {"load": _load(open_end)})
    assert result.outcome is claims.Outcome.UNVERIFIABLE
    assert "[60\u2013\u221e]" in result.reason
    bench = _record(
        "bench",
        [SAMPLES],
        {"benchmarks": {"match": {"median_s": 1.8, "median_s_interval": [1.7, 2.1]}}},
    )
    median = claims.Claim("m", "Under 2 s.", "bench", "benchmarks.match.median_s", "<", 2.0)
    result = claims.judge_claim(median, {"bench": bench})
    assert (result.outcome, result.low, result.high) == (claims.Outcome.UNVERIFIABLE, 1.7, 2.1)


def _bench(median_s: float, busy: str | None) -> LayerRecord:
    machine = {"others_share": 0.4, "steal_share": 0.0, "cores": 2, "busy": busy}
    return _record(
        "bench", [SAMPLES], {"benchmarks": {"match": {"median_s": median_s}}, "machine": machine}
    )


@pytest.mark.parametrize(
    ("median_s", "busy", "outcome"),
    [
        (2.5, "the machine was busy: 40 % of 2 cores", claims.Outcome.UNVERIFIABLE),
        (2.5, None, claims.Outcome.REFUTED),  # the same figure on a quiet machine
        (9.0, "the machine was busy: 40 % of 2 cores", claims.Outcome.REFUTED),  # beyond 1/0.6²
        (1.5, "the machine was busy: 40 % of 2 cores", claims.Outcome.VERIFIED),  # met stays met
    ],
)
def test_a_timing_missed_on_a_busy_machine_does_not_refute_its_claim(
    median_s: float, busy: str | None, outcome: claims.Outcome
) -> None:
    claim = claims.Claim("m", "Under 2 s.", "bench", "benchmarks.match.median_s", "<", 2.0)
    result = claims.judge_claim(claim, {"bench": _bench(median_s, busy)})
    assert result.outcome is outcome, result.reason
    if outcome is claims.Outcome.UNVERIFIABLE:
        assert result.reason.endswith("but the machine was busy: 40 % of 2 cores.")


def test_a_busy_machine_excuses_timings_only() -> None:
    record = _bench(2.5, "the machine was busy: 40 % of 2 cores")
    record.figures["benchmarks"]["match"]["rounds"] = 3
    claim = claims.Claim("r", "30 rounds.", "bench", "benchmarks.match.rounds", ">=", 30)
    assert claims.judge_claim(claim, {"bench": record}).outcome is claims.Outcome.REFUTED


def test_a_check_its_layer_set_aside_does_not_refute_but_an_undecided_one_can() -> None:
    claim = claims.Claim("p95", "p95 under 200 ms.", "load", P95, "<", 200.0)
    excused = "p95 over. (The machine was busy.)"
    aside = Check(
        P95, Status.INCONCLUSIVE, 450.0, 400.0, "<=", "ms", excused, low=420.0, high=480.0
    )
    result = claims.judge_claim(claim, {"load": _load(aside)})
    assert result.outcome is claims.Outcome.UNVERIFIABLE
    assert "the load layer set this check aside: p95 over. (The machine was busy.)" in result.reason
    # undecided against its 400 ms budget, yet wholly above the claimed 200 ms
    undecided = Check(P95, Status.INCONCLUSIVE, 390.0, 400.0, "<=", "ms", low=360.0, high=430.0)
    result = claims.judge_claim(claim, {"load": _load(undecided)})
    assert result.outcome is claims.Outcome.REFUTED


def test_the_nearest_machine_on_a_figures_path_decides_whether_it_was_busy() -> None:
    """A load phase's own machine figures, not another phase's, excuse its timings."""
    quiet = {"others_share": 0.05, "steal_share": 0.0, "busy": None}
    busy = {"others_share": 0.4, "steal_share": 0.0, "busy": "the machine was busy: 40 %"}
    phases = {
        "baseline": {"machine": busy, "endpoints": {"all": {"p95_ms": 250.0}}},
        "spike": {"machine": quiet, "endpoints": {"all": {"p95_ms": 250.0}}},
    }
    record = _record(
        "load", [SAMPLES], {"machine": busy, "profiles": {"spike": {"phases": phases}}}
    )
    outcomes = {
        phase: claims.judge_claim(
            claims.Claim(
                phase,
                "Fast.",
                "load",
                f"profiles.spike.phases.{phase}.endpoints.all.p95_ms",
                "<",
                200.0,
            ),
            {"load": record},
        ).outcome
        for phase in phases
    }
    assert outcomes == {"baseline": claims.Outcome.UNVERIFIABLE, "spike": claims.Outcome.REFUTED}
