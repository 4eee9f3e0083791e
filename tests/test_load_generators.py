"""Who limited a phase: CPU shares from readings, a saturated or unmeasured generator, a lost
worker, and the chunks that carry the readings."""

from __future__ import annotations

import functools
import os
import time

from signoff.load import analysis, cpu, generators
from signoff.load.recorder import Chunk, IntervalRecorder
from signoff.records import Check, Status


def test_a_share_of_a_core_interpolates_between_readings_inside_the_window() -> None:
    series = [(0.0, 0.0), (10.0, 5.0), (20.0, 15.0)]
    assert cpu.share(series, 5.0, 15.0) == (7.5, 10.0)  # 2.5 cpu-s, then 5 cpu-s
    assert cpu.share(series, 15.0, 40.0) == (5.0, 5.0)  # clipped to the last reading
    assert cpu.share(series[:1], 0.0, 10.0) is None
    assert cpu.share(series, 30.0, 40.0) is None


def test_the_sampler_sees_this_process_burn_cpu() -> None:
    sampler = cpu.CpuSampler({"me": os.getpid()}, 0.05)
    sampler.sample()
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:
        pass
    sampler.sample()
    used, covered = cpu.share(sampler.series["me"], 0.0, time.time()) or (0.0, 1.0)
    assert used >= 0.25
    assert used / covered > 0.5


def _run(
    rates: dict[str, float], seconds: int = 10, die: dict[str, int] | None = None
) -> list[Chunk]:
    """Chunks of workers sending 100 requests a second, each using `rates[name]` of a core,
    some of them gone after `die[name]` seconds."""
    chunks: list[Chunk] = []
    for name, rate in rates.items():
        used = [0.0]
        recorder = IntervalRecorder(name, chunks.append, cpu=functools.partial(sum, used))
        for second in range(1000, 1000 + (die or {}).get(name, seconds)):
            for index in range(100):
                recorder.record("GET /x", 2.0, False, now=second + index / 100)
            used.append(rate)
            recorder.flush(now=second + 1.0)
        recorder.flush(final=True, now=1000.0 + (die or {}).get(name, seconds))
    return chunks


def _limits(
    rates: dict[str, float], die: dict[str, int] | None = None
) -> dict[str, generators.PhaseLimits]:
    chunks = _run(rates, die=die)
    windows = [analysis.Window("steady", 1000.0, 1010.0)]
    result = analysis.analyse(chunks, windows)
    service = {"api": [(1000.0, 0.0), (1010.0, 4.0)]}
    return generators.phase_limits(result, None, service, 0.9, distributed=len(rates) > 1)


def test_a_busy_generator_makes_its_phase_inconclusive_and_is_named() -> None:
    limits = _limits({"w1": 0.3, "w2": 0.97})
    figures = limits["steady"].figures
    assert figures["generators"]["w2"]["cpu_core"] > 0.9
    assert figures["generators"]["w1"]["requests"] == 1000
    # 0.3 cpu-s per second for 100 requests a second: 3 ms of CPU per request
    assert figures["generators"]["w1"]["cpu_ms_per_request"] == 3.0
    assert figures["service"]["api"]["cpu_core"] == 0.4
    check = generators.checks("smoke", limits, 0.9, "e")["steady"][0]
    assert check.status is Status.INCONCLUSIVE
    assert "'w2'" in check.message
    assert "97%" in check.message
    calm = generators.checks("smoke", _limits({"w1": 0.3, "w2": 0.5}), 0.9, "e")["steady"]
    assert [c.status for c in calm] == [Status.PASS]


def test_a_generator_without_cpu_readings_is_not_taken_for_an_idle_one() -> None:
    chunks = _run({"w1": 0.3})
    for chunk in chunks:
        chunk.pop("cpu")
    result = analysis.analyse(chunks, [analysis.Window("steady", 1000.0, 1010.0)])
    limits = generators.phase_limits(result, None, {}, 0.9, distributed=False)
    check = generators.checks("smoke", limits, 0.9, "e")["steady"][0]
    assert check.status is Status.INCONCLUSIVE
    assert "no CPU readings from w1" in check.message


def test_a_worker_lost_mid_phase_leaves_the_phase_on_incomplete_evidence() -> None:
    limits = _limits({"w1": 0.3, "w2": 0.3}, die={"w2": 4})
    assert limits["steady"].lost == {"w2": 4.0}
    found = generators.checks("smoke", limits, 0.9, "e")["steady"]
    lost = [c for c in found if c.name.endswith("evidence from every worker")]
    assert lost
    assert lost[0].status is Status.INCONCLUSIVE
    assert "'w2' (4 s in)" in lost[0].message
    assert "incomplete evidence" in lost[0].message
    whole = _limits({"w1": 0.3, "w2": 0.3})
    assert not whole["steady"].lost


def test_a_saturated_phase_does_not_fail_on_its_budgets_but_keeps_those_it_met() -> None:
    failed = Check("p95", Status.FAIL, 900.0, 400.0, "<=", "ms", "p95 is 900ms.")
    met = Check("p50", Status.PASS, 10.0, 100.0, "<=", "ms")
    out = generators.not_judged([failed, met], "(saturated)")
    assert [c.status for c in out] == [Status.INCONCLUSIVE, Status.PASS]
    assert out[0].message == "p95 is 900ms. (saturated)"


def test_every_flush_sends_a_chunk_with_the_cpu_reading_also_when_idle() -> None:
    chunks: list[Chunk] = []
    recorder = IntervalRecorder("w", chunks.append, cpu=lambda: 1.25)
    assert recorder.flush(now=2000.5) == 0
    assert chunks == [
        {"worker": "w", "second": 1999, "endpoints": {}, "dropped": {}, "cpu": [2000.5, 1.25]}
    ]
