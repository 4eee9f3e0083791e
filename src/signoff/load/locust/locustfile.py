"""signoff's built-in locustfile (`[load] locustfile = ""`): the weighted mix of `[load.mix]`
operations, or the OpenAPI document's reads, played by the plan's shape.

The engine writes the plan to the file named by SIGNOFF_LOAD_PLAN; started by hand without it,
this runs the smoke profile of the project's configuration against `-H`:

    SIGNOFF_TOKEN=... locust -f "$(python -c 'import signoff.load, pathlib; \
        print(pathlib.Path(signoff.load.__file__).parent / "locust" / "locustfile.py")')" \
        --headless -H http://127.0.0.1:8000
"""

from __future__ import annotations

from signoff.load.locust import MixUser, OpenModelUser, PacedUser, PeakUser, PlanShape, setup

setup(closed=[MixUser])

__all__ = ["MixUser", "OpenModelUser", "PacedUser", "PeakUser", "PlanShape"]
