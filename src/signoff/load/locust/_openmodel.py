"""The open model: requests arrive at the plan's rate whether or not earlier ones finished.

Each request has an intended start time on a fixed schedule; it is sent at that time by its own
greenlet, and its latency counts from the intended time (as wrk2 corrects coordinated
omission), so a stalled server shows up in the percentiles instead of slowing the generator.
A request that cannot be started within `max_lag_s` of its time is counted as dropped; each
arrival picks among the operations whose placeholders have values (dropped when none has).
"""

from __future__ import annotations

import time
from typing import Any

import gevent  # type: ignore[import-untyped]
import gevent.pool  # type: ignore[import-untyped]
from locust import constant, task

from signoff.load.locust._users import RNG, OperationsUser
from signoff.load.locust._wiring import STATE, operations
from signoff.load.mix import MixOperation
from signoff.load.plan import arrivals, settings_of


class OpenModelUser(OperationsUser):
    """One per Locust process: the scheduler of that process's share of the arrivals."""

    wait_time = constant(3600)
    concurrency = 200
    max_lag_s = 10.0

    @task
    def schedule(self) -> None:
        share = 1.0 / max(int(STATE.plan.get("workers", 1)), 1)
        pool = gevent.pool.Pool(self.concurrency)
        ops = operations()
        for intended in arrivals(STATE.plan["stages"], time.time(), share):
            delay = intended - time.time()
            if delay > 0:
                gevent.sleep(delay)
            op, url = self._pick(ops)
            pool.wait_available(timeout=max(intended + self.max_lag_s - time.time(), 0.0))
            if url is None or time.time() - intended > self.max_lag_s or pool.full():
                if STATE.recorder is not None:
                    STATE.recorder.drop(op.name)
                continue
            pool.spawn(self._send, op, url, intended)
        pool.join(timeout=self.max_lag_s)

    def _pick(self, ops: list[MixOperation]) -> tuple[MixOperation, str | None]:
        values = self.values()
        ready = [(op, url) for op in ops if (url := op.url(values)) is not None]
        if not ready:
            return ops[0], None
        op, url = RNG.choices(ready, weights=[op.weight for op, _ in ready])[0]
        return op, url

    def _send(self, op: MixOperation, url: str, intended: float) -> None:
        self.call(op, url, context={"intended": intended})


def configure(plan: dict[str, Any]) -> None:
    settings = settings_of(plan).open
    OpenModelUser.concurrency = settings.max_in_flight
    OpenModelUser.max_lag_s = settings.max_lag_s
