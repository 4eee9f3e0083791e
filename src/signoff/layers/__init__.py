"""The layers signoff can run, by name. Each module exposes `run(ctx) -> LayerRecord`."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from signoff.config import Config
from signoff.errors import UsageError
from signoff.records import LayerRecord


@dataclass(frozen=True)
class LayerContext:
    """What a layer runner gets: where to write, the config, and the user's extra arguments."""

    run_dir: Path
    config: Config
    profile: str
    args: list[str] = field(default_factory=list)
    stack: str | None = None
    base_url: str | None = None

    @property
    def layer_dir_root(self) -> Path:
        return self.run_dir


class Runner(Protocol):
    def __call__(self, ctx: LayerContext) -> LayerRecord: ...


# name -> (module, one-line description)
LAYERS: dict[str, tuple[str, str]] = {
    "unit": ("signoff.layers.unit", "Unit tests of the service with line and branch coverage."),
    "api": ("signoff.layers.api", "API contract: every endpoint's success and error paths."),
    "fuzz": ("signoff.layers.fuzz", "Schemathesis property-based fuzzing of the OpenAPI document."),
    "smoke": ("signoff.layers.smoke", "Read-only smoke check of a running service (black-box)."),
    "observability": (
        "signoff.layers.observability",
        "Metrics move; dashboards and alert rules name only exposed metrics.",
    ),
    "resilience": (
        "signoff.layers.resilience",
        "Redis, PostgreSQL, worker and webhook receiver faults: degrade and recover.",
    ),
    "audit": (
        "signoff.layers.audit",
        "Security: bandit, pip-audit (offline advisories), live HTTP checks, waivers, score.",
    ),
    "coverage": ("signoff.layers.coverage", "Combine coverage data of every suite and gate it."),
    "load": (
        "signoff.layers.load",
        "Locust profiles (smoke, spike, soak, stress) on phase budgets.",
    ),
    "bench": ("signoff.layers.bench", "pytest-benchmark on the service's hot paths, raw samples."),
    "e2e": ("signoff.layers.e2e", "Playwright journeys in a real Chromium; flaky is reported."),
}


def runner(name: str) -> Runner:
    """The `run` function of a layer, or a clear error for an unknown name."""
    try:
        module, _ = LAYERS[name]
    except KeyError:
        known = ", ".join(LAYERS)
        raise UsageError(f"There is no layer named {name!r} (known: {known}).") from None
    found: Runner = importlib.import_module(module).run
    return found
