"""The open model: requests arrive at the plan's rate whether or not earlier ones finished.

Each request has an intended start time on a fixed schedule; it is sent at that time by its own
greenlet, and its latency counts from the intended time (as wrk2 corrects coordinated
omission), so a stalled server shows up in the percentiles instead of slowing the generator.
A request that cannot be started within `max_lag_s` of its time is counted as dropped.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Iterator
from typing import Any

import gevent
import gevent.pool
from locust import FastHttpUser, constant, task

from signoff.load.wiring import STATE


def arrivals(stages: list[dict[str, Any]], start: float, share: float) -> Iterator[float]:
    """Intended start times for this process: its `share` of each stage's (ramping) rate."""
    stage_start = start
    for stage in stages:
        duration = float(stage["duration_s"])
        first = float(stage["rate"]) * share
        last = float(stage.get("rate_end") or stage["rate"]) * share
        t = stage_start
        while t < stage_start + duration:
            rate = first + (last - first) * (t - stage_start) / duration
            if rate <= 0:
                break
            yield t
            t += 1.0 / rate
        stage_start += duration


class OpenModelUser(FastHttpUser):
    """One per Locust process: the scheduler of that process's share of the arrivals."""

    wait_time = constant(3600)
    concurrency = 200
    max_lag_s = 10.0
    api_key = ""
    plan: dict[str, Any] = {}  # noqa: RUF012  (set once per process)
    requests: list[str] = []  # noqa: RUF012
    job_ids: list[int] = []  # noqa: RUF012

    @task
    def schedule(self) -> None:
        auth = {"Authorization": f"Bearer {self.api_key}"}
        share = 1.0 / max(int(self.plan.get("workers", 1)), 1)
        pool = gevent.pool.Pool(self.concurrency)
        routes = itertools.cycle(self._routes())
        for intended in arrivals(self.plan["stages"], time.time(), share):
            delay = intended - time.time()
            if delay > 0:
                gevent.sleep(delay)
            name, path = next(routes)
            pool.wait_available(timeout=max(intended + self.max_lag_s - time.time(), 0.0))
            if time.time() - intended > self.max_lag_s or pool.full():
                if STATE.recorder is not None:
                    STATE.recorder.drop(name)
                continue
            pool.spawn(self._send, name, path, intended, auth)
        pool.join(timeout=self.max_lag_s)

    def _send(self, name: str, path: str, intended: float, auth: dict[str, str]) -> None:
        self.client.get(path, headers=auth, name=name, context={"intended": intended})

    def _routes(self) -> list[tuple[str, str]]:
        routes: list[tuple[str, str]] = []
        for template in self.requests:
            method, _, route = template.partition(" ")
            if method != "GET":
                continue
            if "{job_id}" in route:
                if not self.job_ids:
                    continue
                route = route.replace("{job_id}", str(random.choice(self.job_ids)))
            routes.append((template, route))
        return routes or [("GET /api/v1/adapters", "/api/v1/adapters")]


def configure(plan: dict[str, Any], api_key: str) -> None:
    settings = plan.get("settings", {}).get("open", {})
    OpenModelUser.plan = plan
    OpenModelUser.api_key = api_key
    OpenModelUser.concurrency = int(settings.get("max_in_flight", 200))
    OpenModelUser.max_lag_s = float(settings.get("max_lag_s", 10.0))
    OpenModelUser.requests = list(settings.get("requests", []))
    OpenModelUser.job_ids = [int(j) for j in plan.get("seed", {}).get("job_ids", [])]
