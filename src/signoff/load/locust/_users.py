"""The package's users: a base for the user's own, the built-in weighted mix, and the benchmark
users that hit one operation as fast as possible or at a fixed pace.

Every request is named by its route template ("GET /api/notes/{note_id}"), so statistics,
histograms and budgets group by endpoint, not by URL; it carries the target's headers; and an
operation the target may not be sent (a write against a read-only deployment) is not sent.
"""

from __future__ import annotations

import logging
import random
from typing import Any

from locust import FastHttpUser, between, constant, constant_throughput, task

from signoff.load.locust._wiring import STATE, operations
from signoff.load.mix import MixOperation, answered, pick
from signoff.load.plan import settings_of

# Values for route placeholders that the locustfile offers to every user of this process
# (e.g. ids of objects it created before the run): placeholder -> candidates.
VALUES: dict[str, list[str]] = {}
# SystemRandom: nothing here needs a reproducible sequence, and it is no key material.
RNG = random.SystemRandom()
_refused: set[str] = set()
log = logging.getLogger("signoff.load")


def shared_values() -> dict[str, str]:
    """One candidate of each placeholder in `VALUES`, picked at random."""
    return {name: RNG.choice(found) for name, found in VALUES.items() if found}


class ServiceUser(FastHttpUser):
    """A user of the service under test; subclass it in your locustfile and call `send`."""

    abstract = True

    def send(self, name: str, url: str | None = None, **kwargs: Any) -> Any:
        """Send operation `name` ("METHOD /route/{id}") to `url` (the route when it has no
        placeholder), named by the route, with the target's headers; keyword arguments go to
        Locust's client (`json`, `data`, `headers`, `catch_response`, ...). None when the target
        may not be sent this operation."""
        handle = STATE.handle
        if not handle.may_send(name):
            if name not in _refused:
                _refused.add(name)
                log.warning("%s is not sent: the target is read-only for it.", name)
            return None
        method, _, route = name.partition(" ")
        if url is None:
            if "{" in route:
                raise ValueError(f"{name} has placeholders: pass the url with their values.")
            url = route
        headers = {**handle.headers, **kwargs.pop("headers", {})}
        return self.client.request(method, url, name=name, headers=headers, **kwargs)


class OperationsUser(ServiceUser):
    """Plays `MixOperation`s: fills placeholders, sends, keeps what the answer should save."""

    abstract = True

    def on_start(self) -> None:
        self.saved: dict[str, str] = {}

    def values(self) -> dict[str, str]:
        return {**shared_values(), **getattr(self, "saved", {})}

    def call(self, op: MixOperation, url: str, **kwargs: Any) -> None:
        if op.json is not None:
            kwargs["json"] = op.json
        response = self.send(op.name, url, headers=dict(op.headers), **kwargs)
        saved: dict[str, str] | None = getattr(self, "saved", None)
        if response is not None and saved is not None:
            answered(op, int(response.status_code or 0), response.json, saved)


class MixUser(OperationsUser):
    """The built-in closed-model user: the plan's weighted operations, think time between them
    (`[load.mix] think_s`)."""

    wait_time = between(0.5, 1.5)

    @task
    def next_operation(self) -> None:
        chosen = pick(operations(), self.values())
        if chosen is not None:
            self.call(*chosen)


class _OneOperation(OperationsUser):
    abstract = True

    @task
    def hit(self) -> None:
        op = operations()[0]
        url = op.url(self.values())
        if url is not None:
            self.call(op, url)


class PeakUser(_OneOperation):
    """One operation, no think time: the generator's own ceiling (compared with wrk)."""

    wait_time = constant(0)


class PacedUser(_OneOperation):
    """One operation at a fixed pace per user: Locust's closed model, whose statistics hide a
    server stall."""

    wait_time = constant_throughput(1.0)


def configure(plan: dict[str, Any]) -> None:
    """Think times and paces from the plan."""
    low, high = settings_of(plan).mix.think_s
    MixUser.wait_time = between(low, high)
    stages = plan.get("stages", [])
    if plan.get("mode") == "paced" and stages:
        per_user = float(stages[0]["rate"]) / max(int(stages[0]["users"]), 1)
        PacedUser.wait_time = constant_throughput(per_user)
