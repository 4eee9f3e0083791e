"""The busy rule for one timing (the e2e suite's wall-time budget): a budget missed on a busy
machine is INCONCLUSIVE naming it, unless it was missed by more than the contention explains."""

from __future__ import annotations

import pytest

from signoff.machine import Machine, busy_figures, judged_busy
from signoff.records import Check, Status, threshold_check

BUSY = Machine(30.0, 2, 0.4, 0.5, 0.0, 2.5, (("yes (pid 7)", 0.8),))  # 40 % of the cores
QUIET = Machine(30.0, 2, 0.05, 0.5, 0.0, 1.0)


def _wall(seconds: float) -> Check:
    return threshold_check("journey suite wall time", seconds, "<=", 60.0, " s")


@pytest.mark.parametrize(
    ("seconds", "seen", "status"),
    [
        (70.0, BUSY, Status.INCONCLUSIVE),  # within 1 / 0.6² of the budget
        (200.0, BUSY, Status.FAIL),  # beyond what 40 % of the cores explains
        (70.0, QUIET, Status.FAIL),  # the same time on a quiet machine
        (70.0, None, Status.FAIL),  # not sampled: judged as measured
        (50.0, BUSY, Status.PASS),  # met stays met
    ],
)
def test_a_wall_time_budget_under_the_busy_rule(
    seconds: float, seen: Machine | None, status: Status
) -> None:
    check = judged_busy(_wall(seconds), seen, 0.25)
    assert check.status is status, check.message
    assert check.figure == seconds
    if status is Status.INCONCLUSIVE:
        assert check.message.startswith("journey suite wall time is 70 s, needs <= 60 s.")
        assert check.message.endswith(
            "(The machine was busy: 40 % of 2 cores went to other processes "
            "(top: yes (pid 7) 80% of a core), steal 0 %, load 2.5.)"
        )


def test_the_record_keeps_the_machine_and_why_it_was_busy() -> None:
    kept = busy_figures(BUSY, 0.25)
    assert kept is not None
    assert kept["others_share"] == 0.4
    assert kept["busy"].startswith("the machine was busy: 40 % of 2 cores")
    quiet = busy_figures(QUIET, 0.25)
    assert quiet is not None
    assert quiet["busy"] is None
    assert busy_figures(None, 0.25) is None


def test_an_undecided_timing_on_a_busy_machine_names_it_and_stays_undecided() -> None:
    undecided = Check(
        "p95", Status.INCONCLUSIVE, 413.0, 400.0, "<=", " ms", "p95 413 ms [345-463]: undecided."
    )
    busy = judged_busy(undecided, BUSY, 0.25)
    assert busy.status is Status.INCONCLUSIVE
    assert busy.message.startswith("p95 413 ms [345-463]: undecided. (The machine was busy: 40 %")
    assert judged_busy(busy, BUSY, 0.25).message == busy.message  # named once
    assert judged_busy(undecided, QUIET, 0.25) == undecided
