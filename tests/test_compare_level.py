"""The run level: what moves every series of a run is taken out, and judged on its own."""

from __future__ import annotations

from typing import Any

import numpy as np

from signoff.judge import Change, compare
from signoff.judge.level import levels, relative
from signoff.judge.stats import Settings, judge_logs, samples_for
from signoff.records import Status
from signoff.report.results import comparison_gates

ENDPOINTS = [f"GET /api/items/{i}" for i in range(8)]


def document(
    rng: np.random.Generator,
    level: float,
    slower: dict[str, float] | None = None,
    n: int = 400,
    sparse: str | None = None,
) -> dict[str, Any]:
    """One run of a service of eight endpoints whose every request takes `level` times longer."""
    latency = {}
    for index, endpoint in enumerate(ENDPOINTS):
        factor = level * (slower or {}).get(endpoint, 1.0)
        count = 8 if endpoint == sparse else n
        values = rng.lognormal(np.log(10 + 5 * index), 0.35, count) * factor
        latency[f"load: {endpoint} | steady/steady"] = [float(v) for v in values]
    return {"run_id": "r", "environment": {}, "samples": {"latency": latency}}


def sides(
    seed: int, runs: int, between: float, slower: dict[str, float] | None = None, **kw: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Interleaved runs A B A B … on a machine whose speed moves by `between` (log sd) a run."""
    rng = np.random.default_rng(seed)
    moves = np.exp(rng.normal(0.0, between, 2 * runs))
    base = [document(rng, float(moves[2 * i]), None, **kw) for i in range(runs)]
    cand = [document(rng, float(moves[2 * i + 1]), slower, **kw) for i in range(runs)]
    return base, cand


def changes(result: Any, figure: str = "p50") -> dict[str, Change]:
    return {r.series: r.shift.change for r in result.rows if r.shift.figure == figure}


def test_a_noisy_machine_hides_nothing_once_the_run_level_is_taken_out() -> None:
    # 15% between-run noise, one endpoint 25% slower in the candidate, 5 runs a side
    slowed = f"load: {ENDPOINTS[3]} | steady"
    base, cand = sides(7, 5, 0.15, {ENDPOINTS[3]: 1.25})
    levelled = changes(compare(base, cand, Settings()))
    assert levelled.pop(slowed) is Change.SLOWER
    assert set(levelled.values()) <= {Change.SAME, Change.INCONCLUSIVE}
    assert Change.SAME in levelled.values()
    raw = changes(compare(base, cand, Settings(run_level=False)))
    # judged on its own, the same endpoint drowns in the machine's noise
    assert raw[slowed] is Change.INCONCLUSIVE
    assert "run level | steady" not in raw


def test_same_build_runs_on_a_noisy_machine_are_the_same_endpoint_by_endpoint() -> None:
    base, cand = sides(11, 5, 0.15)
    result = compare(base, cand, Settings(latency_figures=("p50",)))
    found = changes(result)
    assert all(found[f"load: {e} | steady"] is Change.SAME for e in ENDPOINTS), found
    assert found["run level | steady"] is Change.INCONCLUSIVE
    gates = {g.name: g for g in comparison_gates(result)}
    # the endpoints pass; what the machine's noise hides (a change to every endpoint alike)
    # is its own gate, inconclusive, saying how many runs would show it
    assert gates["baseline / latency"].status is Status.PASS
    whole = gates["baseline / latency, every series alike (run level)"]
    assert whole.status is Status.INCONCLUSIVE
    assert "runs per side" in whole.message


def test_a_change_to_every_endpoint_shows_in_the_run_level() -> None:
    base, cand = sides(5, 6, 0.02, {e: 1.25 for e in ENDPOINTS})
    found = changes(compare(base, cand, Settings(latency_figures=("p50",))))
    assert found.pop("run level | steady") is Change.SLOWER
    assert set(found.values()) == {Change.SAME}


def test_a_slow_drift_cancels_in_pairs_of_neighbouring_runs() -> None:
    # the machine slows by 6% a pair over the comparison; A and B of a pair share it
    drift = [1.06**i for i in range(6)]
    a = [0.01 * ((-1) ** i) + np.log(d) for i, d in enumerate(drift)]
    b = [-0.01 * ((-1) ** i) + np.log(d) for i, d in enumerate(drift)]
    settings = Settings()
    assert judge_logs(a, b, "p50", settings, paired=True).change is Change.SAME
    unpaired = judge_logs(a, b, "p50", settings)
    assert unpaired.change is Change.INCONCLUSIVE
    assert "pairs" in judge_logs(a, b, "p50", settings, paired=True).reason


def test_one_changed_series_does_not_move_the_level() -> None:
    table = {f"s{i}": [0.0, 0.0, 0.0, 0.0] for i in range(5)}
    table["s0"] = [0.0, 0.0, 0.5, 0.5]  # the candidate's runs 3 and 4
    level = levels(table, 4, 2, 0.05)
    assert level == [0.0, 0.0, 0.0, 0.0]
    assert relative(table["s0"], level) == [0.0, 0.0, 0.5, 0.5]
    assert levels({"a": [0.0, 1.0], "b": [0.0, 1.0]}, 2) is None  # two series: no level


def _change(values: list[float | None], runs_a: int) -> float:
    """The candidate's mean minus the baseline's, of values without gaps."""
    a, b = values[:runs_a], values[runs_a:]
    assert None not in a
    assert None not in b
    return sum(v for v in b if v is not None) / len(b) - sum(v for v in a if v is not None) / len(a)


def test_a_series_that_moved_on_its_own_sits_out_of_its_runs_level() -> None:
    # Six series with 2 % noise a run, the first 35 % slower in the candidate's three runs.
    # It sits at one end of every run's deviations, so a plain median moves towards it and
    # the others look faster by about 1 %; the level taken again without it does not.
    rng = np.random.default_rng(4)
    bias: dict[float | None, list[float]] = {None: [], 0.05: []}
    for _ in range(200):
        table = {f"s{i}": [float(v) for v in rng.normal(0.0, 0.02, 6)] for i in range(6)}
        table["s0"] = [v + (0.3 if run >= 3 else 0.0) for run, v in enumerate(table["s0"])]
        for apart, found in bias.items():
            level = levels(table, 6, 3, apart)
            assert level is not None
            others = [v for name, v in table.items() if name != "s0"]
            found += [_change(relative(values, level), 3) for values in others]
    assert float(np.mean(bias[None])) < -0.006
    assert abs(float(np.mean(bias[0.05]))) < 0.002


def test_a_percentile_above_the_median_needs_samples_beyond_it() -> None:
    assert samples_for("p50", 20) == 20
    assert samples_for("p95", 20) == 200
    assert samples_for("p99", 20) == 1000
    assert samples_for("mean", 20) == 20


def test_an_endpoint_too_sparse_in_every_run_is_named_not_judged() -> None:
    base, cand = sides(3, 5, 0.02, sparse=ENDPOINTS[0])
    result = compare(base, cand, Settings(latency_figures=("p50",)))
    row = next(r for r in result.rows if ENDPOINTS[0] in r.series)
    assert row.to_json()["verdict"] == "not judged"
    gate = next(g for g in comparison_gates(result) if g.name == "baseline / latency")
    assert gate.status is Status.PASS, gate.message
    assert "Not judged, too few samples in every run" in gate.message
    assert ENDPOINTS[0] in gate.message
    # an endpoint with samples on one side only is not sparse: it is inconclusive
    for doc in cand:
        doc["samples"]["latency"][f"load: {ENDPOINTS[0]} | steady/steady"] = [10.0] * 50
    gate = next(
        g for g in comparison_gates(compare(base, cand, Settings(latency_figures=("p50",))))
        if g.name == "baseline / latency"
    )  # fmt: skip
    assert gate.status is Status.INCONCLUSIVE


def test_a_series_whose_runs_have_no_level_stays_undecided_not_unjudged() -> None:
    # Run 1 of each side measures seven endpoints, so it has a level; runs 2-5 measure two,
    # too few for one. The last endpoint has samples only in runs 2-5: evidence without a
    # level to judge it against, which must hold the gate, not pass it as "not judged".
    base, cand = sides(3, 5, 0.02)
    last = f"load: {ENDPOINTS[7]} | steady/steady"
    for docs in (base, cand):
        del docs[0]["samples"]["latency"][last]
        for doc in docs[1:]:
            for endpoint in ENDPOINTS[1:7]:
                doc["samples"]["latency"][f"load: {endpoint} | steady/steady"] = [10.0] * 8
    result = compare(base, cand, Settings(latency_figures=("p50",)))
    row = next(r for r in result.rows if ENDPOINTS[7] in r.series)
    assert row.verdict == "inconclusive"
    assert "no level" in row.shift.reason
    gate = next(g for g in comparison_gates(result) if g.name == "baseline / latency")
    assert gate.status is Status.INCONCLUSIVE
    assert ENDPOINTS[7] in gate.message.split("Not judged")[0]


def test_runs_split_over_the_same_seconds_are_judged_on_their_pairs() -> None:
    # One endpoint's figure moves by up to ±20 % from pair to pair, alike on both sides of a
    # pair (a split run: both builds saw the same seconds). Pooled over runs that is noise;
    # on the pairs it cancels.
    rng = np.random.default_rng(5)
    moving = f"load: {ENDPOINTS[2]} | steady/steady"
    base, cand = sides(9, 6, 0.02)
    for a, b in zip(base, cand, strict=True):
        factor = float(np.exp(rng.normal(0.0, 0.2)))
        for doc in (a, b):
            doc["samples"]["latency"][moving] = [
                v * factor for v in doc["samples"]["latency"][moving]
            ]
    figures = Settings(latency_figures=("p50",))
    pooled = changes(compare(base, cand, figures, paired=True))
    at_once = changes(compare(base, cand, figures, paired=True, at_once=True))
    assert pooled[f"load: {ENDPOINTS[2]} | steady"] is Change.INCONCLUSIVE
    assert at_once[f"load: {ENDPOINTS[2]} | steady"] is Change.SAME
