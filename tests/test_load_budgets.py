"""Load budgets judged on intervals: percentiles, error rates and throughput per phase and
endpoint, what an endpoint with few requests leaves to the aggregate, and a busy machine."""

from __future__ import annotations

import random

import pytest

from signoff.load import analysis, budgets
from signoff.load import plan as plan_mod
from signoff.load.budgets import phase_checks
from signoff.load.recorder import Chunk, IntervalRecorder
from signoff.records import Check, Status


def _result(
    phase: str, sent: dict[str, list[tuple[float, bool]]], seconds: float = 10.0
) -> analysis.Result:
    """A phase of `seconds` in which each endpoint answered its (ms, failed) requests, spread
    evenly over the phase, as the workers would have recorded them."""
    chunks: list[Chunk] = []
    recorder = IntervalRecorder("w", chunks.append)
    for name, requests in sent.items():
        for index, (ms, failed) in enumerate(requests):
            recorder.record(name, ms, failed, now=1000.0 + index * seconds / len(requests))
    recorder.flush(final=True)
    return analysis.analyse(chunks, [analysis.Window(phase, 1000.0, 1000.0 + seconds)])


def _plan(budget: dict[str, float]) -> plan_mod.Plan:
    return plan_mod.Plan(
        "spike", "closed", [plan_mod.Stage("spike", 10.0, users=1)], {"spike": budget}
    )


def _spread(count: int, low: float, high: float, errors: int = 0) -> list[tuple[float, bool]]:
    rng = random.Random(count)
    return [(rng.uniform(low, high), index < errors) for index in range(count)]


def test_a_broken_budget_names_phase_endpoint_budget_and_figure() -> None:
    plan = _plan({"p95_ms": 1.0, "min_rps": 5.0})
    result = _result("spike", {"GET /api/v1/jobs": [(1.5, False)] * 100})
    checks = phase_checks(plan, result, 30, "e.json")["spike"]
    failed = [c for c in checks if c.status is Status.FAIL]
    assert [c.name for c in failed] == [
        "spike phase 'spike', all endpoints: p95",
        "spike phase 'spike', GET /api/v1/jobs: p95",
    ]
    assert failed[1].message == "spike phase 'spike', GET /api/v1/jobs: p95 is 1.5ms, needs <= 1ms."
    # judged on the interval: 100 equal requests still allow the run margin (9 %) either way
    assert (failed[1].low, failed[1].high) == pytest.approx((1.5 / 1.09, 1.5 * 1.09))
    rps = next(c for c in checks if c.name.endswith("throughput"))
    assert (rps.status, rps.figure) == (Status.PASS, 10.0)
    assert rps.low is not None
    assert rps.low > 5.0
    # too few requests: the endpoint is judged only inside the aggregate
    few = phase_checks(plan, _result("spike", {"GET /api/v1/jobs": [(1.5, False)] * 5}), 30, "e")
    assert not any("GET /api/v1/jobs" in c.name for c in few["spike"])


def test_a_percentile_near_its_budget_is_undecided_and_says_what_would_decide_it() -> None:
    # a long tail: 100 requests of 10-50 ms and 10 of 50-400 ms, p95 about 230 ms
    result = _result("spike", {"GET /x": _spread(100, 10.0, 50.0) + _spread(10, 50.0, 400.0)})

    def p95(budget: float) -> Check:
        checks = phase_checks(_plan({"p95_ms": budget}), result, 30, "e.json")["spike"]
        return next(c for c in checks if c.name == "spike phase 'spike', all endpoints: p95")

    undecided = p95(300.0)
    assert undecided.status is Status.INCONCLUSIVE
    assert undecided.low is not None
    assert undecided.high is not None
    assert undecided.low < 300.0 < undecided.high
    assert f"all endpoints: p95 {undecided.figure:.4g} ms [" in undecided.message
    assert "vs ≤ 300 ms (23% under): undecided; about 180 requests would decide it." in (
        undecided.message
    )
    # the one endpoint met the budget on its point figure: undecided, it is left to the
    # aggregate (here the same requests)
    endpoints = phase_checks(_plan({"p95_ms": 300.0}), result, 30, "e.json")["spike"]
    assert [c.name for c in endpoints] == ["spike phase 'spike', all endpoints: p95"]
    # within the run margin (10 %) of its budget no number of requests decides a percentile
    assert p95(250.0).message.endswith("undecided; more requests alone would not decide it.")
    assert p95(350.0).status is Status.PASS


def test_an_endpoint_that_met_a_budget_with_too_few_requests_is_judged_in_the_aggregate() -> None:
    plan = _plan({"p99_ms": 100.0, "error_rate": 0.01})
    fast = _spread(60, 10.0, 20.0)
    slow = _spread(60, 300.0, 400.0, errors=9)
    late = _spread(60, 10.0, 20.0) + _spread(3, 100.0, 130.0)
    sent = {"GET /fast": fast, "GET /slow": slow, "GET /late": late, "GET /more": fast * 8}
    checks = {c.name: c for c in phase_checks(plan, _result("spike", sent), 30, "e")["spike"]}
    # 60 requests bound no 99th percentile from above, nor an error rate below 1 %…
    assert "spike phase 'spike', GET /fast: p99" not in checks
    assert "spike phase 'spike', GET /fast: error rate" not in checks
    # …but they can miss a budget clearly, or probably: named with their endpoint
    assert checks["spike phase 'spike', GET /slow: p99"].status is Status.FAIL
    assert checks["spike phase 'spike', GET /slow: error rate"].status is Status.FAIL
    probably = checks["spike phase 'spike', GET /late: p99"]
    assert probably.status is Status.INCONCLUSIVE
    assert isinstance(probably.figure, float)
    assert probably.figure > 100.0
    # 480 requests can show a 99th percentile budget met
    assert checks["spike phase 'spike', GET /more: p99"].status is Status.PASS
    # no errors in 480 requests: under 1 % at 95 % (Clopper-Pearson's upper end is 0.77 %)
    assert checks["spike phase 'spike', GET /more: error rate"].status is Status.PASS
    aggregate = checks["spike phase 'spike', all endpoints: error rate"]
    assert aggregate.status is Status.INCONCLUSIVE  # 9 of 663 (1.4 %): undecided


def test_a_busy_machine_excuses_failed_timings_but_not_errors_or_gross_failures() -> None:
    plan = _plan({"p95_ms": 40.0, "p50_ms": 0.5, "error_rate": 0.01, "min_rps": 50.0})
    result = _result("spike", {"GET /x": _spread(400, 50.0, 60.0, errors=40)})
    checks = phase_checks(plan, result, 30, "e.json")["spike"]
    busy = budgets.not_judged_when_busy(checks, "the machine was busy: 63 % of 2 cores", 0.63)
    after = {c.name.rsplit(": ", 1)[1]: c for c in busy if "all endpoints" in c.name}
    assert after["p95"].status is Status.INCONCLUSIVE
    assert after["p95"].message.endswith("(The machine was busy: 63 % of 2 cores.)")
    assert after["throughput"].status is Status.INCONCLUSIVE
    assert after["error rate"].status is Status.FAIL  # errors are not noise
    assert after["p50"].status is Status.FAIL  # 100 times its budget: no busy machine does that
    met = budgets.not_judged_when_busy(
        phase_checks(_plan({"p95_ms": 100.0}), result, 30, "e")["spike"], "busy", 0.63
    )
    assert all(c.status is Status.PASS for c in met)
