"""The load shape: the plan's stage table, phase by phase, with early stops.

A stage table is data (`[load.profiles.*]`); this one shape plays any of them. It records when
each phase began, stops the run when the live judge says a budget is clearly broken
(`abort_on_fail`), and for stress stops after the first step that broke a budget.
"""

from __future__ import annotations

import json
from typing import Any

from locust import LoadTestShape
from locust.runners import MasterRunner

from signoff.load.locust._wiring import STATE
from signoff.load.recorder import ABORT

# Seconds into a phase before the previous step is judged: its last chunks must have arrived.
JUDGE_AFTER_S = 2.5


class PlanShape(LoadTestShape):
    """Plays the plan's stage table with the user classes of its mode (`setup()` sets both)."""

    plan: dict[str, Any] = {}  # noqa: RUF012
    classes: dict[str, list[Any]] = {}  # noqa: RUF012  (user classes by plan mode)

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.judged: set[str] = set()

    def tick(self) -> tuple[int, float, list[Any]] | None:
        if STATE.judge is not None and STATE.judge.abort is not None:
            self._end()
            return None
        now = self.get_run_time()  # type: ignore[no-untyped-call]
        stages = self.plan["stages"]
        workers = max(int(self.plan.get("workers", 1)), 1)
        began = 0.0
        for index, stage in enumerate(stages):
            ends = began + float(stage["duration_s"])
            if now < ends:
                if index > 0 and now - began >= JUDGE_AFTER_S and self._broke(stages[index - 1]):
                    self._end()
                    return None
                STATE.clock.enter(str(stage["phase"]))
                classes = self.classes[self.plan["mode"]]
                if self.plan["mode"] == "open":
                    return workers, float(workers), classes
                return int(stage["users"]), float(stage["spawn_rate"]), classes
            began = ends
        self._end()
        return None

    def _broke(self, stage: dict[str, Any]) -> bool:
        phase = str(stage["phase"])
        if not self.plan.get("stop_on_break") or phase in self.judged or STATE.judge is None:
            return False
        self.judged.add(phase)
        broken = STATE.judge.step_broken(phase, float(stage["duration_s"]))
        if broken is None:
            return False
        if STATE.out is not None:
            (STATE.out / ABORT).write_text(json.dumps({**broken, "kind": "break"}))
        return True

    def _end(self) -> None:
        # On a master, stop the workers first and wait: their last chunks arrive before they
        # report stopped, so nothing recorded is lost when the master quits.
        if isinstance(self.runner, MasterRunner):
            self.runner.stop()
