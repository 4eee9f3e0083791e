"""The open model inside Locust: the arrivals of `signoff.load.arrivals`, each sent at its
intended time by a greenlet of its own, in the blocking mode (gevent).

Latency counts from the intended time (the request carries it in its context, and the request
event measures from it), so a stalled server shows up in the percentiles instead of slowing
the generator; a dropped arrival is counted under the operation it would have sent.
"""

from __future__ import annotations

import time
from typing import Any

import gevent  # type: ignore[import-untyped]
import gevent.pool  # type: ignore[import-untyped]
from locust import constant, task

from signoff.config import LoadOpen
from signoff.load import arrivals
from signoff.load.locust._users import OperationsUser
from signoff.load.locust._wiring import STATE, operations
from signoff.load.mix import MixOperation, pick
from signoff.load.plan import settings_of

Chosen = tuple[MixOperation, str]


class OpenModelUser(OperationsUser):
    """One per Locust process: the scheduler of that process's share of the arrivals."""

    wait_time = constant(3600)
    limits = LoadOpen(max_in_flight=200, max_lag_s=10.0, requests=())

    @task
    def schedule(self) -> None:
        share = 1.0 / max(int(STATE.plan.get("workers", 1)), 1)
        ops = operations()

        def drop(_: arrivals.Arrival, chosen: Chosen | None) -> None:
            if STATE.recorder is not None:
                STATE.recorder.drop((chosen or (ops[0], ""))[0].name)

        arrivals.play(
            arrivals.schedule(STATE.plan["stages"], time.time(), share),
            self.limits,
            lambda _: pick(ops, self.values()),
            self._send,
            drop,
            gevent.pool.Pool(self.limits.max_in_flight),
            gevent.sleep,
        )

    def _send(self, arrival: arrivals.Arrival, chosen: Chosen) -> None:
        op, url = chosen
        self.call(op, url, context={"intended": arrival.intended})


def configure(plan: dict[str, Any]) -> None:
    OpenModelUser.limits = settings_of(plan).open
