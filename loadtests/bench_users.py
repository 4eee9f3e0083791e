"""Users for the benchmarks: one endpoint as fast as possible, or at a fixed pace per user.

`PeakUser` measures the generator's own ceiling (compared with wrk); `PacedUser` is Locust's
closed model at a fixed rate, the one whose statistics hide a server stall.
"""

from __future__ import annotations

from typing import Any

from locust import FastHttpUser, constant, constant_throughput, task


class _OneEndpoint(FastHttpUser):
    abstract = True
    api_key = ""
    name = "GET /api/v1/reports/summary"
    path = "/api/v1/reports/summary"

    def on_start(self) -> None:
        self.auth = {"Authorization": f"Bearer {self.api_key}"}

    @task
    def hit(self) -> None:
        self.client.get(self.path, headers=self.auth, name=self.name)


class PeakUser(_OneEndpoint):
    wait_time = constant(0)


class PacedUser(_OneEndpoint):
    wait_time = constant_throughput(1.0)


def configure(plan: dict[str, Any], api_key: str) -> None:
    template = (plan.get("settings", {}).get("open", {}).get("requests") or [_OneEndpoint.name])[0]
    _OneEndpoint.api_key = api_key
    _OneEndpoint.name = template
    _OneEndpoint.path = template.partition(" ")[2]
    stages = plan.get("stages", [])
    if plan.get("mode") == "paced" and stages:
        per_user = float(stages[0]["rate"]) / max(int(stages[0]["users"]), 1)
        PacedUser.wait_time = constant_throughput(per_user)
