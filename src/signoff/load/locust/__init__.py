"""Locust pieces for a locustfile run by signoff's load layer (this package imports Locust, which
patches the standard library with gevent: the engine never imports it).

A locustfile of your own imports the shape and the users of the modes it runs, and calls
`setup()` with its closed-model users::

    from signoff.load.locust import OpenModelUser, PacedUser, PeakUser, PlanShape, ServiceUser
    from signoff.load.locust import setup
    from locust import between, task

    class Reader(ServiceUser):
        wait_time = between(0.5, 1.5)

        @task
        def notes(self) -> None:
            self.send("GET /api/notes")

    setup(closed=[Reader])

Without a locustfile of its own (`[load] locustfile = ""`) the layer runs the package's, whose
`MixUser` plays `[load.mix]` operations or the reads of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from locust import User

from signoff.load.arrivals import schedule
from signoff.load.locust import _openmodel, _users
from signoff.load.locust._openmodel import OpenModelUser
from signoff.load.locust._shapes import PlanShape
from signoff.load.locust._users import (
    VALUES,
    MixUser,
    OperationsUser,
    PacedUser,
    PeakUser,
    ServiceUser,
)
from signoff.load.locust._wiring import STATE, install, load_plan, operations
from signoff.stack.interface import StackHandle

__all__ = [
    "VALUES",
    "MixUser",
    "OpenModelUser",
    "OperationsUser",
    "PacedUser",
    "PeakUser",
    "PlanShape",
    "ServiceUser",
    "handle",
    "operations",
    "plan",
    "schedule",
    "setup",
]


def setup(closed: Sequence[type[User]] = (MixUser,)) -> dict[str, Any]:
    """Read the plan, wire the recording into Locust and give the shape its users: `closed`
    for closed-model profiles, the package's own for the open, peak and paced modes. Call it
    once, at import of the locustfile; returns the plan (a worker later takes its master's)."""

    def configure(found: dict[str, Any]) -> None:
        _users.configure(found)
        _openmodel.configure(found)
        PlanShape.plan = found

    STATE.configure = configure
    PlanShape.classes = {
        "closed": list(closed),
        "open": [OpenModelUser],
        "peak": [PeakUser],
        "paced": [PacedUser],
    }
    install(load_plan())
    return STATE.plan


def plan() -> dict[str, Any]:
    """The plan of this run (stages, budgets, the `[load]` settings, the number of workers)."""
    return STATE.plan


def handle() -> StackHandle:
    """The target as this process sees it: `base_url` (from `-H`, once Locust has started),
    `headers` (the credential), and `may_send("METHOD /path")` (False for a write to a
    read-only deployment)."""
    return STATE.handle
