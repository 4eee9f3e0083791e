"""signoff's locustfile: the user mix, the open-model user and the plan-driven shape.

The engine writes the plan (stage table, mix, budgets, seeded jobs) to a JSON file named by
SIGNOFF_LOAD_PLAN; started by hand without it, this runs the smoke profile's defaults:

    SIGNOFF_API_KEY=... locust -f loadtests/locustfile.py --headless -H http://127.0.0.1:8000
"""

from __future__ import annotations

import os

from bench_users import PacedUser, PeakUser
from bench_users import configure as configure_bench
from openmodel import OpenModelUser
from openmodel import configure as configure_open
from shapes import PlanShape
from users import Integrator, Operator, ReportReader, configure

from signoff.load import wiring

PLAN = wiring.load_plan()
wiring.install(PLAN)
configure(PLAN, os.environ.get("SIGNOFF_API_KEY", ""))
configure_open(PLAN, os.environ.get("SIGNOFF_API_KEY", ""))
PlanShape.plan = PLAN
configure_bench(PLAN, os.environ.get("SIGNOFF_API_KEY", ""))
PlanShape.classes = {
    "closed": [ReportReader, Operator, Integrator],
    "open": [OpenModelUser],
    "peak": [PeakUser],
    "paced": [PacedUser],
}

__all__ = [
    "Integrator",
    "OpenModelUser",
    "Operator",
    "PacedUser",
    "PeakUser",
    "PlanShape",
    "ReportReader",
]
