"""The busy-machine sampler against real processes: a CPU-bound process outside the run's own
trees is named, the same process inside them is not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from signoff.machine import Machine, MachineSampler, busy_reason

BUSY_LOOP = "while True: pass"


@pytest.fixture
def stranger() -> Iterator[int]:
    """A busy loop that is no descendant of this test: its launcher exits at once, so it is
    re-parented away from us, as another job on the machine would be."""
    launch = (
        "import subprocess, sys; "
        f"print(subprocess.Popen([sys.executable, '-c', {BUSY_LOOP!r}], "
        "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)"
    )
    done = subprocess.run(
        [sys.executable, "-c", launch], capture_output=True, text=True, check=True, timeout=30
    )
    pid = int(done.stdout)
    try:
        yield pid
    finally:
        os.kill(pid, signal.SIGKILL)


def _watch(seconds: float) -> Machine:
    with MachineSampler([os.getpid()], interval=0.25) as sampler:
        time.sleep(seconds)
    figures = sampler.figures()
    assert figures is not None
    return figures


def test_a_busy_process_outside_the_run_is_named(stranger: int) -> None:
    figures = _watch(3.0)
    shares = dict(figures.top)
    named = [name for name in shares if name.endswith(f"(pid {stranger})")]
    assert named, figures
    assert shares[named[0]] >= 0.3  # a busy loop takes most of a core even on a shared machine
    assert figures.others_share >= 0.3 / figures.cores
    reason = busy_reason(figures, 0.1)
    assert reason is not None
    assert f"(pid {stranger})" in reason


def test_the_same_busy_process_inside_the_run_counts_as_ours() -> None:
    ours = subprocess.Popen([sys.executable, "-c", BUSY_LOOP])
    try:
        figures = _watch(3.0)
    finally:
        ours.kill()
        ours.wait()
    assert not any(name.endswith(f"(pid {ours.pid})") for name, _ in figures.top), figures
    assert figures.ours_share >= 0.3 / figures.cores


def test_a_child_reaped_while_sampled_is_counted_once(stranger: int) -> None:
    # a suite's child that ends and is reaped mid-window, as pytest's does: its CPU moves into
    # our own count of reaped children and must not be counted again, or the stranger beside
    # it would vanish from the figures
    with MachineSampler([os.getpid()], interval=0.25) as sampler:
        time.sleep(0.5)
        burn = "import time; end = time.process_time() + 1.5\nwhile time.process_time() < end: pass"
        subprocess.run([sys.executable, "-c", burn], check=True, timeout=60)
        time.sleep(0.5)
    figures = sampler.figures()
    assert figures is not None
    used = figures.ours_share * figures.cores * figures.seconds  # core-seconds counted as ours
    assert 1.2 < used < 2.5, figures  # the child's 1.5 s (and our own bit), not twice that
    assert figures.others_share >= 0.3 / figures.cores, figures


def test_a_window_counts_only_the_readings_inside_it(stranger: int) -> None:
    sampler = MachineSampler([os.getpid()], interval=0.25)
    with sampler:
        time.sleep(1.5)
    first, last = sampler.readings[0].t, sampler.readings[-1].t
    assert sampler.figures(last + 1.0, last + 2.0) is None
    half = sampler.figures(first, (first + last) / 2)
    assert half is not None
    assert half.seconds == pytest.approx((last - first) / 2, abs=0.01)


def test_the_reason_names_share_cores_top_steal_and_load() -> None:
    figures = Machine(12.0, 2, 0.63, 0.3, 0.0, 3.1, (("python3 (pid 9)", 0.98),))
    assert busy_reason(figures, 0.25) == (
        "the machine was busy: 63 % of 2 cores went to other processes (top: python3 (pid 9) "
        "98% of a core), steal 0 %, load 3.1"
    )
    assert busy_reason(figures, 0.7) is None
    stolen = Machine(12.0, 2, 0.05, 0.3, 0.3, 1.0)
    assert busy_reason(stolen, 0.25) == (
        "the machine was busy: 5 % of 2 cores went to other processes, steal 30 %, load 1.0"
    )
    assert figures.to_json()["top"] == {"python3 (pid 9)": 0.98}
